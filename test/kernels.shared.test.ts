/**
 * Per-kernel parity: every WGSL kernel against its CPU reference, on hand-picked shapes (odd spatial sizes,
 * channel counts that are not multiples of 4, stride 2, batch 1 and batches larger than a workgroup) and, for
 * every entry of the kernel table, on random layers it fits (fast-check). Runs on every adapter the project is
 * configured for (Dawn in Node, Chromium's SwiftShader and llvmpipe).
 */
import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { GpuError } from '../src/errors.js';
import { WGSL } from '../src/kernels/index.js';
import { DEFAULT_INPUT, type InputSpec } from '../src/model/architecture.js';
import { ACT, type ActCode, type ConvLayer, type Layer } from '../src/model/network.js';
import { preprocess } from '../src/runtime/cpu/preprocess.js';
import { compileModule } from '../src/runtime/gpu/compile.js';
import {
  BINDING_VARIABLES,
  LAYER_KERNELS,
  kernelCandidates,
  kernelFor,
  wgslModule,
} from '../src/runtime/gpu/kernels.js';
import { SEARCH_BINDINGS, SEARCH_VARIANTS, searchModule } from '../src/runtime/gpu/similarity-topk.js';
import type { RgbaImage } from '../src/runtime/image.js';
import { runReference } from '../src/runtime/reference.js';
import { type GpuContext, openGpu, runLayer, runPreprocess } from './support/gpu-harness.js';
import { BATCH, LAYERS, layerData } from './support/layers.js';
import { randomFloats, randomImage, relativeError, seededRandom } from './support/random.js';

const TOLERANCE = 1e-4;
let gpu: GpuContext;

beforeAll(async () => {
  gpu = await openGpu();
  console.log(`kernel parity on WebGPU adapter: ${gpu.adapter}`);
});
afterAll(() => gpu?.device.destroy());

const random = seededRandom(1234);
/** Random layers per kernel in the property tests (each a GPU dispatch and a CPU reference run). */
const PROPERTY_RUNS = 12;
const activations: Array<[string, ActCode]> = [
  ['none', ACT.none],
  ['relu', ACT.relu],
  ['prelu', ACT.prelu],
];

