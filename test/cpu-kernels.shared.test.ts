/**
 * The CPU backend's kernels — both WebAssembly variants and the tuned JavaScript ops — against the plain reference
 * loops, one layer at a time (asserting which kernel ran), then whole networks, then thread counts. Shared: Node 20
 * validates only the SIMD128 module, Chromium the relaxed-SIMD one too, so both variants are covered.
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { createRecognizer } from '../src/api/recognizer.js';
import { DEFAULT_ARCHITECTURE, DEFAULT_INPUT } from '../src/model/architecture.js';
import { ACT, type ActCode, type ConvLayer, type Layer, type Network, buildNetwork } from '../src/model/network.js';
import { randomWeights } from '../src/model/random-weights.js';
import { readWeights, writeWeights } from '../src/model/weights-format.js';
import { CpuBackend, type CpuOptions } from '../src/runtime/cpu/backend.js';
import { conv2d } from '../src/runtime/cpu/conv.js';
import { pointwise } from '../src/runtime/cpu/pointwise.js';
import { globalAvgPool, l2Normalize } from '../src/runtime/cpu/pool.js';
import { preprocess } from '../src/runtime/cpu/preprocess.js';
import { referenceRun } from '../src/runtime/cpu/reference-run.js';
import { WasmKernels, supportedVariants } from '../src/runtime/cpu/wasm-kernels.js';
import { runReference } from '../src/runtime/reference.js';
import { BATCH, LAYERS, layerData } from './support/layers.js';
import { cosine, randomFloats, randomImage, relativeError, seededRandom } from './support/random.js';
import { IR_ARCHITECTURE, TINY_ARCHITECTURE, TINY_IR_ARCHITECTURE } from './support/tiny-arch.js';

const random = seededRandom(21);
const variants = supportedVariants();
type Kernels = NonNullable<CpuOptions['kernels']>;
/** Every kernel set this engine runs: each wasm variant it validates, and the JavaScript ops. */
const KERNEL_SETS: Kernels[] = [...variants, 'js'];

/** Runs a few layers alone through the CPU backend's plan (one thread); returns the output and the kernels that ran. */
async function runLayers(
  kernels: Kernels,
  layers: Layer[],
  sizes: number[],
  params: Map<string, Float32Array>,
  batch: number,
  input: Float32Array,
) {
  const network: Network = {
    architecture: DEFAULT_ARCHITECTURE,
    layers,
    tensorSizes: sizes,
    output: layers.at(-1)!.output,
    macsPerFace: 0,
  };
  const backend = await CpuBackend.create({ network, input: DEFAULT_INPUT, tensors: params }, { kernels, threads: 1 });
  const out = await backend.embedTensor(input, batch);
  backend.dispose();
  return { out, kernels: backend.steps.map((s) => s.kernel) };
}

describe('the kernels module variant', () => {
  it('SIMD128 validates on every engine we run; relaxed SIMD is chosen where it validates', () => {
    expect(variants.at(-1)).toBe('simd128');
    expect(WasmKernels.create()!.variant).toBe(variants[0]);
  });
});

const ACTS: Array<[string, ActCode]> = [
  ['none', ACT.none],
  ['ReLU', ACT.relu],
  ['PReLU', ACT.prelu],
];

