/** bridgeface itself: the WebGPU backend and the CPU backend, through the public API. */
import { createRecognizer } from '../../src/index.js';
import type { Batch, BenchContext, RowInstance, RowSpec } from '../core/types.js';

async function create(ctx: BenchContext, backend: 'webgpu' | 'cpu'): Promise<RowInstance> {
  const rec = await createRecognizer({
    backend,
    weights: ctx.weightsBytes,
    webgpu: backend === 'webgpu' ? { featureLevel: ctx.featureLevel } : undefined,
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
