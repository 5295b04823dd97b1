import { existsSync } from 'node:fs';
import { playwright } from '@vitest/browser-playwright';
import { defineConfig } from 'vitest/config';
import { CHROMIUM_PATH, CHROMIUM_WEBGPU_ARGS, LLVMPIPE_ARGS, SWIFTSHADER_ICD } from './scripts/chromium-webgpu.js';

const browserProject = (name: string, featureLevel: 'core' | 'compatibility', extraArgs: string[]) => ({
  test: {
    name,
    include: ['test/**/*.browser.test.ts', 'test/**/*.shared.test.ts'],
    provide: { featureLevel },
    testTimeout: 120_000,
    browser: {
      enabled: true,
      headless: true,
      provider: playwright({
        launchOptions: { executablePath: CHROMIUM_PATH, args: [...CHROMIUM_WEBGPU_ARGS, ...extraArgs] },
      }),
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
          env:
            existsSync(SWIFTSHADER_ICD) && !process.env.VK_ICD_FILENAMES ? { VK_ICD_FILENAMES: SWIFTSHADER_ICD } : {},
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
      browserProject('browser-llvmpipe', 'compatibility', LLVMPIPE_ARGS),
    ],
  },
});