for (const kernels of KERNEL_SETS) {
  const wasm = kernels !== 'js';
  /** The kernel name expected to run a layer: the wasm one for this variant, or the JavaScript op. */
  const expectKernel = (kernel: string, wasmName: string, jsName: string) =>
    expect(kernel).toBe(wasm ? `wasm ${wasmName}` : `js ${jsName}`);

  describe(`CPU kernels (${kernels}) match the reference ops`, () => {
    for (const [name, act] of ACTS) {
      it(`dense 3×3 stem, 3→8 channels, 16×16, ${name}`, async () => {
        const [batch, C, O, S] = [2, 3, 8, 16];
        const params = new Map([
          ['w', randomFloats(random, O * C * 9)],
          ['b', randomFloats(random, O)],
          ['a', randomFloats(random, O)],
        ]);
        const x = randomFloats(random, batch * C * S * S);
        const layer: ConvLayer = {
          kind: 'conv',
          input: 0,
          output: 1,
          inChannels: C,
          outChannels: O,
          inSize: S,
          outSize: S,
          kernel: 3,
          stride: 1,
          pad: 1,
          groups: 1,
          weight: 'w',
          bias: 'b',
          act,
          alpha: 'a',
        };
        const expected = new Float32Array(batch * O * S * S);
        conv2d({ ...layer, batch }, x, params.get('w')!, params.get('b')!, params.get('a'), expected);
        const {
          out,
          kernels: [kernel],
        } = await runLayers(kernels, [layer], [C * S * S, O * S * S], params, batch, x);
        expectKernel(kernel, 'stem3x3', 'conv');
        expect(relativeError(out, expected)).toBeLessThan(1e-5);
      });
    }

    for (const [stride, outSize] of [
      [1, 4],
      [1, 8],
      [1, 16],
      [2, 4],
      [2, 8],
    ] as const) {
      for (const [name, act] of ACTS.slice(1)) {
        it(`depthwise 3×3, stride ${stride}, ${outSize * stride}→${outSize}, 5 channels, ${name}`, async () => {
          const [batch, C, inSize] = [3, 5, outSize * stride];
          const params = new Map([
            ['w', randomFloats(random, C * 9)],
            ['b', randomFloats(random, C)],
            ['a', randomFloats(random, C)],
          ]);
          const x = randomFloats(random, batch * C * inSize * inSize);
          const layer: ConvLayer = {
            kind: 'conv',
            input: 0,
            output: 1,
            inChannels: C,
            outChannels: C,
            inSize,
            outSize,
            kernel: 3,
            stride,
            pad: 1,
            groups: C,
            weight: 'w',
            bias: 'b',
            act,
            alpha: 'a',
          };
          const expected = new Float32Array(batch * C * outSize * outSize);
          conv2d({ ...layer, batch }, x, params.get('w')!, params.get('b')!, params.get('a'), expected);
          const {
            out,
            kernels: [kernel],
          } = await runLayers(kernels, [layer], [C * inSize * inSize, C * outSize * outSize], params, batch, x);
          expectKernel(kernel, `depthwise3x3_s${stride}`, 'conv');
          expect(relativeError(out, expected)).toBeLessThan(1e-5);
        });
      }
    }

    it('global depthwise pooling (gdc), 8 channels of 4×4', async () => {
      const [batch, C, S] = [4, 8, 4];
      const params = new Map([
        ['w', randomFloats(random, C * S * S)],
        ['b', randomFloats(random, C)],
      ]);
      const x = randomFloats(random, batch * C * S * S);
      const layer: ConvLayer = {
        kind: 'conv',
        input: 0,
        output: 1,
        inChannels: C,
        outChannels: C,
        inSize: S,
        outSize: 1,
        kernel: S,
        stride: 1,
        pad: 0,
        groups: C,
        weight: 'w',
        bias: 'b',
        act: ACT.none,
      };
      const expected = new Float32Array(batch * C);
      conv2d({ ...layer, batch }, x, params.get('w')!, params.get('b')!, undefined, expected);
      const {
        out,
        kernels: [kernel],
      } = await runLayers(kernels, [layer], [C * S * S, C], params, batch, x);
      expectKernel(kernel, 'gdc', 'conv');
      expect(relativeError(out, expected)).toBeLessThan(1e-5);
    });

    for (const [name, act, withResidual] of [
      ['none', ACT.none, false],
      ["none + residual (an ir block's linear projection)", ACT.none, true],
      ['ReLU + residual', ACT.relu, true],
      ['PReLU + residual', ACT.prelu, true],
    ] as const) {
      it(`pointwise 24→${withResidual ? 24 : 12} channels, 16 pixels, ${name}`, async () => {
        // The residual is the layer's own input here (C = O): to the kernel it is just another tensor.
        const [batch, C, O, P] = [3, 24, withResidual ? 24 : 12, 16];
        const params = new Map([
          ['w', randomFloats(random, O * C)],
          ['b', randomFloats(random, O)],
          ['a', randomFloats(random, O)],
        ]);
        const x = randomFloats(random, batch * C * P);
        const expected = new Float32Array(batch * O * P);
        pointwise(
          { batch, inChannels: C, outChannels: O, pixels: P, act },
          x,
          params.get('w')!,
          params.get('b')!,
          params.get('a'),
          withResidual ? x : undefined,
          expected,
        );
        const layer: Layer = {
          kind: 'pointwise',
          input: 0,
          output: 1,
          inChannels: C,
          outChannels: O,
          pixels: P,
          weight: 'w',
          bias: 'b',
          act,
          alpha: 'a',
          residual: withResidual ? 0 : undefined,
        };
        const run = await runLayers(kernels, [layer], [C * P, O * P], params, batch, x);
        expectKernel(run.kernels[0], 'pointwise', 'pointwise');
        expect(relativeError(run.out, expected)).toBeLessThan(1e-5);
      });
    }

    it('fully connected 10→32, average pooling and L2 norm', async () => {
      const [batch, C, O] = [5, 10, 32];
      const params = new Map([
        ['w', randomFloats(random, O * C)],
        ['b', randomFloats(random, O)],
      ]);
      const x = randomFloats(random, batch * C * 4);
      const layers: Layer[] = [
        { kind: 'avgpool', input: 0, output: 1, channels: C, pixels: 4 },
        {
          kind: 'pointwise',
          input: 1,
          output: 2,
          inChannels: C,
          outChannels: O,
          pixels: 1,
          weight: 'w',
          bias: 'b',
          act: ACT.none,
        },
        { kind: 'l2norm', input: 2, output: 3, dim: O },
      ];
      const run = await runLayers(kernels, layers, [C * 4, C, O, O], params, batch, x);
      expect(run.kernels).toEqual(
        wasm ? ['wasm avgpool', 'wasm fc', 'wasm l2norm'] : ['js avgpool', 'js pointwise', 'js l2norm'],
      );
      const [pooled, fc, expected] = [
        new Float32Array(batch * C),
        new Float32Array(batch * O),
        new Float32Array(batch * O),
      ];
      globalAvgPool(batch, C, 4, x, pooled);
      pointwise(
        { batch, inChannels: C, outChannels: O, pixels: 1, act: ACT.none },
        pooled,
        params.get('w')!,
        params.get('b')!,
        undefined,
        undefined,
        fc,
      );
      l2Normalize(batch, O, fc, expected);
      expect(relativeError(run.out, expected)).toBeLessThan(1e-5);
    });
  });
}

