/**
 * fast-check generators of single layers of every kind, reading tensor 0, writing tensor 1 and (pointwise with a
 * residual) adding tensor 2, with weights named 'w', 'b' and 'a' — the shape `runLayer` in gpu-harness.ts takes.
 * Sizes are biased towards the multiples the fast kernels need (16 output channels, 4, 8 or 16 pixels), so every kernel
 * of the table gets layers it fits, and kept small so the CPU reference stays quick.
 */
import fc from 'fast-check';
import { ACT, type ActCode, type Layer } from '../../src/model/network.js';
import { randomFloats, seededRandom } from './random.js';

const act = fc.constantFrom<ActCode>(ACT.none, ACT.relu, ACT.prelu);
/** Any count in [1, max], or a multiple of 16 up to 48, half the time each. */
const channels = (max: number) => fc.oneof(fc.integer({ min: 1, max }), fc.constantFrom(16, 32, 48));

const conv: fc.Arbitrary<Layer> = fc
  .record({
    inChannels: fc.integer({ min: 1, max: 12 }),
    outChannels: channels(20),
    depthwise: fc.boolean(),
    // 3×3 padding 1 most often (the blocks' and the stem's shape), else any small kernel and padding.
    window: fc.oneof(
      { weight: 3, arbitrary: fc.constant({ kernel: 3, pad: 1 }) },
      {
        weight: 1,
        arbitrary: fc
          .integer({ min: 1, max: 5 })
          .chain((kernel) =>
            fc.record({ kernel: fc.constant(kernel), pad: fc.integer({ min: 0, max: Math.floor(kernel / 2) }) }),
          ),
      },
    ),
    stride: fc.constantFrom(1, 2),
    // Sides 8 and 16 give the output widths (8 at stride 1 or 2, 16) that conv3x3_16x8 needs.
    inSize: fc.oneof(fc.integer({ min: 1, max: 13 }), fc.constantFrom(8, 16)),
    act,
    globalPool: fc.boolean(),
  })
  .filter(({ window, inSize }) => inSize + 2 * window.pad >= window.kernel)
  .map(({ inChannels, outChannels, depthwise, window, stride, inSize, act: a, globalPool }): Layer => {
    // The gdc pooling: a depthwise kernel as large as the map, no padding, 1×1 output.
    const [kernel, pad, s] = depthwise && globalPool ? [inSize, 0, 1] : [window.kernel, window.pad, stride];
    const out = depthwise ? Math.max(inChannels, outChannels) : outChannels;
    return {
      kind: 'conv',
      input: 0,
      output: 1,
      inChannels: depthwise ? out : inChannels,
      outChannels: out,
      inSize,
      outSize: Math.floor((inSize + 2 * pad - kernel) / s) + 1,
      kernel,
      stride: s,
      pad,
      groups: depthwise ? out : 1,
      weight: 'w',
      bias: 'b',
      act: a,
      alpha: a === ACT.prelu ? 'a' : undefined,
    };
  });

const pointwise: fc.Arbitrary<Layer> = fc
  .record({
    inChannels: fc.integer({ min: 1, max: 70 }),
    outChannels: channels(40),
    pixels: fc.oneof(
      fc.constant(1),
      fc.integer({ min: 1, max: 50 }),
      fc.integer({ min: 1, max: 16 }).map((q) => 4 * q),
    ),
    residual: fc.boolean(),
    act,
  })
  .map(
    ({ residual, act: a, ...shape }): Layer => ({
      kind: 'pointwise',
      input: 0,
      output: 1,
      ...shape,
      weight: 'w',
      bias: 'b',
      act: a,
      alpha: a === ACT.prelu ? 'a' : undefined,
      residual: residual ? 2 : undefined,
    }),
  );

const avgpool: fc.Arbitrary<Layer> = fc
  .record({ channels: fc.integer({ min: 1, max: 20 }), pixels: fc.integer({ min: 1, max: 50 }) })
  .map((s): Layer => ({ kind: 'avgpool', input: 0, output: 1, ...s }));

const l2norm: fc.Arbitrary<Layer> = fc
  .integer({ min: 1, max: 150 })
  .map((dim): Layer => ({ kind: 'l2norm', input: 0, output: 1, dim }));

export const LAYERS: Record<Layer['kind'], fc.Arbitrary<Layer>> = { conv, pointwise, avgpool, l2norm };

/** Faces per run: mostly a few, sometimes more than one workgroup's worth. */
export const BATCH = fc.oneof(
  { weight: 4, arbitrary: fc.integer({ min: 1, max: 9 }) },
  { weight: 1, arbitrary: fc.integer({ min: 60, max: 70 }) },
);

/** Floats per face of each tensor a generated layer touches. */
function layerFloats(layer: Layer): { input: number; output: number; weight: number; channels: number } {
  switch (layer.kind) {
    case 'conv':
      return {
        input: layer.inChannels * layer.inSize ** 2,
        output: layer.outChannels * layer.outSize ** 2,
        weight: layer.outChannels * (layer.inChannels / layer.groups) * layer.kernel ** 2,
        channels: layer.outChannels,
      };
    case 'pointwise':
      return {
        input: layer.inChannels * layer.pixels,
        output: layer.outChannels * layer.pixels,
        weight: layer.outChannels * layer.inChannels,
        channels: layer.outChannels,
      };
    case 'avgpool':
      return { input: layer.channels * layer.pixels, output: layer.channels, weight: 0, channels: 0 };
    case 'l2norm':
      return { input: layer.dim, output: layer.dim, weight: 0, channels: 0 };
  }
}

/** Random weights ('w', 'b', 'a'), input and residual for `batch` faces through `layer`. */
export function layerData(layer: Layer, batch: number, seed: number) {
  const random = seededRandom(seed);
  const f = layerFloats(layer);
  const params = new Map<string, Float32Array>();
  if (f.weight > 0) {
    params.set('w', randomFloats(random, f.weight, 0.5));
    params.set('b', randomFloats(random, f.channels));
    params.set('a', randomFloats(random, f.channels, 0.5));
  }
  const input = randomFloats(random, batch * f.input, 2);
  const residual =
    layer.kind === 'pointwise' && layer.residual !== undefined ? randomFloats(random, batch * f.output) : undefined;
  return { params, input, residual, outFloats: batch * f.output };
}
