/**
 * For context: the teacher, face-api's ResNet-34 (dlib's face recognition network, 150×150 input, 128-D) on
 * TensorFlow.js: the model a user would otherwise run. A different and much larger network, so it is timed
 * but never validated against the student.
 */
import type { Batch, BenchContext, RowInstance, RowSpec } from '../core/types.js';
import { type TfBackend, loadTf, tfGpuMemory } from './tfjs.js';

async function create(ctx: BenchContext, backend: TfBackend): Promise<RowInstance> {
  const { tf, name } = await loadTf(ctx, backend);
  let faceapi: any;
  if (ctx.env === 'node') {
    const { createRequire } = await import('node:module');
    faceapi = createRequire(import.meta.url)('@vladmandic/face-api/dist/face-api.node-wasm.js');
    await faceapi.nets.faceRecognitionNet.loadFromDisk(`${ctx.modulesBase}@vladmandic/face-api/model`);
  } else {
    faceapi = await import('@vladmandic/face-api/dist/face-api.esm-nobundle.js' as string);
    await faceapi.nets.faceRecognitionNet.loadFromUri(`${ctx.modulesBase}@vladmandic/face-api/model`);
  }
  await tf.setBackend(name);
  const net = faceapi.nets.faceRecognitionNet;
  return {
    detail: `face-api ${faceapi.version ?? ''} ResNet-34 150×150 on tfjs ${name}`,
    async embed(batch: Batch) {
      const input = tf.tidy(() => {
        const x = tf
          .tensor4d(batch.packed, [batch.count, batch.side, batch.side, 4], 'int32')
          .toFloat()
          .slice([0, 0, 0, 0], [batch.count, batch.side, batch.side, 3]);
        return tf.unstack(tf.image.resizeBilinear(x as any, [150, 150]));
      });
      // face-api takes a batch as an array of H×W×3 tensors.
      const out = await net.computeFaceDescriptor(input.length === 1 ? input[0] : input);
      input.forEach((t) => t.dispose());
      const rows: Float32Array[] = Array.isArray(out) ? out : [out];
      const result = new Float32Array(rows.length * 128);
      rows.forEach((r, i) => result.set(r, i * 128));
      return result;
    },
    memory: () => tfGpuMemory(tf),
    dispose: () => net.dispose?.(),
  };
}

const row = (backend: TfBackend, device: 'gpu' | 'cpu'): RowSpec => ({
  id: `teacher-${backend}`,
  label: `Teacher: face-api ResNet-34 (tfjs ${backend})`,
  runtime: 'face-api (teacher)',
  device,
  teacher: true,
  // Context only, and ~30–300 ms per face here: batch 8 shows its per-face cost.
  maxBatch: 8,
  create: (ctx) => create(ctx, backend),
});

export const teacherWasm = row('wasm', 'cpu');
export const teacherWebGl = row('webgl', 'gpu');