describe('conv3x3_16x8.wgsl, depthwise3x3(_columns).wgsl and conv2d.wgsl (stem, depthwise, general)', () => {
  const cases = [
    {
      name: 'stem 3→16 (16×8), 8×8, stride 1, batch 2',
      dense: true,
      batch: 2,
      inC: 3,
      outC: 16,
      size: 8,
      stride: 1 as const,
      act: ACT.prelu,
      kernel: 'conv3x3_16x8',
    },
    {
      name: 'stem 3→32 (16×8), 15×15, stride 2, batch 70',
      dense: true,
      batch: 70,
      inC: 3,
      outC: 32,
      size: 15,
      stride: 2 as const,
      act: ACT.relu,
      kernel: 'conv3x3_16x8',
    },
    {
      // 3 rows of 12: 9 pixel quads, so the second quad of an invocation may start the next row, and the last
      // invocation has only one.
      name: 'stem 5→16 (16×8), 3×12, stride 1, batch 3',
      dense: true,
      batch: 3,
      inC: 5,
      outC: 16,
      size: 3,
      width: 12,
      stride: 1 as const,
      act: ACT.prelu,
      kernel: 'conv3x3_16x8',
    },
    {
      name: 'stem 3→32 (16×8), 5×23 → 3×12, stride 2, batch 70',
      dense: true,
      batch: 70,
      inC: 3,
      outC: 32,
      size: 5,
      width: 23,
      stride: 2 as const,
      act: ACT.relu,
      kernel: 'conv3x3_16x8',
    },
    {
      name: 'dense 3→16 (general), 12×12, stride 3, batch 2',
      dense: true,
      batch: 2,
      inC: 3,
      outC: 16,
      size: 12,
      stride: 3,
      act: ACT.none,
      kernel: 'conv2d',
    },
    {
      name: 'stem 3→5 (general), 7×7, stride 1, batch 1',
      dense: true,
      batch: 1,
      inC: 3,
      outC: 5,
      size: 7,
      stride: 1 as const,
      act: ACT.prelu,
      kernel: 'conv2d',
    },
    {
      name: 'stem 3→6 (general), 9×9, stride 2, batch 70',
      dense: true,
      batch: 70,
      inC: 3,
      outC: 6,
      size: 9,
      stride: 2 as const,
      act: ACT.relu,
      kernel: 'conv2d',
    },
    {
      name: 'depthwise 7ch, 11×11, stride 2, batch 3',
      dense: false,
      batch: 3,
      inC: 7,
      outC: 7,
      size: 11,
      stride: 2 as const,
      act: ACT.prelu,
      kernel: 'depthwise3x3',
    },
    {
      name: 'depthwise 13ch, 5×5, stride 1, batch 65',
      dense: false,
      batch: 65,
      inC: 13,
      outC: 13,
      size: 5,
      stride: 1 as const,
      act: ACT.none,
      kernel: 'depthwise3x3',
    },
    {
      name: "depthwise 144ch (an ir block's expansion), 8×8, stride 2, batch 3",
      dense: false,
      batch: 3,
      inC: 144,
      outC: 144,
      size: 8,
      stride: 2 as const,
      act: ACT.prelu,
      kernel: 'depthwise3x3',
    },
    {
      name: 'depthwise 16ch, 8×8, stride 1, batch 5 (by columns)',
      dense: false,
      batch: 5,
      inC: 16,
      outC: 16,
      size: 8,
      stride: 1 as const,
      act: ACT.prelu,
      kernel: 'depthwise3x3_columns',
    },
    {
      name: 'depthwise 32ch, 17×17, stride 2, batch 66 (by columns)',
      dense: false,
      batch: 66,
      inC: 32,
      outC: 32,
      size: 17,
      stride: 2 as const,
      act: ACT.relu,
      kernel: 'depthwise3x3_columns',
    },
  ];
  for (const c of cases) {
    it(c.name, async () => {
      // Square maps unless the case gives a width.
      const width = c.width ?? c.size;
      const outSize = Math.floor((c.size - 1) / c.stride) + 1;
      const outWidth = Math.floor((width - 1) / c.stride) + 1;
      const params = new Map([
        ['w', randomFloats(random, c.outC * (c.dense ? c.inC : 1) * 9)],
        ['b', randomFloats(random, c.outC)],
        ['a', randomFloats(random, c.outC, 0.5)],
      ]);
      const input = randomFloats(random, c.batch * c.inC * c.size * width, 2);
      const layer: ConvLayer = {
        kind: 'conv',
        input: 0,
        output: 1,
        inChannels: c.inC,
        outChannels: c.outC,
        inSize: c.size,
        outSize,
        ...(c.width === undefined ? {} : { inWidth: width, outWidth }),
        kernel: 3,
        stride: c.stride,
        pad: 1,
        groups: c.dense ? 1 : c.inC,
        weight: 'w',
        bias: 'b',
        act: c.act,
        alpha: 'a',
      };
      const expected = new Float32Array(c.batch * c.outC * outSize * outWidth);
      runReference(layer, c.batch, { input, output: expected, param: (name) => params.get(name)! });
      expect(kernelFor(layer).name).toBe(c.kernel);
      const actual = await runLayer(gpu, layer, c.batch, params, input, expected.length);
      expect(relativeError(actual, expected)).toBeLessThan(TOLERANCE);
    });
  }

  it('global depthwise pooling (kernel = 5×5 map, pad 0, 1×1 output), 9 channels, batch 2', async () => {
    const [batch, channels, size] = [2, 9, 5];
    const params = new Map([
      ['w', randomFloats(random, channels * 25)],
      ['b', randomFloats(random, channels)],
    ]);
    const input = randomFloats(random, batch * channels * 25);
    const expected = new Float32Array(batch * channels);
    const layer: ConvLayer = {
      kind: 'conv',
      input: 0,
      output: 1,
      inChannels: channels,
      outChannels: channels,
      inSize: size,
      outSize: 1,
      kernel: size,
      stride: 1,
      pad: 0,
      groups: channels,
      weight: 'w',
      bias: 'b',
      act: ACT.none,
    };
    runReference(layer, batch, { input, output: expected, param: (name) => params.get(name)! });
    expect(kernelFor(layer).name).toBe('conv2d');
    expect(relativeError(await runLayer(gpu, layer, batch, params, input, expected.length), expected)).toBeLessThan(
      TOLERANCE,
    );
  });
});

