/**
 * The CPU backend: runs the network layer by layer with the reference ops. It is a complete backend (used where
 * WebGPU is missing) and the oracle every WebGPU kernel is tested against.
 */
import type { Layer } from '../../model/network.js';
import type { Backend, BackendModel } from '../backend.js';
import type { RgbaImage } from '../image.js';
import { conv2d } from './conv.js';
import { pointwise } from './pointwise.js';
import { globalAvgPool, l2Normalize } from './pool.js';
import { preprocess } from './preprocess.js';

export class CpuBackend implements Backend {
  readonly kind = 'cpu';
  readonly adapter = 'JavaScript (single thread)';

  constructor(private readonly model: BackendModel) {}

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
