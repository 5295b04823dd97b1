/**
 * What the two ONNX Runtime peers (onnxruntime-web in ort.ts, onnxruntime-node in ort-node.ts) share: one session
 * per input side over the exported student (bench/export/onnx.ts: the resize is baked into the graph, so each side
 * is its own model), fed the packed RGBA batch as uint8 `pixels`, answering `embedding`.
 */

import type { InferenceSession, Tensor } from 'onnxruntime-web'; // the types both packages re-export from onnxruntime-common
import type { Batch, BenchContext, RowInstance } from '../core/types.js';
import { exportOnnx } from '../export/onnx.js';

/** The part of either package's module the row uses. */
export interface OrtApi {
  InferenceSession: { create(model: Uint8Array, options: InferenceSession.SessionOptions): Promise<InferenceSession> };
  Tensor: new (type: 'uint8', data: Uint8Array, dims: readonly number[]) => Tensor;
}

/** A row whose sessions are created with `options`; the session for the network's own input side is made up front. */
export async function ortRow(
  ort: OrtApi,
  ctx: BenchContext,
  options: InferenceSession.SessionOptions,
  detail: string,
): Promise<RowInstance> {
  const sessions = new Map<number, InferenceSession>();
  const session = async (side: number) => {
    let s = sessions.get(side);
    if (!s) {
      s = await ort.InferenceSession.create(exportOnnx(ctx.weights, { side }), options);
      sessions.set(side, s);
    }
    return s;
  };
  await session(ctx.weights.architecture.inputSize);
  return {
    detail,
    async embed(batch: Batch) {
      const s = await session(batch.side);
      const input = new ort.Tensor('uint8', batch.packed, [batch.count, batch.side, batch.side, 4]);
      const out = await s.run({ pixels: input });
      const e = out.embedding;
      const data = (await e.getData()) as Float32Array;
      e.dispose?.(); // the WebGPU EP keeps outputs on the GPU until released
      return data;
    },
    async dispose() {
      for (const s of sessions.values()) await s.release();
    },
  };
}