describe('CPU preprocessing matches the reference (runtime/cpu/preprocess.ts)', () => {
  for (const kernels of KERNEL_SETS) {
    for (const resize of ['area', 'bilinear'] as const) {
      it(`${kernels}, ${resize}: images of many sizes, boxes inside, across and far beyond the image`, async () => {
        const size = 12;
        const spec = {
          mean: [0.5, 0.4, 0.3] as [number, number, number],
          std: [0.5, 0.25, 0.2] as [number, number, number],
          resize,
        };
        // A network of no layers: its output is the preprocessed input itself.
        const network: Network = {
          architecture: { ...DEFAULT_ARCHITECTURE, inputSize: size },
          layers: [],
          tensorSizes: [3 * size * size],
          output: 0,
          macsPerFace: 0,
        };
        const backend = await CpuBackend.create({ network, input: spec, tensors: new Map() }, { kernels, threads: 2 });
        const boxes = [
          undefined,
          { x: 3, y: 2, width: 9, height: 7 },
          { x: -20, y: -5, width: 40, height: 30 },
          { x: -1e6, y: -1e6, width: 2e6 + 7, height: 2e6 + 3 },
          { x: 5.5, y: 1.25, width: 3.3, height: 2.2 },
        ];
        const images = Array.from({ length: 20 }, (_, i) => ({
          ...randomImage(random, 1 + Math.floor(random() * 50), 1 + Math.floor(random() * 40)),
          box: boxes[i % boxes.length],
        }));
        // Faces that share tap tables (same geometry), one axis only (same width, other height; same height,
        // other width, so other row lengths), or none, interleaved: each must still read its own pixels.
        for (const [w, h] of [
          [30, 20],
          [30, 20],
          [30, 25],
          [31, 20],
          [30, 20],
          [31, 25],
        ])
          images.push({ ...randomImage(random, w, h), box: boxes[1] });
        const expected = new Float32Array(images.length * 3 * size * size);
        preprocess(images, size, spec, expected);
        expect(relativeError(await backend.embedImages(images), expected)).toBeLessThan(1e-5);
        backend.dispose();
      });
    }
  }
});