describe('pointwise_8x16.wgsl, pointwise_vec4.wgsl and pointwise.wgsl (1×1 conv and fully connected)', () => {
  const cases = [
    {
      name: '12→16 ch (8×16), 4×4 px, batch 70, residual',
      batch: 70,
      C: 12,
      O: 16,
      pixels: 16,
      residual: true,
      kernel: 'pointwise_8x16',
    },
    {
      name: '5→8 ch (8×16), 8×6 px, batch 3, residual',
      batch: 3,
      C: 5,
      O: 8,
      pixels: 48,
      residual: true,
      kernel: 'pointwise_8x16',
    },
    {
      name: '12→32 ch (vec4), 3×4 px, batch 70, residual',
      batch: 70,
      C: 12,
      O: 32,
      pixels: 12,
      residual: true,
      kernel: 'pointwise_vec4',
    },
    {
      name: '29→29 ch, 7×7 px, batch 3, residual',
      batch: 3,
      C: 29,
      O: 29,
      pixels: 49,
      residual: true,
      kernel: 'pointwise',
    },
    { name: '13→30 ch, 5×5 px, batch 1', batch: 1, C: 13, O: 30, pixels: 25, residual: false, kernel: 'pointwise' },
    {
      name: '64→128 ch (8×16), 8×8 px, batch 9',
      batch: 9,
      C: 64,
      O: 128,
      pixels: 64,
      residual: false,
      kernel: 'pointwise_8x16',
    },
    {
      name: '64→48 ch (vec4), 5×4 px, batch 9',
      batch: 9,
      C: 64,
      O: 48,
      pixels: 20,
      residual: false,
      kernel: 'pointwise_vec4',
    },
    {
      name: 'fully connected 40→32 (vec4), batch 130',
      batch: 130,
      C: 40,
      O: 32,
      pixels: 1,
      residual: false,
      kernel: 'fully_connected',
    },
    {
      name: 'fully connected 16→16 (vec4), batch 3, residual',
      batch: 3,
      C: 16,
      O: 16,
      pixels: 1,
      residual: true,
      kernel: 'fully_connected',
    },
    {
      name: 'fully connected 37→19, batch 130',
      batch: 130,
      C: 37,
      O: 19,
      pixels: 1,
      residual: false,
      kernel: 'pointwise',
    },
  ];
  for (const c of cases) {
    for (const [actName, act] of activations) {
      it(`${c.name}, ${actName}`, async () => {
        const params = new Map([
          ['w', randomFloats(random, c.O * c.C, 0.5)],
          ['b', randomFloats(random, c.O)],
          ['a', randomFloats(random, c.O, 0.5)],
        ]);
        const input = randomFloats(random, c.batch * c.C * c.pixels);
        const residual = c.residual ? randomFloats(random, c.batch * c.O * c.pixels) : undefined;
        const expected = new Float32Array(c.batch * c.O * c.pixels);
        const layer: Layer = {
          kind: 'pointwise',
          input: 0,
          output: 1,
          inChannels: c.C,
          outChannels: c.O,
          pixels: c.pixels,
          weight: 'w',
          bias: 'b',
          act,
          alpha: 'a',
          residual: c.residual ? 2 : undefined,
        };
        runReference(layer, c.batch, { input, residual, output: expected, param: (name) => params.get(name)! });
        expect(kernelFor(layer).name).toBe(c.kernel);
        const actual = await runLayer(gpu, layer, c.batch, params, input, expected.length, residual);
        expect(relativeError(actual, expected)).toBeLessThan(TOLERANCE);
      });
    }
  }
});

describe('avgpool.wgsl and l2norm.wgsl', () => {
  it('global average pooling, 6 ch × 25 px, batch 67', async () => {
    const [batch, channels, pixels] = [67, 6, 25];
    const input = randomFloats(random, batch * channels * pixels);
    const expected = new Float32Array(batch * channels);
    const layer: Layer = { kind: 'avgpool', input: 0, output: 1, channels, pixels };
    runReference(layer, batch, { input, output: expected, param: () => new Float32Array() });
    expect(relativeError(await runLayer(gpu, layer, batch, new Map(), input, expected.length), expected)).toBeLessThan(
      TOLERANCE,
    );
  });

  for (const [batch, dim] of [
    [1, 128],
    [70, 19],
  ]) {
    it(`L2 norm, batch ${batch}, dim ${dim}`, async () => {
      const input = randomFloats(random, batch * dim, 3);
      const expected = new Float32Array(batch * dim);
      const layer: Layer = { kind: 'l2norm', input: 0, output: 1, dim };
      runReference(layer, batch, { input, output: expected, param: () => new Float32Array() });
      expect(
        relativeError(await runLayer(gpu, layer, batch, new Map(), input, expected.length), expected),
      ).toBeLessThan(TOLERANCE);
    });
  }

  it('L2 norm of rows whose squares overflow or underflow f32 (scaled by the max first), and of a zero row', async () => {
    const dim = 128;
    const scales = [1e20, 1e30, 3e38 / 3, 1e-25, 0];
    const input = new Float32Array(scales.length * dim);
    scales.forEach((scale, n) =>
      input.set(
        randomFloats(random, dim, 3).map((v) => v * scale),
        n * dim,
      ),
    );
    const expected = new Float32Array(input.length);
    const layer: Layer = { kind: 'l2norm', input: 0, output: 1, dim };
    runReference(layer, scales.length, { input, output: expected, param: () => new Float32Array() });
    const actual = await runLayer(gpu, layer, scales.length, new Map(), input, expected.length);
    scales.forEach((scale, n) => {
      const [a, e] = [actual.subarray(n * dim, (n + 1) * dim), expected.subarray(n * dim, (n + 1) * dim)];
      // Relative to the row's own magnitude (the 1e-25 row comes out as x·1e12 ≈ 1e-13); the zero row stays zero.
      const size = Math.max(...e.map(Math.abs)) || 1;
      expect(
        relativeError(
          a.map((v) => v / size),
          e.map((v) => v / size),
        ),
      ).toBeLessThan(TOLERANCE);
      if (scale >= 1) expect(Math.hypot(...a)).toBeCloseTo(1, 5);
      if (scale === 0) expect(a.every((v) => v === 0)).toBe(true);
    });
  });
});

