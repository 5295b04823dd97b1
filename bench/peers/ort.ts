/**
 * ONNX Runtime Web running the exported student (bench/export/onnx.ts): WebGPU execution provider and the
 * single-threaded wasm (SIMD) provider (sessions and calls: ort-row.ts).
 */

import type { BenchContext, RowInstance, RowSpec } from '../core/types.js';
import { ortRow } from './ort-row.js';

type Ort = typeof import('onnxruntime-web');

async function loadOrt(ctx: BenchContext, webgpu: boolean): Promise<Ort> {
  // In browsers the "all" bundle has the WebGPU EP; in Node the package's node build (wasm only).
  const ort: Ort =
    ctx.env === 'browser' ? ((await import('onnxruntime-web/all')) as unknown as Ort) : await import('onnxruntime-web');
  ort.env.wasm.numThreads = 1;
  ort.env.wasm.proxy = false;
  if (ctx.env === 'browser') ort.env.wasm.wasmPaths = `${ctx.modulesBase}onnxruntime-web/dist/`;
  ort.env.logLevel = 'error';
  if (webgpu && ctx.featureLevel === 'compatibility' && typeof navigator !== 'undefined' && navigator.gpu) {
    // The llvmpipe adapter is only offered to compatibility requests: hand ORT that adapter.
    const adapter = await navigator.gpu.requestAdapter({ featureLevel: 'compatibility' } as GPURequestAdapterOptions);
    if (adapter) (ort.env.webgpu as { adapter?: unknown }).adapter = adapter;
  }
  return ort;
}

async function create(ctx: BenchContext, provider: 'webgpu' | 'wasm'): Promise<RowInstance> {
  const ort = await loadOrt(ctx, provider === 'webgpu');
  const detail = `onnxruntime-web ${ort.env.versions?.web ?? ''} ${provider}${provider === 'wasm' ? ' (SIMD, 1 thread)' : ''}`;
  return ortRow(ort, ctx, { executionProviders: [provider], graphOptimizationLevel: 'all' }, detail);
}

export const ortWebGpu: RowSpec = {
  id: 'ort-webgpu',
  label: 'ONNX Runtime Web (WebGPU EP)',
  runtime: 'onnxruntime-web',
  device: 'gpu',
  create: (ctx) => create(ctx, 'webgpu'),
};

export const ortWasm: RowSpec = {
  id: 'ort-wasm',
  label: 'ONNX Runtime Web (wasm SIMD, 1 thread)',
  runtime: 'onnxruntime-web',
  device: 'cpu',
  create: (ctx) => create(ctx, 'wasm'),
};
