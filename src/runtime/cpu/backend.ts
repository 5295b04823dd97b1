/**
 * The CPU backend: runs the network layer by layer. It is a complete backend (used where WebGPU is missing)
 * and the oracle every WebGPU kernel is tested against. With `simd` (the default, where WebAssembly SIMD
 * exists) the stem, the 1×1 and the 3×3 depthwise layers run on the wasm kernels; everything else, and every
 * layer with `simd: false`, runs the JavaScript reference ops.
 */
import type { ConvLayer, Layer } from '../../model/network.js';
import type { Backend, BackendModel } from '../backend.js';
import type { RgbaImage } from '../image.js';
import { runReference } from '../reference.js';
import { im2col } from './conv.js';
import { type SimdDepthwise, SimdKernels, type SimdMatrix, depthwiseFits, pointwiseFits, stemFits } from './simd.js';
import { preprocess } from './preprocess.js';

/**
 * Faces per pass through the network. Larger batches gain nothing on one thread, and the SIMD path's arena
 * (all activations of a chunk, ~0.6 MB per face for the default student) stays ~40 MB.
 */
const CHUNK = 64;

export interface CpuOptions {
  /** Use the WebAssembly SIMD kernel where it applies (default true; falls back silently where unsupported). */
  simd?: boolean;
}

export class CpuBackend implements Backend {
  readonly kind = 'cpu';
  readonly adapter: string;
  private readonly simd?: SimdKernels;
  /** SIMD-resident weights of the layers the wasm kernels run, by weight tensor name. */
  private readonly matrices = new Map<string, SimdMatrix>();
  private readonly depthwise = new Map<string, SimdDepthwise>();

  constructor(
    private readonly model: BackendModel,
    options: CpuOptions = {},
  ) {
    this.simd = options.simd === false ? undefined : SimdKernels.create();
    const tensor = (name: string | undefined) => (name === undefined ? undefined : model.tensors.get(name)!);
    for (const layer of this.simd ? model.network.layers : []) {
      if (layer.kind === 'avgpool' || layer.kind === 'l2norm') continue;
      const [w, b, alpha] = [tensor(layer.weight)!, tensor(layer.bias)!, tensor(layer.alpha)];
      if (layer.kind === 'conv' && layer.groups === 1 && pointwiseFits(layer.outChannels, layer.outSize ** 2)) {
        this.matrices.set(layer.weight, this.simd!.addMatrix(w, b, layer.outChannels, layer.inChannels * layer.kernel ** 2, layer.act, alpha));
      } else if (layer.kind === 'pointwise' && pointwiseFits(layer.outChannels, layer.pixels)) {
        this.matrices.set(layer.weight, this.simd!.addMatrix(w, b, layer.outChannels, layer.inChannels, layer.act, alpha));
      } else if (layer.kind === 'conv' && layer.groups !== 1 && depthwiseFits(layer.kernel, layer.pad, layer.outSize)) {
        this.depthwise.set(layer.weight, this.simd!.addDepthwise(w, b, layer.outChannels, layer.act, alpha));
      }
    }
    this.adapter = this.simd ? 'WebAssembly SIMD (single thread)' : 'JavaScript (single thread)';
  }

  async embedImages(images: readonly RgbaImage[]): Promise<Float32Array> {
    const size = this.model.network.architecture.inputSize;
    const input = new Float32Array(images.length * 3 * size * size);
    preprocess(images, size, this.model.input, input);
    return this.run(input, images.length);
  }

  async embedTensor(input: Float32Array, count: number): Promise<Float32Array> {
    return this.run(input, count);
  }

  /** Executes the network for `count` faces, in chunks that bound the working memory; returns N×D. */
  run(input: Float32Array, count: number): Float32Array {
    const { network } = this.model;
    const [perFace, dim] = [network.tensorSizes[0], network.tensorSizes[network.output]];
    const out = new Float32Array(count * dim);
    for (let start = 0; start < count; start += CHUNK) {
      const n = Math.min(CHUNK, count - start);
      out.set(this.runChunk(input.subarray(start * perFace, (start + n) * perFace), n), start * dim);
    }
    return out;
  }

