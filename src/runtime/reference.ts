/**
 * The CPU reference of each layer kind: the ops every WebGPU kernel is judged by (each kernel's descriptor in
 * runtime/gpu/kernels.ts names its own) and the CPU backend's kernels, wasm and tuned JavaScript, are tested against
 * (cpu/reference-run.ts runs a whole network on them).
 */
import type { ConvLayer, GlobalAvgPoolLayer, L2NormLayer, Layer, PointwiseLayer } from '../model/network.js';
import { conv2d } from './cpu/conv.js';
import { pointwise } from './cpu/pointwise.js';
import { globalAvgPool, l2Normalize } from './cpu/pool.js';

/** What one layer reads and writes: its activations for the whole batch, and its weights by name. */
export interface LayerIo {
  input: Float32Array;
  /** The tensor added in the epilogue (pointwise layers with a residual). */
  residual?: Float32Array;
  output: Float32Array;
  param(name: string): Float32Array;
}

export type ReferenceOp<L extends Layer> = (layer: L, batch: number, io: LayerIo) => void;

const optional = (io: LayerIo, name: string | undefined) => (name === undefined ? undefined : io.param(name));

export const convReference: ReferenceOp<ConvLayer> = (layer, batch, io) =>
  conv2d(
    { ...layer, batch },
    io.input,
    io.param(layer.weight),
    io.param(layer.bias),
    optional(io, layer.alpha),
    io.output,
  );

export const pointwiseReference: ReferenceOp<PointwiseLayer> = (layer, batch, io) =>
  pointwise(
    { ...layer, batch },
    io.input,
    io.param(layer.weight),
    io.param(layer.bias),
    optional(io, layer.alpha),
    io.residual,
    io.output,
  );

export const avgPoolReference: ReferenceOp<GlobalAvgPoolLayer> = (layer, batch, io) =>
  globalAvgPool(batch, layer.channels, layer.pixels, io.input, io.output);

export const l2NormReference: ReferenceOp<L2NormLayer> = (layer, batch, io) =>
  l2Normalize(batch, layer.dim, io.input, io.output);

/** Runs any layer with its reference op. */
export function runReference(layer: Layer, batch: number, io: LayerIo): void {
  switch (layer.kind) {
    case 'conv':
      convReference(layer, batch, io);
      break;
    case 'pointwise':
      pointwiseReference(layer, batch, io);
      break;
    case 'avgpool':
      avgPoolReference(layer, batch, io);
      break;
    case 'l2norm':
      l2NormReference(layer, batch, io);
      break;
  }
}
