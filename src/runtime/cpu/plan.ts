/**
 * The CPU backend's plan: each layer's kernel, decided once at load. A layer runs on a WebAssembly kernel when
 * the module is there and the kernel takes its shape, else on the tuned JavaScript ops; both are judged by the
 * plain reference ops (conv.ts, pointwise.ts, pool.ts). A wasm step is a list of module calls over byte offsets,
 * so a worker with its own instance replays it unchanged.
 */
import type { Layer, Network } from '../../model/network.js';
import { convJs } from './js-conv.js';
import { pointwiseJs } from './js-pointwise.js';
import { globalAvgPool, l2Normalize } from './pool.js';
import type { WasmCall, WasmKernels } from './wasm-kernels.js';
import type { OutputLayout } from './wasm-preprocess.js';

interface StepBase {
  readonly layer: Layer;
  /** The kernel that runs the layer, e.g. 'wasm depthwise3x3_s1' or 'js conv'. */
  readonly kernel: string;
}

export interface WasmStep extends StepBase {
  readonly engine: 'wasm';
  /** Scratch floats in module memory (after the tensors) for `batch` faces. */
  scratchFloats(batch: number): number;
  /** The calls for `batch` faces, given every tensor's byte offset and the scratch's. */
  calls(batch: number, at: readonly number[], scratch: number): WasmCall[];
  /**
   * A step that reads its input as zero-bordered planes in scratch (the stem): where an input pass may write them
   * itself (the interior of each plane, `zeroBytes` to clear first), and the calls that then skip the copy.
   */
  bordered?: {
    layout(batch: number, scratch: number): OutputLayout & { zeroBytes: number };
    calls(batch: number, at: readonly number[], scratch: number): WasmCall[];
  };
}

interface JsStep extends StepBase {
  readonly engine: 'js';
  run(batch: number, t: Float32Array[]): void;
}

export type CpuStep = WasmStep | JsStep;

type Tensors = ReadonlyMap<string, Float32Array>;

/** Weights small enough to stay in a 32 KB L1 data cache beside the activations a pointwise block reads. */
const L1_WEIGHT_BYTES = 16384;

/** Plans every layer of `network`; with `wasm`, its kernels hold the weights of the layers they run. */
export function planCpu(network: Network, tensors: Tensors, wasm: WasmKernels | undefined): CpuStep[] {
  const p = (name: string | undefined) => (name === undefined ? undefined : tensors.get(name)!);
  // One resident zero row, as long as the widest depthwise input needs (rows above/below a plane read it).
  const zeroFloats = Math.max(
    0,
    ...network.layers.map((l) => (l.kind === 'conv' && l.groups !== 1 ? l.inSize + 8 : 0)),
  );
  let zero: number | undefined;
  const zeros = () => (zero ??= wasm!.addZeros(zeroFloats));
  return network.layers.map((layer) => (wasm && wasmStep(layer, wasm, p, zeros)) || jsStep(layer, p));
}

