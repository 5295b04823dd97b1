/**
 * TensorFlow.js running the same student, built from the same .bfw weights with tfjs ops (fused conv + bias +
 * PReLU, as the tfjs converter would emit), NHWC. Backends: webgpu, webgl, wasm (1 thread), cpu.
 * Preprocessing uses tfjs ops too: RGBA → RGB slice → resize as two matMuls (skipped when the side already
 * matches) → normalisation.
 */
import type * as TF from '@tensorflow/tfjs';
import { buildNetwork } from '../../src/model/network.js';
import type { StudentWeights } from '../../src/tools.js';
import { normalisation, resizeMatrix } from '../core/resize.js';
import type { Batch, BenchContext, RowInstance, RowSpec } from '../core/types.js';

type Tf = typeof TF;
export type TfBackend = 'webgpu' | 'webgl' | 'wasm' | 'cpu';

let tfModule: Tf | undefined;
let compatRegistered = false;
export async function loadTf(ctx: BenchContext, backend: TfBackend): Promise<{ tf: Tf; name: string }> {
  tfModule ??= await import('@tensorflow/tfjs');
  const tf: Tf = tfModule;
  const name: string = backend;
  if (backend === 'wasm') {
    const wasm = await import('@tensorflow/tfjs-backend-wasm');
    if (ctx.env === 'browser') wasm.setWasmPaths(`${ctx.modulesBase}@tensorflow/tfjs-backend-wasm/dist/`);
    else wasm.setThreadsCount(1);
  }
  if (backend === 'webgpu') {
    const webgpu = await import('@tensorflow/tfjs-backend-webgpu');
    if (ctx.featureLevel === 'compatibility') {
      // tfjs asks for a core adapter; the llvmpipe adapter is only offered to compatibility requests. Kernels are
      // registered under the name 'webgpu', so replace that backend's factory rather than adding a new name.
      if (!compatRegistered) {
        compatRegistered = true;
        tf.removeBackend('webgpu');
        tf.registerBackend('webgpu', async () => {
          const adapter = await navigator.gpu.requestAdapter({
            featureLevel: 'compatibility',
          } as GPURequestAdapterOptions);
          if (!adapter) throw new Error('no compatibility adapter');
          const limits: Record<string, number> = {};
          for (const key of [
            'maxComputeWorkgroupStorageSize',
            'maxComputeInvocationsPerWorkgroup',
            'maxStorageBufferBindingSize',
            'maxBufferSize',
            'maxStorageBuffersPerShaderStage',
            'maxComputeWorkgroupSizeX',
            'maxComputeWorkgroupSizeY',
            'maxComputeWorkgroupSizeZ',
          ]) {
            limits[key] = (adapter.limits as unknown as Record<string, number>)[key];
          }
          const device = await adapter.requestDevice({ requiredLimits: limits });
          return new webgpu.WebGPUBackend(device, adapter.info);
        });
      }
    }
  }
  if (!(await tf.setBackend(name))) throw new Error(`tfjs backend ${name} failed to initialise`);
  await tf.ready();
  return { tf, name };
}

