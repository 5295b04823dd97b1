import { existsSync } from 'node:fs';
import { playwright } from '@vitest/browser-playwright';
import { defineConfig } from 'vitest/config';

/** Headless Chromium with WebGPU on this kind of machine (no GPU): see README, "Testing". */
const chromiumArgs = [
  '--no-sandbox',
  '--disable-gpu-sandbox',
  '--no-first-run',
  '--disable-background-networking',
  '--disable-component-update',
  '--disable-sync',
  '--disable-quic',
  '--enable-unsafe-webgpu',
];
/** Mesa llvmpipe through ANGLE's GLES backend: a compatibility-mode adapter, 4–8× faster than SwiftShader. */
const llvmpipeArgs = ['--use-webgpu-adapter=opengles', '--use-angle=gles-egl', '--ignore-gpu-blocklist'];
const executablePath = process.env.CHROMIUM_PATH ?? '/usr/bin/chromium';
/** Chromium ships SwiftShader's Vulkan driver; Dawn in Node can use it too. */
const swiftshaderIcd = '/usr/lib/chromium/vk_swiftshader_icd.json';

const browserProject = (name: string, featureLevel: 'core' | 'compatibility', extraArgs: string[]) => ({
  test: {
    name,
    include: ['test/**/*.browser.test.ts', 'test/**/*.shared.test.ts'],
    provide: { featureLevel },
    testTimeout: 120_000,
    browser: {
      enabled: true,
      headless: true,
      provider: playwright({ launchOptions: { executablePath, args: [...chromiumArgs, ...extraArgs] } }),
      instances: [{ browser: 'chromium' as const }],
      screenshotFailures: false,
    },
  },
});

export default defineConfig({
  test: {
    projects: [
      {
        test: {
          name: 'node',
          include: ['test/**/*.node.test.ts', 'test/**/*.shared.test.ts'],
          environment: 'node',
          testTimeout: 120_000,
          hookTimeout: 120_000,
          env: existsSync(swiftshaderIcd) && !process.env.VK_ICD_FILENAMES ? { VK_ICD_FILENAMES: swiftshaderIcd } : {},
          provide: { featureLevel: 'core' },
        },
      },
      {
        // The same GPU tests on Dawn's OpenGL ES backend (Mesa llvmpipe), a compatibility-mode adapter.
        test: {
          name: 'node-gles',
          include: ['test/**/*.shared.test.ts'],
          environment: 'node',
          testTimeout: 120_000,
          hookTimeout: 120_000,
          provide: { featureLevel: 'compatibility' },
        },
      },
      browserProject('browser-swiftshader', 'core', []),
      browserProject('browser-llvmpipe', 'compatibility', llvmpipeArgs),
    ],
  },
});
