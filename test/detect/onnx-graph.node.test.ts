/**
 * The ONNX loader and the CPU reference executor on a small model with YuNet's structure (onnx-builder.ts):
 * every op it has is read into the typed graph, the reference run matches ONNX Runtime at several input sizes,
 * and every edit the runtime would compute wrongly (an unknown op or attribute, another mode, another opset) is
 * refused with `DetectorError('unsupported-op')` naming the node.
 */
import { createRequire } from 'node:module';
import onnxProto from 'onnx-proto';
import * as ort from 'onnxruntime-node';
import { describe, expect, it } from 'vitest';
import { BLAZEFACE_PACKAGE_FILE, createDetector } from '../../src/detect/detector.js';
import { planGraph } from '../../src/detect/graph-plan.js';
import { runReference } from '../../src/detect/graph-reference.js';
import { type DetectorGraph, parseOnnxGraph } from '../../src/detect/onnx-graph.js';
import { DetectorError, InputError } from '../../src/errors.js';
import { randomFloats, relativeError, seededRandom } from '../support/random.js';
import { type Edited, int, ints, pyramidModel, str } from './onnx-builder.js';

async function onnxRuntime(bytes: Uint8Array, input: Float32Array, height: number, width: number) {
  const session = await ort.InferenceSession.create(bytes);
  const out = await session.run({ input: new ort.Tensor('float32', input, [1, 3, height, width]) });
  await session.release();
  return out;
}

async function expectRefused(bytes: Uint8Array, pattern: RegExp): Promise<void> {
  const error = await parseOnnxGraph(bytes).catch((e: unknown) => e);
  expect(error).toBeInstanceOf(DetectorError);
  expect((error as DetectorError).code).toBe('unsupported-op');
  expect((error as Error).message).toMatch(pattern);
}

describe('parseOnnxGraph', () => {
  it('reads the pyramid into typed ops, each ReLU fused into the conv before it', async () => {
    const graph = await parseOnnxGraph(pyramidModel());
    expect(graph.input).toEqual({ name: 'input', channels: 3 });
    expect(graph.outputs).toEqual(['out0', 'out1']);
    const convs = graph.ops.filter((o) => o.op === 'conv');
    expect(convs.map((c) => [c.output, c.act, c.groups, c.kernel, c.stride, c.pad])).toEqual([
      ['s1', 'relu', 1, 3, 2, 1],
      ['d1', 'relu', 16, 3, 1, 1],
      ['fine', 'none', 1, 1, 1, 0],
      ['coarse', 'relu', 1, 3, 2, 1],
      ['head0.y', 'none', 1, 1, 1, 0],
      ['head1.y', 'none', 1, 1, 1, 0],
    ]);
    expect(graph.ops.find((o) => o.op === 'resize')).toMatchObject({ scaleH: 2, scaleW: 2 });
    expect(graph.ops.find((o) => o.op === 'maxpool')).toMatchObject({ kernel: 2, stride: 2, pad: 0, ceil: false });
    expect(graph.ops.some((o) => (o.op as string) === 'relu')).toBe(false);
  });

  it('rejects bytes that are not an ONNX model', async () => {
    const error = await parseOnnxGraph(new Uint8Array([0xff, 0xff, 0xff, 0x07, 1, 2, 3])).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(DetectorError);
    expect((error as DetectorError).code).toBe('bad-model');
  });

  const convNode = (nodes: Edited, name: string) => nodes.find((n) => n.name === name)!;

  it.each([
    ['an op it does not have', (n) => (convNode(n, 'stem.relu').opType = 'Elu'), /Elu node "stem.relu".*no such op/],
    [
      'a dilated conv',
      (n) => (convNode(n, 'dw').attribute![3] = ints('dilations', [2, 2])),
      /Conv node "dw".*dilations/,
    ],
    [
      'an attribute it does not know',
      (n) => convNode(n, 'pw').attribute!.push(int('padding_mode', 1)),
      /"pw".*padding_mode/,
    ],
    ['unequal padding', (n) => (convNode(n, 'stem').attribute![2] = ints('pads', [1, 1, 0, 0])), /"stem".*pads/],
    ['a linear resize', (n) => (convNode(n, 'up').attribute![1] = str('mode', 'linear')), /Resize node "up".*linear/],
    ['a max pool with indices', (n) => convNode(n, 'pool').output!.push('indices'), /MaxPool node "pool".*Indices/],
    [
      'a ReLU after a pool',
      (n) => {
        convNode(n, 'pool').output = ['p0'];
        n.splice(3, 0, { name: 'pool.relu', opType: 'Relu', input: ['p0'], output: ['p1'] });
      },
      /Relu.*does not follow a conv/,
    ],
    [
      'a float constant as an operand',
      (n) => (convNode(n, 'sum').input = ['fine', 'scales']),
      /Add node "sum".*scales/,
    ],
  ] as Array<[string, (nodes: Edited) => void, RegExp]>)('refuses %s, naming the node', async (_, edit, pattern) => {
    await expectRefused(pyramidModel(edit), pattern);
  });

  it('rejects a weight whose data does not fill its dims (a truncated file would otherwise read garbage)', async () => {
    const { onnx } = onnxProto;
    const model = onnx.ModelProto.decode(pyramidModel());
    const weight = model.graph!.initializer!.find((t) => t.name === 'dw.w')!;
    weight.floatData = weight.floatData!.slice(1);
    const error = await parseOnnxGraph(onnx.ModelProto.encode(model).finish()).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(DetectorError);
    expect((error as DetectorError).code).toBe('bad-model');
    expect((error as Error).message).toMatch(/dw\.w holds 143 values for dims \[16,1,3,3\]/);
  });

  it('rejects raw float data that is not a whole number of float32 values (a typed error, not a RangeError)', async () => {
    const { onnx } = onnxProto;
    const model = onnx.ModelProto.decode(pyramidModel());
    const weight = model.graph!.initializer!.find((t) => t.name === 'dw.w')!;
    weight.rawData = new Uint8Array(4 * 144 - 1);
    weight.floatData = [];
    const error = await parseOnnxGraph(onnx.ModelProto.encode(model).finish()).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(DetectorError);
    expect((error as DetectorError).code).toBe('bad-model');
    expect((error as Error).message).toMatch(/dw\.w has 575 bytes of float32 data/);
  });

  it('refuses another opset, whose Resize and Unsqueeze read their inputs differently', async () => {
    await expectRefused(pyramidModel(undefined, 13), /opset 13/);
  });
});