describe('preprocess.wgsl (RGBA → resize → normalise)', () => {
  const images = (): RgbaImage[] => [
    randomImage(random, 1, 1),
    randomImage(random, 17, 9),
    { ...randomImage(random, 250, 250), box: { x: 60.5, y: 70.25, width: 129.5, height: 131 } },
    { ...randomImage(random, 40, 30), box: { x: -6, y: 20, width: 24, height: 24 } },
    randomImage(random, 12, 12),
    // Boxes far larger than the image (issue 13): the work is bounded by the image, and both sides agree.
    { ...randomImage(random, 16, 16), box: { x: -10_000, y: -9_992, width: 20_000, height: 20_016 } },
    { ...randomImage(random, 16, 12), box: { x: -(2 ** 23), y: -3, width: 2 ** 24, height: 2 ** 24 } },
    { ...randomImage(random, 7, 9), box: { x: 6.5, y: -1e6, width: 1e6, height: 1e6 + 4.25 } },
  ];
  for (const resize of ['area', 'bilinear'] as const) {
    for (const size of [32, 15]) {
      it(`${resize}, S = ${size}`, async () => {
        const spec: InputSpec = { ...DEFAULT_INPUT, mean: [0.4, 0.5, 0.6], std: [0.2, 0.25, 0.3], resize };
        const batch = images();
        const expected = new Float32Array(batch.length * 3 * size * size);
        preprocess(batch, size, spec, expected);
        expect(relativeError(await runPreprocess(gpu, batch, size, spec), expected)).toBeLessThan(TOLERANCE);
      });
    }
  }

  it('random images, face boxes (partly outside, fractional), output sizes, modes and normalisations (fast-check)', async () => {
    const image = fc
      .record({
        width: fc.integer({ min: 1, max: 40 }),
        height: fc.integer({ min: 1, max: 40 }),
        seed: fc.integer(),
        box: fc.option(
          fc.tuple(
            fc.double({ min: -0.5, max: 1, noNaN: true }),
            fc.double({ min: -0.5, max: 1, noNaN: true }),
            fc.double({ min: 0.05, max: 1.5, noNaN: true }),
            fc.double({ min: 0.05, max: 1.5, noNaN: true }),
          ),
          { nil: undefined },
        ),
      })
      .map(
        ({ width, height, seed, box }): RgbaImage => ({
          ...randomImage(seededRandom(seed), width, height),
          box: box && { x: box[0] * width, y: box[1] * height, width: box[2] * width, height: box[3] * height },
        }),
      );
    const triple = (min: number) =>
      fc.tuple(
        fc.double({ min, max: 1, noNaN: true }),
        fc.double({ min, max: 1, noNaN: true }),
        fc.double({ min, max: 1, noNaN: true }),
      );
    await fc.assert(
      fc.asyncProperty(
        fc.array(image, { minLength: 1, maxLength: 5 }),
        fc.integer({ min: 1, max: 33 }),
        fc.constantFrom('area', 'bilinear' as const),
        triple(0),
        triple(0.1),
        async (batch, size, resize, mean, std) => {
          const spec: InputSpec = { ...DEFAULT_INPUT, mean, std, resize };
          const expected = new Float32Array(batch.length * 3 * size * size);
          preprocess(batch, size, spec, expected);
          expect(relativeError(await runPreprocess(gpu, batch, size, spec), expected)).toBeLessThan(TOLERANCE);
        },
      ),
      { numRuns: PROPERTY_RUNS },
    );
  });

  it('area resize by an integer factor repeats pixels exactly', () => {
    const image = randomImage(random, 16, 16);
    const out = new Float32Array(3 * 32 * 32);
    preprocess([image], 32, { ...DEFAULT_INPUT, mean: [0, 0, 0], std: [1, 1, 1] }, out);
    for (const [y, x] of [
      [0, 0],
      [5, 9],
      [15, 15],
    ]) {
      const expected = image.data[(y * 16 + x) * 4] / 255;
      for (const [dy, dx] of [
        [0, 0],
        [0, 1],
        [1, 0],
        [1, 1],
      ])
        expect(out[(2 * y + dy) * 32 + 2 * x + dx]).toBeCloseTo(expected, 6);
    }
  });
});

