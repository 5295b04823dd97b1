/**
 * The CPU backend: runs the network layer by layer. It is a complete backend (used where WebGPU is missing)
 * and the oracle every WebGPU kernel is tested against. With `simd` (the default, where WebAssembly SIMD
 * exists) the stem and the 1×1 layers run on the wasm kernel; everything else, and every layer with
 * `simd: false`, runs the JavaScript reference ops.
 */
import type { Layer } from '../../model/network.js';
import type { Backend, BackendModel } from '../backend.js';
import type { RgbaImage } from '../image.js';
import { conv2d, im2col } from './conv.js';
import { pointwise, pointwiseEpilogue } from './pointwise.js';
import { type SimdMatrix, SimdPointwise, simdFits } from './simd.js';
import { globalAvgPool, l2Normalize } from './pool.js';
import { preprocess } from './preprocess.js';

export interface CpuOptions {
  /** Use the WebAssembly SIMD kernel where it applies (default true; falls back silently where unsupported). */
  simd?: boolean;
}

export class CpuBackend implements Backend {
  readonly kind = 'cpu';
  readonly adapter: string;
  private readonly simd?: SimdPointwise;
  /** SIMD-resident weights of the layers the wasm kernel runs, by weight tensor name. */
  private readonly matrices = new Map<string, SimdMatrix>();

  constructor(
    private readonly model: BackendModel,
    options: CpuOptions = {},
  ) {
    this.simd = options.simd === false ? undefined : SimdPointwise.create();
    if (this.simd) {
      for (const layer of model.network.layers) {
        const dense = layer.kind === 'conv3x3' && simdFits(layer.outChannels, layer.outSize ** 2);
        const matrix = layer.kind === 'pointwise' && simdFits(layer.outChannels, layer.pixels);
        if (dense || matrix) {
          const k = layer.kind === 'conv3x3' ? layer.inChannels * 9 : layer.inChannels;
          this.matrices.set(layer.weight, this.simd.addMatrix(model.tensors.get(layer.weight)!, model.tensors.get(layer.bias)!, layer.outChannels, k));
        }
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

  /** Executes every layer for `batch` faces; returns the output tensor. */
  run(input: Float32Array, batch: number): Float32Array {
    const { network } = this.model;
    const tensors: Float32Array[] = [input];
    for (const layer of network.layers) {
      tensors[layer.output] = new Float32Array(batch * network.tensorSizes[layer.output]);
      this.runLayer(layer, batch, tensors);
    }
    return tensors[network.output];
  }

  private runLayer(layer: Layer, batch: number, t: Float32Array[]): void {
    const p = (name: string | undefined) => (name === undefined ? undefined : this.model.tensors.get(name)!);
    const matrix = layer.kind === 'conv3x3' || layer.kind === 'pointwise' ? this.matrices.get(layer.weight) : undefined;
    if (this.simd && matrix && (layer.kind === 'conv3x3' || layer.kind === 'pointwise')) {
      const pixels = layer.kind === 'conv3x3' ? layer.outSize ** 2 : layer.pixels;
      let input = t[layer.input];
      if (layer.kind === 'conv3x3') {
        input = new Float32Array(batch * matrix.k * pixels);
        im2col({ ...layer, batch, kernel: 3, pad: 1 }, t[layer.input], input);
      }
      this.simd.run(matrix, batch, pixels, input, t[layer.output]);
      const residual = layer.kind === 'pointwise' && layer.residual !== undefined ? t[layer.residual] : undefined;
      pointwiseEpilogue({ batch, inChannels: matrix.k, outChannels: layer.outChannels, pixels, act: layer.act }, p(layer.alpha), residual, t[layer.output]);
      return;
    }
    switch (layer.kind) {
      case 'conv3x3':
      case 'depthwise': {
        const dense = layer.kind === 'conv3x3';
        conv2d(
          {
            batch,
            inChannels: dense ? layer.inChannels : layer.channels,
            outChannels: dense ? layer.outChannels : layer.channels,
            inSize: layer.inSize,
            outSize: layer.outSize,
            kernel: dense ? 3 : layer.kernel,
            stride: layer.stride,
            pad: dense ? 1 : layer.pad,
            act: layer.act,
            groups: dense ? 1 : 'depthwise',
          },
          t[layer.input], p(layer.weight)!, p(layer.bias)!, p(layer.alpha), t[layer.output],
        );
        return;
      }
      case 'pointwise':
        pointwise(
          { batch, inChannels: layer.inChannels, outChannels: layer.outChannels, pixels: layer.pixels, act: layer.act },
          t[layer.input], p(layer.weight)!, p(layer.bias)!, p(layer.alpha),
          layer.residual === undefined ? undefined : t[layer.residual], t[layer.output],
        );
        return;
      case 'avgpool':
        globalAvgPool(batch, layer.channels, layer.pixels, t[layer.input], t[layer.output]);
        return;
      case 'l2norm':
        l2Normalize(batch, layer.dim, t[layer.input], t[layer.output]);
        return;
    }
  }

  gpuBufferBytes(): number {
    return 0;
  }

  dispose(): void {}
}
