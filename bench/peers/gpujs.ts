/**
 * gpu.js (2.24): the student written as gpu.js kernels, one per layer, intermediate results kept on the device
 * as pipeline textures, weights baked in as kernel constants (uploaded once). This is the generic
 * "GPU in JavaScript" baseline: WebGL2 in Chromium; its WebAssembly mode (or plain JS) in Node.
 * Kernel bodies must stay plain JavaScript: gpu.js parses their source.
 */
import { buildNetwork } from '../../src/model/network.js';
import { fixedTaps, normalisation } from '../core/resize.js';
import type { Batch, BenchContext, RowInstance, RowSpec } from '../core/types.js';

type Kernel = ((...args: any[]) => any) & { setOutput(o: number[]): Kernel; destroy?(): void };

// ---- kernels (plain JS, parsed by gpu.js) ----
function preprocessKernel(this: any, pix: any) {
  const p = this.thread.x;
  const ch = this.thread.y;
  const n = this.thread.z;
  const S = this.constants.S;
  const side = this.constants.side;
  const T = this.constants.T;
  const oy = Math.floor(p / S);
  const ox = p - oy * S;
  let acc = 0;
  for (let a = 0; a < T; a++) {
    const iy = this.constants.tapIndex[oy * T + a];
    const wy = this.constants.tapWeight[oy * T + a];
    for (let b = 0; b < T; b++) {
      const ix = this.constants.tapIndex[ox * T + b];
      const wx = this.constants.tapWeight[ox * T + b];
      acc += wy * wx * pix[((n * side + iy) * side + ix) * 4 + ch];
    }
  }
  return acc * this.constants.scale[ch] + this.constants.shift[ch];
}

function convKernel(this: any, x: any) {
  const p = this.thread.x;
  const o = this.thread.y;
  const n = this.thread.z;
  const OS = this.constants.outSize;
  const IS = this.constants.inSize;
  const K = this.constants.k;
  const CIN = this.constants.cin;
  const oy = Math.floor(p / OS);
  const ox = p - oy * OS;
  let acc = this.constants.bias[o];
  // Input channels of output o's group: all of them (dense) or channel o alone (depthwise).
  const firstIn = Math.floor(o / this.constants.outPerGroup) * CIN;
  for (let ci = 0; ci < CIN; ci++) {
    const c = firstIn + ci;
    for (let ky = 0; ky < K; ky++) {
      const iy = oy * this.constants.stride + ky - this.constants.pad;
      for (let kx = 0; kx < K; kx++) {
        const ix = ox * this.constants.stride + kx - this.constants.pad;
        if (iy >= 0 && iy < IS && ix >= 0 && ix < IS) {
          acc += x[n][c][iy * IS + ix] * this.constants.weight[((o * CIN + ci) * K + ky) * K + kx];
        }
      }
    }
  }
  if (this.constants.act === 2 && acc < 0) acc = acc * this.constants.alpha[o];
  if (this.constants.act === 1 && acc < 0) acc = 0;
  return acc;
}

function pointwiseKernel(this: any, x: any, res: any) {
  const p = this.thread.x;
  const o = this.thread.y;
  const n = this.thread.z;
  const C = this.constants.C;
  let acc = this.constants.bias[o];
  for (let c = 0; c < C; c++) acc += this.constants.weight[o * C + c] * x[n][c][p];
  if (this.constants.act === 2 && acc < 0) acc = acc * this.constants.alpha[o];
  if (this.constants.act === 1 && acc < 0) acc = 0;
  if (this.constants.residual === 1) acc += res[n][o][p];
  return acc;
}

function avgpoolKernel(this: any, x: any) {
  let acc = 0;
  for (let i = 0; i < this.constants.P; i++) acc += x[this.thread.z][this.thread.y][i];
  return acc / this.constants.P;
}

function l2normKernel(this: any, x: any) {
  let ss = 0;
  for (let i = 0; i < this.constants.D; i++) {
    const v = x[this.thread.y][i][0];
    ss += v * v;
  }
  return x[this.thread.y][this.thread.x][0] / Math.max(Math.sqrt(ss), 1e-12);
}

type GpuJsMode = 'webgl2' | 'webgl' | 'webasm' | 'cpu';