/** The bindings a WGSL source declares, by variable name in binding order. */
function declaredBindings(source: string): string[] {
  const names: string[] = [];
  for (const m of source.matchAll(/@group\(0\)\s*@binding\((\d+)\)\s*var(?:<[^>]*>)?\s+(\w+)/g))
    names[Number(m[1])] = m[2];
  return names;
}

describe('the kernel table (runtime/gpu/kernels.ts) agrees with the WGSL', () => {
  for (const kernel of LAYER_KERNELS) {
    it(`${kernel.name}.wgsl declares the bindings its descriptor binds, in order`, () => {
      expect(declaredBindings(WGSL[kernel.name])).toEqual(kernel.bindings.map((role) => BINDING_VARIABLES[role]));
    });
  }

  it('every layer of every kind has a kernel, and the general kernel of each kind is last', () => {
    for (const [kind, layers] of Object.entries(LAYERS)) {
      const entries = LAYER_KERNELS.filter((k) => k.layer === kind);
      fc.assert(fc.property(layers, (layer) => entries.at(-1)!.fits(layer) && entries.includes(kernelFor(layer))));
    }
  });

  it('similarity_topk.wgsl declares the bindings gallery search binds, in order', () => {
    expect(declaredBindings(WGSL.similarity_topk)).toEqual([...SEARCH_BINDINGS]);
  });

  it('a module that does not compile is a GpuError naming it, with the compiler messages, and no uncaptured error', async () => {
    let uncaptured = 0;
    const count = () => uncaptured++;
    gpu.device.addEventListener('uncapturederror', count);
    const broken = `${wgslModule('avgpool')}\nfn broken() -> u32 { return 1.5; }`;
    const error = await compileModule(gpu.device, 'broken-kernel', broken, ['main']).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(GpuError);
    expect(error).toMatchObject({
      code: 'validation',
      message: expect.stringMatching(/broken-kernel[\s\S]*\d+:\d+ error/),
    });
    await new Promise((resolve) => setTimeout(resolve, 50));
    gpu.device.removeEventListener('uncapturederror', count);
    expect(uncaptured).toBe(0);
  });

  it('the two gallery-search builds are different programs: only the packed one calls dot4I8Packed', () => {
    const [packed, portable] = [searchModule('dot4I8Packed'), searchModule('portable')];
    expect(packed).not.toBe(portable);
    expect(packed).toContain('dot4I8Packed(a, b)');
    expect(portable).not.toContain('dot4I8Packed');
    expect(Object.values(SEARCH_VARIANTS).sort()).toEqual(['dot4_packed', 'dot4_portable']);
  });
});

describe('every layer kernel against its CPU reference on random layers it can run (fast-check)', () => {
  for (const kernel of LAYER_KERNELS) {
    it(kernel.name, async () => {
      await fc.assert(
        fc.asyncProperty(LAYERS[kernel.layer], BATCH, fc.integer(), async (layer, batch, seed) => {
          // Each kernel on the layers the backend may run it on: where it is among the candidates timed at load
          // (kernel-choice.ts), not only where it is the first fit. Other layers are skipped; a kernel the
          // generators (almost) never fit fails the test with "too many pre-condition failures".
          fc.pre(kernelCandidates(layer).includes(kernel));
          const { params, input, residual, outFloats } = layerData(layer, batch, seed);
          const expected = new Float32Array(outFloats);
          kernel.reference(layer, batch, { input, residual, output: expected, param: (name) => params.get(name)! });
          const actual = await runLayer(gpu, layer, batch, params, input, outFloats, residual, kernel);
          expect(relativeError(actual, expected)).toBeLessThan(TOLERANCE);
        }),
        { numRuns: PROPERTY_RUNS },
      );
    });
  }
});