/** Builds the forward function from the weights; returns it with the weight tensors to dispose. */
function buildTfStudent(tf: Tf, weights: StudentWeights) {
  const network = buildNetwork(weights);
  const held: TF.Tensor[] = [];
  const keep = <T extends TF.Tensor>(t: T) => {
    held.push(t);
    return t;
  };
  const w = (name: string) => weights.tensors.get(name)!;
  const S = weights.architecture.inputSize;

  type Op = (t: Map<number, TF.Tensor>) => TF.Tensor;
  const ops: Array<{ output: number; run: Op }> = [];
  for (const layer of network.layers) {
    switch (layer.kind) {
      case 'conv': {
        const { inChannels: C, outChannels: O, kernel: k, groups } = layer;
        const [perGroupIn, perGroupOut] = [C / groups, O / groups];
        const src = w(layer.weight);
        // PyTorch [O, C/g, k, k] → tfjs [k, k, C, O/g]: conv2d's filter when g = 1, depthwiseConv2d's (channel
        // multiplier O/C) when g = C.
        const f = new Float32Array(k * k * C * perGroupOut);
        for (let o = 0; o < O; o++) {
          const firstIn = Math.floor(o / perGroupOut) * perGroupIn;
          for (let c = 0; c < perGroupIn; c++) {
            for (let y = 0; y < k; y++) {
              for (let x = 0; x < k; x++) {
                f[((y * k + x) * C + firstIn + c) * perGroupOut + (o % perGroupOut)] =
                  src[((o * perGroupIn + c) * k + y) * k + x];
              }
            }
          }
        }
        const filter = keep(tf.tensor4d(f, [k, k, C, perGroupOut]));
        const bias = keep(tf.tensor1d(w(layer.bias)));
        const alpha = layer.alpha ? keep(tf.tensor1d(w(layer.alpha))) : undefined;
        const activation = layer.act === 2 ? 'prelu' : layer.act === 1 ? 'relu' : 'linear';
        const pad: number | 'valid' = layer.pad === 0 ? 'valid' : layer.pad;
        const strides: [number, number] = [layer.stride, layer.stride];
        ops.push({
          output: layer.output,
          run: (t) => {
            const args = {
              x: t.get(layer.input) as TF.Tensor4D,
              filter: filter as TF.Tensor4D,
              strides,
              pad,
              bias,
              activation,
              preluActivationWeights: alpha,
            } as const;
            return groups === 1 ? tf.fused.conv2d(args) : tf.fused.depthwiseConv2d(args);
          },
        });
        break;
      }
      case 'pointwise': {
        const C = layer.inChannels;
        const O = layer.outChannels;
        const src = w(layer.weight);
        const t2 = new Float32Array(C * O);
        for (let o = 0; o < O; o++) for (let c = 0; c < C; c++) t2[c * O + o] = src[o * C + c];
        const bias = keep(tf.tensor1d(w(layer.bias)));
        const alpha = layer.alpha ? keep(tf.tensor1d(w(layer.alpha))) : undefined;
        const activation = layer.act === 2 ? 'prelu' : layer.act === 1 ? 'relu' : 'linear';
        // Every 1×1 layer, the fully connected one included (on the pooled N×1×1×C), is a 1×1 conv: a block or
        // head on a 1×1 map also has one pixel per face, and keeps its activation and residual.
        const filter = keep(tf.tensor4d(t2, [1, 1, C, O]));
        ops.push({
          output: layer.output,
          run: (t) => {
            const y = tf.fused.conv2d({
              x: t.get(layer.input) as TF.Tensor4D,
              filter: filter as TF.Tensor4D,
              strides: 1,
              pad: 'valid',
              bias,
              activation,
              preluActivationWeights: alpha,
            });
            return layer.residual === undefined ? y : tf.add(y, t.get(layer.residual)!);
          },
        });
        break;
      }
      case 'avgpool':
        ops.push({ output: layer.output, run: (t) => tf.mean(t.get(layer.input)!, [1, 2], true) });
        break;
      case 'l2norm':
        ops.push({
          output: layer.output,
          run: (t) => {
            const x = t.get(layer.input)!.reshape([-1, layer.dim]);
            return tf.mul(x, tf.rsqrt(tf.maximum(tf.sum(tf.square(x), 1, true), 1e-24)));
          },
        });
        break;
    }
  }

  const norm = normalisation(weights.input);
  const scale = keep(tf.tensor1d(norm.scale));
  const shift = keep(tf.tensor1d(norm.shift));
  const resizers = new Map<number, [TF.Tensor2D, TF.Tensor2D]>();
  const resizer = (side: number) => {
    let r = resizers.get(side);
    if (!r) {
      const m = keep(tf.tensor2d(resizeMatrix(S, side, weights.input.resize), [S, side]));
      r = [m, m];
      resizers.set(side, r);
    }
    return r;
  };

  /** RGBA batch → N×D embeddings (a tensor the caller reads and disposes). */
  const forward = (pixels: Uint8Array, n: number, side: number): TF.Tensor2D => {
    if (side !== S) resizer(side); // created outside tidy(), which would dispose it
    return tf.tidy(() => {
      let x = tf.tensor4d(pixels, [n, side, side, 4], 'int32').toFloat().slice([0, 0, 0, 0], [n, side, side, 3]);
      if (side !== S) {
        const [ry, rx] = resizer(side);
        // Rows: [H, N·W·3] → Ry·; then columns: [W, S·N·3] → Rx·; back to N×S×S×3.
        let t = x.transpose([1, 0, 2, 3]).reshape([side, n * side * 3]);
        t = tf.matMul(ry, t as TF.Tensor2D).reshape([S, n, side, 3]);
        t = t.transpose([2, 0, 1, 3]).reshape([side, S * n * 3]);
        t = tf.matMul(rx, t as TF.Tensor2D).reshape([S, S, n, 3]);
        x = t.transpose([2, 1, 0, 3]) as TF.Tensor4D;
      }
      x = tf.add(tf.mul(x, scale), shift);
      const t = new Map<number, TF.Tensor>([[0, x]]);
      for (const op of ops) t.set(op.output, op.run(t));
      return t.get(network.output) as TF.Tensor2D;
    });
  };
  return { forward, dispose: () => held.forEach((t) => t.dispose()) };
}

/** WebGL: textures allocated including tfjs's free pool; other backends report live tensor bytes only. */
export function tfGpuMemory(tf: Tf): { gpuBytes?: number; note?: string } {
  const m = tf.memory() as { numBytesInGPU?: number; numBytesInGPUAllocated?: number };
  const bytes = m.numBytesInGPUAllocated ?? m.numBytesInGPU;
  if (bytes === undefined) return {};
  return {
    gpuBytes: bytes,
    note: m.numBytesInGPUAllocated !== undefined ? 'tf.memory().numBytesInGPUAllocated' : 'tf.memory().numBytesInGPU',
  };
}

async function create(ctx: BenchContext, backend: TfBackend): Promise<RowInstance> {
  const { tf, name } = await loadTf(ctx, backend);
  const student = buildTfStudent(tf, ctx.weights);
  return {
    detail: `tfjs ${tf.version.tfjs} ${name}`,
    async embed(batch: Batch) {
      const y = student.forward(batch.packed, batch.count, batch.side);
      const data = (await y.data()) as Float32Array;
      y.dispose();
      return data;
    },
    memory: () => tfGpuMemory(tf),
    dispose: () => student.dispose(),
  };
}

const row = (backend: TfBackend, device: 'gpu' | 'cpu', label: string): RowSpec => ({
  id: `tfjs-${backend}`,
  label,
  runtime: 'tfjs',
  device,
  create: (ctx) => create(ctx, backend),
});

export const tfjsWebGpu = row('webgpu', 'gpu', 'TensorFlow.js (webgpu)');
export const tfjsWebGl = row('webgl', 'gpu', 'TensorFlow.js (webgl)');
export const tfjsWasm = row('wasm', 'cpu', 'TensorFlow.js (wasm SIMD, 1 thread)');
export const tfjsCpu = row('cpu', 'cpu', 'TensorFlow.js (cpu, JS)');