describe('the reference executor against ONNX Runtime', () => {
  let graph: DetectorGraph;

  it.each([
    [32, 32],
    [64, 96],
    [40, 24], // not a multiple of 32: odd sides (5×3) on the coarse map
  ])('gives every output of a %i×%i input within 1e-4 of ONNX Runtime', async (height, width) => {
    graph ??= await parseOnnxGraph(pyramidModel());
    const input = randomFloats(seededRandom(height * width), 3 * height * width, 3);
    const plan = planGraph(graph, height, width);
    const ours = runReference(plan, input);
    const theirs = await onnxRuntime(pyramidModel(), input, height, width);
    for (const name of graph.outputs) {
      const expected = theirs[name];
      expect(ours.get(name)!.dims).toEqual([...expected.dims]);
      // Random weights in [−1, 1] make pre-activations of ~10²: float32 rounding in ONNX Runtime reaches ~1e-5.
      expect(relativeError(ours.get(name)!.data, expected.data as Float32Array), name).toBeLessThan(1e-4);
    }
  });

  it('would see a layer computed wrongly: a ReLU dropped from one conv moves the outputs far past the tolerance', async () => {
    const good = await parseOnnxGraph(pyramidModel());
    const broken: DetectorGraph = {
      ...good,
      ops: good.ops.map((o) => (o.op === 'conv' && o.output === 'd1' ? { ...o, act: 'none' } : o)),
    };
    const input = randomFloats(seededRandom(1), 3 * 64 * 64, 3);
    const a = runReference(planGraph(good, 64, 64), input).get('out0')!.data;
    const b = runReference(planGraph(broken, 64, 64), input).get('out0')!.data;
    expect(relativeError(b, a)).toBeGreaterThan(1e-3);
  });

  it('plans the shapes ONNX Runtime gives, the reshape target evaluated from the runtime shape', async () => {
    graph ??= await parseOnnxGraph(pyramidModel());
    const plan = planGraph(graph, 64, 96);
    // Stem /2, pool /2 → 16×24 fine map, /2 again → 8×12 coarse: H·W cells of 3 channels each.
    expect(plan.outputs.map((o) => o.dims)).toEqual([
      [1, 16 * 24, 3],
      [1, 8 * 12, 3],
    ]);
    // Shape arithmetic and reshapes are resolved while planning: only ops with kernels remain.
    expect(new Set(plan.steps.map((s) => (s.kind === 'map' ? s.op.kind : s.kind)))).toEqual(
      new Set(['conv', 'maxpool', 'resize', 'add', 'transpose', 'sigmoid']),
    );
  });
});

describe("createDetector on bridgeface's runtime", () => {
  const blazeface = (() => {
    try {
      return createRequire(import.meta.url).resolve(BLAZEFACE_PACKAGE_FILE);
    } catch {
      return undefined;
    }
  })();

  it.skipIf(!blazeface)(
    "refuses BlazeFace's export, naming its first op the runtime lacks (asymmetric padding)",
    async () => {
      const error = await createDetector({ model: 'blazeface', backend: 'cpu' }).catch((e: unknown) => e);
      expect(error).toBeInstanceOf(DetectorError);
      expect((error as DetectorError).code).toBe('unsupported-op');
      expect((error as Error).message).toMatch(/Conv node .*pads \[1, 1, 2, 2\]/);
    },
  );

  it('refuses an unknown backend before loading anything', async () => {
    const error = await createDetector({ model: 'yunet', weights: pyramidModel(), backend: 'tpu' as 'cpu' }).catch(
      (e: unknown) => e,
    );
    expect(error).toBeInstanceOf(InputError);
    expect((error as InputError).code).toBe('bad-option');
  });

  it("takes a model with YuNet's outputs only: the pyramid model is refused as not a YuNet model", async () => {
    const error = await createDetector({ model: 'yunet', weights: pyramidModel(), backend: 'cpu' }).catch(
      (e: unknown) => e,
    );
    expect(error).toBeInstanceOf(DetectorError);
    expect((error as DetectorError).code).toBe('bad-model');
  });
});
