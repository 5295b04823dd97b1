/** bridgeface itself: the WebGPU backend and the CPU backend, through the public API. */
import { createRecognizer } from '../../src/index.js';
import type { Batch, BenchContext, RowInstance, RowSpec } from '../core/types.js';

async function create(ctx: BenchContext, backend: 'webgpu' | 'cpu', threads = 1): Promise<RowInstance> {
  const rec = await createRecognizer({
    backend,
    weights: ctx.weightsBytes,
    webgpu: backend === 'webgpu' ? { featureLevel: ctx.featureLevel } : undefined,
    cpu: { threads },
  });
  return {
    detail: rec.info.adapter,
    async embed(batch: Batch) {
      return (await rec.embedMatrix(batch.images)).data;
    },
    dispose: () => rec.dispose(),
  };
}

export const bridgefaceWebGpu: RowSpec = {
  id: 'bridgeface-webgpu',
  label: 'bridgeface WebGPU',
  runtime: 'bridgeface',
  device: 'gpu',
  create: (ctx) => create(ctx, 'webgpu'),
};

export const bridgefaceCpu: RowSpec = {
  id: 'bridgeface-cpu',
  label: 'bridgeface CPU (wasm SIMD, 1 thread)',
  runtime: 'bridgeface',
  device: 'cpu',
  create: (ctx) => create(ctx, 'cpu'),
};

/** The CPU backend over two threads (the calling thread and one worker), timed against itself on one. */
export const bridgefaceCpu2: RowSpec = {
  id: 'bridgeface-cpu-2t',
  label: 'bridgeface CPU (wasm SIMD, 2 threads)',
  runtime: 'bridgeface',
  device: 'cpu',
  threads: 2,
  pairWith: ['bridgeface-cpu'],
  create: (ctx) => create(ctx, 'cpu', 2),
};
