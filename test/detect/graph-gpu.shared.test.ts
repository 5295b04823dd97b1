/**
 * Detector graphs on WebGPU against the CPU reference executor, on every adapter the project runs (Dawn on
 * SwiftShader and on llvmpipe, Chromium's SwiftShader and llvmpipe): the pyramid model (onnx-builder.ts) has
 * every op the runtime runs, so each feature-map kernel (maxpool, resize_nearest, add, transpose, sigmoid) and
 * the conv kernels on rectangular maps are checked, at square, wide and tall inputs, sides not a multiple of 32.
 * YuNet itself on WebGPU is checked in yunet-graph.node.test.ts (it reads the weights from disk).
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { GpuGraphRunner } from '../../src/detect/graph-gpu.js';
import { planGraph } from '../../src/detect/graph-plan.js';
import { runReference } from '../../src/detect/graph-reference.js';
import { type DetectorGraph, parseOnnxGraph } from '../../src/detect/onnx-graph.js';
import { featureLevel } from '../support/gpu-harness.js';
import { randomFloats, relativeError, seededRandom } from '../support/random.js';
import { pyramidModel } from './onnx-builder.js';

const TOLERANCE = 1e-4;
let runner: GpuGraphRunner;
let graph: DetectorGraph;

beforeAll(async () => {
  runner = await GpuGraphRunner.create({ featureLevel: featureLevel() });
  graph = await parseOnnxGraph(pyramidModel());
  console.log(`detector graph parity on ${runner.description}`);
});
afterAll(() => runner?.dispose());

describe('detector graphs on WebGPU', () => {
  it.each([
    [32, 32],
    [64, 96],
    [96, 40],
    [40, 24],
  ])('match the CPU reference on every output of a %i×%i input', async (height, width) => {
    const plan = planGraph(graph, height, width);
    const input = randomFloats(seededRandom(height + 7 * width), 3 * height * width, 4);
    const expected = runReference(plan, input);
    const actual = await runner.run(plan, input);
    for (const name of graph.outputs) {
      expect(actual.get(name)!.dims).toEqual(expected.get(name)!.dims);
      expect(relativeError(actual.get(name)!.data, expected.get(name)!.data), name).toBeLessThan(TOLERANCE);
    }
  });

  it('runs a recorded plan again with new pixels, and a released plan is recorded anew', async () => {
    const plan = planGraph(graph, 64, 64);
    for (const seed of [1, 2]) {
      const input = randomFloats(seededRandom(seed), 3 * 64 * 64, 4);
      const actual = await runner.run(plan, input);
      expect(relativeError(actual.get('out0')!.data, runReference(plan, input).get('out0')!.data)).toBeLessThan(
        TOLERANCE,
      );
    }
    runner.release(plan);
    const input = randomFloats(seededRandom(3), 3 * 64 * 64, 4);
    const again = await runner.run(plan, input);
    expect(relativeError(again.get('out1')!.data, runReference(plan, input).get('out1')!.data)).toBeLessThan(TOLERANCE);
  });

  it('would see a kernel computing wrongly: outputs of a plan with one ReLU dropped differ far past the tolerance', async () => {
    const broken: DetectorGraph = {
      ...graph,
      ops: graph.ops.map((o) => (o.op === 'conv' && o.output === 'coarse' ? { ...o, act: 'none' } : o)),
    };
    const input = randomFloats(seededRandom(9), 3 * 64 * 64, 4);
    const actual = await runner.run(planGraph(broken, 64, 64), input);
    const expected = runReference(planGraph(graph, 64, 64), input);
    expect(relativeError(actual.get('out1')!.data, expected.get('out1')!.data)).toBeGreaterThan(100 * TOLERANCE);
  });
});
