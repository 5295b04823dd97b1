/**
 * The oracle: a whole network on the plain reference ops (conv.ts, pointwise.ts, pool.ts), layer by layer, with
 * no kernel choice at all. Tests and bench/profile.ts judge every backend's kernels by it; nothing runs it for speed.
 */
import type { Network } from '../../model/network.js';
import { conv2d } from './conv.js';
import { pointwise } from './pointwise.js';
import { globalAvgPool, l2Normalize } from './pool.js';

/** `batch` faces of input (N×3×S×S) through `network` with weights `tensors`; returns N×D. */
export function referenceRun(network: Network, tensors: ReadonlyMap<string, Float32Array>, input: Float32Array, batch: number): Float32Array {
  const t: Float32Array[] = network.tensorSizes.map((f) => new Float32Array(batch * f));
  t[0] = input;
  const p = (name: string | undefined) => (name === undefined ? undefined : tensors.get(name)!);
  for (const l of network.layers) {
    const [x, out] = [t[l.input], t[l.output]];
    switch (l.kind) {
      case 'conv3x3': {
        const shape = { inChannels: l.inChannels, outChannels: l.outChannels, inSize: l.inSize, outSize: l.outSize, kernel: 3, stride: l.stride, pad: 1 };
        conv2d({ ...shape, batch, act: l.act, groups: 1 }, x, p(l.weight)!, p(l.bias)!, p(l.alpha), out);
        break;
      }
      case 'depthwise': {
        const shape = { inChannels: l.channels, outChannels: l.channels, inSize: l.inSize, outSize: l.outSize, kernel: l.kernel, stride: l.stride, pad: l.pad };
        conv2d({ ...shape, batch, act: l.act, groups: 'depthwise' }, x, p(l.weight)!, p(l.bias)!, p(l.alpha), out);
        break;
      }
      case 'pointwise': {
        const shape = { inChannels: l.inChannels, outChannels: l.outChannels, pixels: l.pixels, act: l.act };
        pointwise({ ...shape, batch }, x, p(l.weight)!, p(l.bias)!, p(l.alpha), l.residual === undefined ? undefined : t[l.residual], out);
        break;
      }
      case 'avgpool':
        globalAvgPool(batch, l.channels, l.pixels, x, out);
        break;
      case 'l2norm':
        l2Normalize(batch, l.dim, x, out);
        break;
    }
  }
  return t[network.output];
}

