import { CHROMIUM_WEBGPU_ARGS, LLVMPIPE_ARGS } from '../../scripts/chromium-webgpu.js';

/** The two headless Chromium environments (flags from ../shared/docs/ENVIRONMENT.md) and the rows each runs. */
export const CHROMIUM_BASE_ARGS = [
  ...CHROMIUM_WEBGPU_ARGS,
  // Allow WebGL on the software rasteriser (tfjs-webgl, gpu.js) and give exact JS heap numbers.
  '--enable-unsafe-swiftshader',
  '--enable-precise-memory-info',
  '--js-flags=--expose-gc',
];

export interface BrowserEnvironment {
  featureLevel: 'core' | 'compatibility';
  args: string[];
  rows: string[];
}

/** CPU / wasm rows run once, in the SwiftShader page (the CPU is the same in both). */
export const BROWSER_ENVIRONMENTS: Record<string, BrowserEnvironment> = {
  'chromium-swiftshader': {
    featureLevel: 'core',
    args: [],
    rows: [
      'bridgeface-webgpu',
      'ort-webgpu',
      'tfjs-webgpu',
      'tfjs-webgl',
      'gpujs-webgl2',
      'bridgeface-cpu',
      'ort-wasm',
      'tfjs-wasm',
      'tfjs-cpu',
      'teacher-wasm',
    ],
  },
  'chromium-llvmpipe': {
    featureLevel: 'compatibility',
    args: LLVMPIPE_ARGS,
    rows: ['bridgeface-webgpu', 'ort-webgpu', 'tfjs-webgpu', 'tfjs-webgl', 'gpujs-webgl2', 'teacher-webgl'],
  },
};