  /** Executes every layer for `batch` faces; returns the output tensor. */
  private runChunk(input: Float32Array, batch: number): Float32Array {
    const { network } = this.model;
    const alloc = this.allocator(batch);
    // The input joins the run's memory too, so the first layer's kernel reads it in place.
    const tensors: Float32Array[] = [alloc(input.length)];
    tensors[0].set(input);
    for (const layer of network.layers) {
      tensors[layer.output] = alloc(batch * network.tensorSizes[layer.output]);
      this.runLayer(layer, batch, tensors, alloc);
    }
    // On the SIMD path this is a view of memory the next chunk reuses: the caller copies it out.
    return tensors[network.output];
  }

  /**
   * Where a run's tensors live: on the SIMD path, one arena in the wasm module's memory sized for the whole
   * run (every activation, im2col columns for a stem the direct kernel does not take, and the kernels' padded
   * planes), so kernels work in place; otherwise ordinary arrays.
   */
  private allocator(batch: number): (floats: number) => Float32Array {
    if (!this.simd) return (floats) => new Float32Array(floats);
    const { network } = this.model;
    let floats = network.tensorSizes.reduce((a, b) => a + b, 0);
    let scratch = 0;
    for (const layer of network.layers) {
      if (layer.kind === 'conv' && this.matrices.has(layer.weight)) {
        if (directStem(layer)) scratch = Math.max(scratch, SimdKernels.stemScratch(layer.inChannels, layer.inSize));
        else floats += layer.inChannels * layer.kernel ** 2 * layer.outSize ** 2;
      }
      if (layer.kind === 'conv' && this.depthwise.has(layer.weight)) scratch = Math.max(scratch, SimdKernels.depthwiseScratch(layer.inSize));
    }
    const arena = this.simd.arena(batch * floats, scratch);
    let next = 0;
    return (count) => arena.subarray(next, (next += count));
  }

  private runLayer(layer: Layer, batch: number, t: Float32Array[], alloc: (floats: number) => Float32Array): void {
    if (this.simd && this.runSimd(layer, batch, t, alloc)) return;
    const residual = layer.kind === 'pointwise' && layer.residual !== undefined ? t[layer.residual] : undefined;
    runReference(layer, batch, { input: t[layer.input], residual, output: t[layer.output], param: (name) => this.model.tensors.get(name)! });
  }

  gpuBufferBytes(): number {
    return 0;
  }

  /** Runs `layer` on the wasm kernels if they hold its weights; returns whether it did. */
  private runSimd(layer: Layer, batch: number, t: Float32Array[], alloc: (floats: number) => Float32Array): boolean {
    const simd = this.simd!;
    if (layer.kind === 'conv' && layer.groups !== 1) {
      const d = this.depthwise.get(layer.weight);
      if (d) simd.depthwise(d, batch, layer.inSize, layer.outSize, layer.stride, t[layer.input], t[layer.output]);
      return d !== undefined;
    }
    const m = layer.kind === 'conv' || layer.kind === 'pointwise' ? this.matrices.get(layer.weight) : undefined;
    if (!m) return false;
    if (layer.kind === 'conv' && directStem(layer)) {
      simd.conv3x3(m, batch, layer.inChannels, layer.inSize, t[layer.input], t[layer.output]);
    } else if (layer.kind === 'conv') {
      const columns = alloc(batch * m.k * layer.outSize ** 2);
      im2col({ ...layer, batch }, t[layer.input], columns);
      simd.pointwise(m, batch, layer.outSize ** 2, columns, t[layer.output]);
    } else if (layer.kind === 'pointwise') {
      simd.pointwise(m, batch, layer.pixels, t[layer.input], t[layer.output], layer.residual === undefined ? undefined : t[layer.residual]);
    }
    return true;
  }

  dispose(): void {}
}

/** Whether the wasm stem kernel takes this dense convolution directly (3×3, padding 1), without im2col. */
function directStem(layer: ConvLayer): boolean {
  return layer.kernel === 3 && layer.pad === 1 && stemFits(layer.stride, layer.outChannels, layer.outSize);
}