describe('CPU kernels on random layers (fast-check)', () => {
  // A residual here is the layer's own input (the harness feeds tensor 0 only), so residual layers keep C = O.
  // Plus convolutions of the shapes the wasm kernels take (3×3, pad 1, sizes multiples of 4 or 8), which the
  // shared generators reach only now and then.
  const wasmShaped = fc
    .record({
      channels: fc.integer({ min: 1, max: 12 }),
      quarter: fc.integer({ min: 1, max: 4 }),
      stride: fc.constantFrom(1, 2),
      dense: fc.boolean(),
      act: fc.constantFrom<ActCode>(ACT.none, ACT.relu, ACT.prelu),
    })
    .map(({ channels, quarter, stride, dense, act }): Layer => {
      const outSize = dense ? 8 * Math.ceil(quarter / 2) : 4 * quarter;
      const [C, O, s] = dense ? [3, 4 * channels, 1] : [channels, channels, stride];
      return {
        kind: 'conv',
        input: 0,
        output: 1,
        inChannels: C,
        outChannels: O,
        inSize: outSize * s,
        outSize,
        kernel: 3,
        stride: s,
        pad: 1,
        groups: dense ? 1 : C,
        weight: 'w',
        bias: 'b',
        act,
        alpha: act === ACT.prelu ? 'a' : undefined,
      };
    });
  const layers = fc
    .oneof(...Object.values(LAYERS), wasmShaped)
    .map(
      (l): Layer =>
        l.kind === 'pointwise' && l.residual !== undefined
          ? { ...l, residual: l.inChannels === l.outChannels ? 0 : undefined }
          : l,
    );
  for (const kernels of KERNEL_SETS) {
    it(`${kernels}: every generated layer matches its reference op`, async () => {
      const seen = new Set<string>();
      await fc.assert(
        fc.asyncProperty(layers, BATCH, fc.integer({ min: 1, max: 1e6 }), async (layer, batch, seed) => {
          const { params, input, outFloats } = layerData(layer, batch, seed);
          const expected = new Float32Array(outFloats);
          const residual = layer.kind === 'pointwise' && layer.residual === 0 ? input : undefined;
          runReference(layer, batch, { input, residual, output: expected, param: (name) => params.get(name)! });
          const run = await runLayers(
            kernels,
            [layer],
            [input.length / batch, outFloats / batch],
            params,
            batch,
            input,
          );
          seen.add(run.kernels[0]);
          expect(relativeError(run.out, expected)).toBeLessThan(1e-4);
        }),
        { numRuns: 100, seed: 10 },
      );
      // The generators reach the fast kernels too, not only the fallbacks.
      const fast =
        kernels === 'js'
          ? ['js conv', 'js pointwise']
          : [
              'wasm pointwise',
              'wasm fc',
              'wasm gdc',
              'wasm stem3x3',
              'wasm depthwise3x3_s1',
              'wasm depthwise3x3_s2',
              'js conv',
            ];
      for (const k of fast) expect(seen).toContain(k);
    });
  }
});

