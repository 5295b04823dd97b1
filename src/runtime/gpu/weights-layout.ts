/**
 * Packs every weight tensor into one storage buffer (one binding serves all layers, which keeps each kernel
 * within compatibility mode's storage-buffer limit). Offsets are multiples of 4 floats so kernels can read
 * vec4s. Each layer's weight is stored in the layout its kernel's descriptor names (runtime/gpu/kernels.ts):
 * as in the file, or transposed to [C·K·K][O], where four consecutive output channels of one input tap form one
 * vec4.
 */
import type { Layer } from '../../model/network.js';
import { kernelFor } from './kernels.js';

export interface PackedWeights {
  data: Float32Array<ArrayBuffer>;
  /** Float offset of each tensor, by name. */
  offsets: Map<string, number>;
}

export function packWeights(layers: readonly Layer[], tensors: ReadonlyMap<string, Float32Array>): PackedWeights {
  // Weights a kernel reads transposed, with their [O][…] shape in the file.
  const transposed = new Map<string, { rows: number; cols: number }>();
  for (const layer of layers) {
    if ((layer.kind === 'conv' || layer.kind === 'pointwise') && kernelFor(layer).weightLayout === 'transposed') {
      transposed.set(layer.weight, {
        rows: layer.outChannels,
        cols: tensors.get(layer.weight)!.length / layer.outChannels,
      });
    }
  }
  const offsets = new Map<string, number>();
  let floats = 0;
  for (const [name, t] of tensors) {
    offsets.set(name, floats);
    floats += Math.ceil(t.length / 4) * 4;
  }
  const data = new Float32Array(Math.max(floats, 4));
  for (const [name, t] of tensors) {
    const offset = offsets.get(name)!;
    const shape = transposed.get(name);
    if (!shape) {
      data.set(t, offset);
      continue;
    }
    for (let o = 0; o < shape.rows; o++) {
      for (let c = 0; c < shape.cols; c++) data[offset + c * shape.rows + o] = t[o * shape.cols + c];
    }
  }
  return { data, offsets };
}
