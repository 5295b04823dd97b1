/**
 * ONNX Runtime Web running the exported student (bench/export/onnx.ts): WebGPU execution provider and the
 * single-threaded wasm (SIMD) provider. One session per input side (the resize is baked into the graph).
 */

import type { Batch, BenchContext, RowInstance, RowSpec } from '../core/types.js';
import { exportOnnx } from '../export/onnx.js';

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
  const sessions = new Map<number, Awaited<ReturnType<Ort['InferenceSession']['create']>>>();
  const session = async (side: number) => {
    let s = sessions.get(side);
    if (!s) {
      s = await ort.InferenceSession.create(exportOnnx(ctx.weights, { side }), {
        executionProviders: [provider],
        graphOptimizationLevel: 'all',
      });
      sessions.set(side, s);
    }
    return s;
  };
  await session(ctx.weights.architecture.inputSize);
  return {
    detail: `onnxruntime-web ${ort.env.versions?.web ?? ''} ${provider}${provider === 'wasm' ? ' (SIMD, 1 thread)' : ''}`,
    async embed(batch: Batch) {
      const s = await session(batch.side);
      const input = new ort.Tensor('uint8', batch.packed, [batch.count, batch.side, batch.side, 4]);
      const out = await s.run({ pixels: input });
      const e = out.embedding;
      const data = (await e.getData()) as Float32Array;
      e.dispose?.();
      return data;
    },
    async dispose() {
      for (const s of sessions.values()) await s.release();
    },
  };
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