describe('the CPU backend on whole networks', () => {
  for (const [name, architecture, allWasm] of [
    ['default', DEFAULT_ARCHITECTURE, true],
    ['variant', TINY_ARCHITECTURE, false],
    ['inverted residual + head', IR_ARCHITECTURE, true],
    ['inverted residual down to 1×1 maps + head', TINY_IR_ARCHITECTURE, false],
  ] as const) {
    for (const kernels of KERNEL_SETS) {
      it(`${kernels} kernels embed like the reference ops (${name} architecture)`, async () => {
        const weights = readWeights(writeWeights(randomWeights(9, architecture)));
        const network = buildNetwork(weights);
        const batch = 5;
        const input = randomFloats(random, batch * network.tensorSizes[0]);
        const expected = referenceRun(network, weights.tensors, input, batch);
        const backend = await CpuBackend.create(
          { network, input: weights.input, tensors: weights.tensors },
          { kernels, threads: 1 },
        );
        if (kernels !== 'js' && allWasm) expect(backend.steps.every((s) => s.engine === 'wasm')).toBe(true);
        const actual = await backend.embedTensor(input, batch);
        backend.dispose();
        for (let i = 0; i < batch; i++) {
          const d = network.tensorSizes[network.output];
          expect(cosine(actual.subarray(i * d, (i + 1) * d), expected.subarray(i * d, (i + 1) * d))).toBeGreaterThan(
            0.99999,
          );
        }
      });
    }
  }

  for (const kernels of KERNEL_SETS) {
    it(`${kernels} kernels embed RGBA images like the reference preprocessing and ops (default architecture; the stem reads the preprocessed planes directly)`, async () => {
      const weights = readWeights(writeWeights(randomWeights(5)));
      const network = buildNetwork(weights);
      const backend = await CpuBackend.create(
        { network, input: weights.input, tensors: weights.tensors },
        { kernels, threads: 1 },
      );
      const images = Array.from({ length: 6 }, (_, i) => ({
        ...randomImage(random, 20 + 7 * i, 24),
        box: i % 2 ? { x: -3, y: 2, width: 30, height: 19 } : undefined,
      }));
      const input = new Float32Array(images.length * network.tensorSizes[0]);
      preprocess(images, network.architecture.inputSize, weights.input, input);
      const expected = referenceRun(network, weights.tensors, input, images.length);
      const actual = await backend.embedImages(images);
      const d = network.tensorSizes[network.output];
      for (let i = 0; i < images.length; i++)
        expect(cosine(actual.subarray(i * d, (i + 1) * d), expected.subarray(i * d, (i + 1) * d))).toBeGreaterThan(
          0.99999,
        );
      backend.dispose();
    });
  }

  it('every thread count gives the same embeddings, bit for bit, in order (batches 1 to 70, across chunks)', async () => {
    const weights = writeWeights(randomWeights(12));
    const one = await createRecognizer({ backend: 'cpu', weights, cpu: { threads: 1 } });
    const faces = Array.from({ length: 70 }, () => randomImage(random, 16 + Math.floor(random() * 30), 24));
    const expected = await one.embed(faces);
    expect(one.info.adapter).toMatch(/\(single thread\)$/);
    for (const threads of [2, 3]) {
      const rec = await createRecognizer({ backend: 'cpu', weights, cpu: { threads } });
      expect(rec.info.adapter).toMatch(new RegExp(`\\(${threads} threads\\)$`));
      for (const count of [1, 2, 3, 70]) {
        const got = await rec.embed(faces.slice(0, count));
        got.forEach((e, i) => expect(e).toEqual(expected[i]));
      }
      rec.dispose();
    }
    one.dispose();
  });

  it('a disposed multi-threaded backend rejects with a coded error instead of hanging', async () => {
    const rec = await createRecognizer({
      backend: 'cpu',
      weights: writeWeights(randomWeights(3)),
      cpu: { threads: 2 },
    });
    const pending = rec.embed(Array.from({ length: 8 }, () => randomImage(random, 20, 20)));
    await pending;
    rec.dispose();
    await expect(rec.embed([randomImage(random, 20, 20)])).rejects.toThrow(/disposed/);
  });
});