async function create(ctx: BenchContext, mode: GpuJsMode): Promise<RowInstance> {
  const mod: any = await import('gpu.js');
  const GPU = mod.GPU ?? mod.default?.GPU ?? mod.default;
  const gpu = new GPU({ mode });
  const network = buildNetwork(ctx.weights);
  const S = ctx.weights.architecture.inputSize;
  const w = (name: string | undefined) => (name ? ctx.weights.tensors.get(name)! : new Float32Array([0]));
  const norm = normalisation(ctx.weights.input);
  const settings = {
    pipeline: true,
    dynamicOutput: true,
    dynamicArguments: true,
    tactic: 'precision',
    precision: 'single',
  };

  type Step = { kernel: Kernel; dims: (n: number) => number[]; inputs: number[]; output: number };
  const steps: Step[] = [];
  for (const layer of network.layers) {
    switch (layer.kind) {
      case 'conv': {
        const O = layer.outChannels;
        const kernel = gpu.createKernel(convKernel, {
          ...settings,
          output: [layer.outSize * layer.outSize, O, 1],
          constants: {
            outSize: layer.outSize,
            inSize: layer.inSize,
            k: layer.kernel,
            cin: layer.inChannels / layer.groups,
            outPerGroup: O / layer.groups,
            stride: layer.stride,
            pad: layer.pad,
            act: layer.act,
            weight: w(layer.weight),
            bias: w(layer.bias),
            alpha: w(layer.alpha),
          },
        });
        steps.push({
          kernel,
          dims: (n) => [layer.outSize * layer.outSize, O, n],
          inputs: [layer.input],
          output: layer.output,
        });
        break;
      }
      case 'pointwise': {
        const kernel = gpu.createKernel(pointwiseKernel, {
          ...settings,
          output: [layer.pixels, layer.outChannels, 1],
          constants: {
            C: layer.inChannels,
            act: layer.act,
            residual: layer.residual === undefined ? 0 : 1,
            weight: w(layer.weight),
            bias: w(layer.bias),
            alpha: w(layer.alpha),
          },
        });
        steps.push({
          kernel,
          dims: (n) => [layer.pixels, layer.outChannels, n],
          inputs: [layer.input, layer.residual ?? layer.input],
          output: layer.output,
        });
        break;
      }
      case 'avgpool': {
        const kernel = gpu.createKernel(avgpoolKernel, {
          ...settings,
          output: [1, layer.channels, 1],
          constants: { P: layer.pixels },
        });
        steps.push({ kernel, dims: (n) => [1, layer.channels, n], inputs: [layer.input], output: layer.output });
        break;
      }
      case 'l2norm': {
        const kernel = gpu.createKernel(l2normKernel, {
          ...settings,
          pipeline: false,
          output: [layer.dim, 1],
          constants: { D: layer.dim },
        });
        steps.push({ kernel, dims: (n) => [layer.dim, n], inputs: [layer.input], output: layer.output });
        break;
      }
    }
  }
  const preprocessors = new Map<number, Kernel>();
  const preprocessor = (side: number) => {
    let k = preprocessors.get(side);
    if (!k) {
      const taps = fixedTaps(S, side, ctx.weights.input.resize);
      k = gpu.createKernel(preprocessKernel, {
        ...settings,
        output: [S * S, 3, 1],
        constants: {
          S,
          side,
          T: taps.taps,
          tapIndex: taps.index,
          tapWeight: taps.weight,
          scale: norm.scale,
          shift: norm.shift,
        },
      }) as Kernel;
      preprocessors.set(side, k);
    }
    return k;
  };
  const dim = ctx.weights.architecture.embeddingDim;

  return {
    detail: `gpu.js ${mode} (${gpu.mode})`,
    async embed(batch: Batch) {
      const n = batch.count;
      const pre = preprocessor(batch.side);
      pre.setOutput([S * S, 3, n]);
      const t = new Map<number, unknown>([[0, pre(Float32Array.from(batch.packed))]]);
      let last: unknown;
      for (const step of steps) {
        step.kernel.setOutput(step.dims(n));
        last = step.kernel(...step.inputs.map((i) => t.get(i)));
        t.set(step.output, last);
      }
      // Free the textures of this call (pipeline results are not reused between calls).
      for (const v of t.values()) (v as { delete?: () => void }).delete?.();
      const rows = last as Float32Array[];
      const out = new Float32Array(n * dim);
      rows.forEach((r, i) => out.set(r, i * dim));
      return out;
    },
    dispose: () => gpu.destroy(),
  };
}

export const gpujsWebGl: RowSpec = {
  id: 'gpujs-webgl2',
  label: 'gpu.js (WebGL2)',
  runtime: 'gpu.js',
  device: 'gpu',
  create: (ctx) => create(ctx, 'webgl2'),
};
export const gpujsWebAsm: RowSpec = {
  id: 'gpujs-webasm',
  label: 'gpu.js (webasm mode, 1 thread)',
  runtime: 'gpu.js',
  device: 'cpu',
  create: (ctx) => create(ctx, 'webasm'),
};
