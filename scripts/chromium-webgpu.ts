/**
 * How this project launches headless Chromium with WebGPU on machines without a GPU (see README, "Testing"):
 * shared by vitest.config.ts (browser tests) and the benchmark.
 */

/**
 * Debian's Chromium; never a browser downloaded by a test tool. Read through globalThis: the benchmark's page
 * imports this module (via bench/browser/environments.ts), and browsers have no `process`.
 */
export const CHROMIUM_PATH = globalThis.process?.env?.CHROMIUM_PATH ?? '/usr/bin/chromium';

/** Base flags: no sandbox (root in CI), no background networking (the network is closed), WebGPU on. */
export const CHROMIUM_WEBGPU_ARGS = [
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
export const LLVMPIPE_ARGS = ['--use-webgpu-adapter=opengles', '--use-angle=gles-egl', '--ignore-gpu-blocklist'];

/** Chromium ships SwiftShader's Vulkan driver; Dawn in Node can use it too. */
export const SWIFTSHADER_ICD = '/usr/lib/chromium/vk_swiftshader_icd.json';