function wasmStep(
  layer: Layer,
  wasm: WasmKernels,
  p: (name: string | undefined) => Float32Array | undefined,
  zeros: () => number,
): WasmStep | undefined {
  const step = (
    kernel: string,
    calls: WasmStep['calls'],
    scratchFloats: WasmStep['scratchFloats'] = () => 0,
  ): WasmStep => ({ layer, kernel: `wasm ${kernel}`, engine: 'wasm', calls, scratchFloats });
  const { input: i, output: o } = layer;
  switch (layer.kind) {
    case 'conv': {
      const { inChannels: C, outChannels: O, inSize, outSize, kernel, pad, stride, groups } = layer;
      if (groups === 1) {
        if (kernel !== 3 || pad !== 1 || stride !== 1 || O % 4 !== 0 || inSize % 8 !== 0) return undefined;
        const m = wasm.addMatrix(p(layer.weight)!, p(layer.bias)!, O, C * 9, layer.act, p(layer.alpha), 'blocked');
        // The stem reads zero-bordered planes in scratch: copied from a tensor input, or written there by the
        // preprocessing (the backend's input pass) when the network starts from images.
        const stem = (n: number, scratch: number, out: number): WasmCall => ({
          fn: 'stem3x3',
          args: [scratch, m.weight, m.bias, m.slopes, out, n, C, inSize, O],
        });
        const side = (inSize + 2) * 4;
        return {
          ...step(
            'stem3x3',
            (n, at, scratch) => [
              { fn: 'border_planes', args: [at[i], scratch, n * C, inSize] },
              stem(n, scratch, at[o]),
            ],
            (n) => n * C * (inSize + 2) ** 2,
          ),
          bordered: {
            layout: (n, scratch) => ({
              at: scratch + side + 4,
              rowPitch: side,
              planePitch: side * (inSize + 2),
              zeroBytes: n * C * side * (inSize + 2),
            }),
            calls: (n, at, scratch) => [stem(n, scratch, at[o])],
          },
        };
      }
      if (groups !== C || O !== C) return undefined;
      const d = () => wasm.addDepthwise(p(layer.weight)!, p(layer.bias)!, C, layer.act, p(layer.alpha));
      if (kernel === inSize && pad === 0 && outSize === 1 && (inSize * inSize) % 4 === 0 && C % 4 === 0) {
        const g = d();
        return step('gdc', (n, at) => [
          { fn: 'gdc', args: [at[i], g.weight, g.bias, g.slopes, at[o], n * C, C, inSize * inSize] },
        ]);
      }
      if (kernel !== 3 || pad !== 1 || outSize % 4 !== 0 || inSize !== outSize * stride || stride > 2) return undefined;
      const fn = stride === 1 ? 'depthwise3x3_s1' : 'depthwise3x3_s2';
      const [g, zero] = [d(), zeros()];
      // depthwise3x3_s1 takes height and width (the detectors' maps are not square), the s2 kernel one side.
      const sides = stride === 1 ? [outSize, outSize] : [outSize];
      return step(fn, (n, at) => [{ fn, args: [at[i], g.weight, g.bias, g.slopes, at[o], n * C, C, ...sides, zero] }]);
    }
    case 'pointwise': {
      const { inChannels: C, outChannels: O, pixels: P } = layer;
      const res = layer.residual;
      if (P === 1 && O % 16 === 0 && res === undefined) {
        const m = wasm.addMatrix(p(layer.weight)!, p(layer.bias)!, O, C, layer.act, p(layer.alpha), 'transposed');
        return step('fc', (n, at) => [{ fn: 'fc', args: [at[i], m.weight, m.bias, m.slopes, at[o], n, C, O] }]);
      }
      if (P % 8 !== 0 || O % 4 !== 0) return undefined;
      const m = wasm.addMatrix(p(layer.weight)!, p(layer.bias)!, O, C, layer.act, p(layer.alpha), 'blocked');
      // Pixel blocks outermost when all of W stays in L1 (measured: ×2–3 on the 256-pixel layers); else channels.
      const pixelsOuter = C * O * 4 <= L1_WEIGHT_BYTES ? 1 : 0;
      return step('pointwise', (n, at) => [
        {
          fn: 'pointwise',
          args: [at[i], m.weight, m.bias, m.slopes, at[o], res === undefined ? 0 : at[res], n, C, O, P, pixelsOuter],
        },
      ]);
    }
    case 'avgpool':
      return step('avgpool', (n, at) => [{ fn: 'avgpool', args: [at[i], at[o], n * layer.channels, layer.pixels] }]);
    case 'l2norm':
      return step('l2norm', (n, at) => [{ fn: 'l2norm', args: [at[i], at[o], n, layer.dim] }]);
  }
}

function jsStep(layer: Layer, p: (name: string | undefined) => Float32Array | undefined): JsStep {
  const step = (kernel: string, run: JsStep['run']): JsStep => ({ layer, kernel: `js ${kernel}`, engine: 'js', run });
  const { input: i, output: o } = layer;
  switch (layer.kind) {
    case 'conv':
      return step('conv', (batch, t) =>
        convJs({ ...layer, batch }, t[i], p(layer.weight)!, p(layer.bias)!, p(layer.alpha), t[o]),
      );
    case 'pointwise': {
      const shape = {
        inChannels: layer.inChannels,
        outChannels: layer.outChannels,
        pixels: layer.pixels,
        act: layer.act,
      };
      return step('pointwise', (batch, t) =>
        pointwiseJs(
          { ...shape, batch },
          t[i],
          p(layer.weight)!,
          p(layer.bias)!,
          p(layer.alpha),
          layer.residual === undefined ? undefined : t[layer.residual],
          t[o],
        ),
      );
    }
    case 'avgpool':
      return step('avgpool', (batch, t) => globalAvgPool(batch, layer.channels, layer.pixels, t[i], t[o]));
    case 'l2norm':
      return step('l2norm', (batch, t) => l2Normalize(batch, layer.dim, t[i], t[o]));
  }
}
