/**
 * Detector graphs on the CPU backend's kernels (WebAssembly SIMD pointwise, tuned JavaScript convs on rectangular
 * maps) against the CPU reference executor: the pyramid model (every op) at square, wide and tall inputs, with
 * and without WebAssembly, plans laid out again when a later plan adds resident weights, and YuNet-s when its
 * weights are in ../shared/models/yunet.
 */
import { existsSync, readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { CpuGraphRunner } from '../../src/detect/graph-cpu.js';
import { type GraphPlan, planGraph } from '../../src/detect/graph-plan.js';
import { runReference } from '../../src/detect/graph-reference.js';
import { type DetectorGraph, parseOnnxGraph } from '../../src/detect/onnx-graph.js';
import { randomFloats, relativeError, seededRandom } from '../support/random.js';
import { pyramidModel } from './onnx-builder.js';

const TOLERANCE = 1e-4;
const YUNET = new URL('../../../shared/models/yunet/yunet_s_dynamic.onnx', import.meta.url);

/** Plans by graph and size: a runner keeps what it laid out per plan object, as a session's cached plans reuse it. */
const plans = new Map<string, GraphPlan>();

async function expectParity(runner: CpuGraphRunner, graph: DetectorGraph, height: number, width: number) {
  const key = `${graph.outputs[0]} ${height}×${width}`;
  const plan = plans.get(key) ?? planGraph(graph, height, width);
  plans.set(key, plan);
  const input = randomFloats(seededRandom(height * 31 + width), 3 * height * width, 4);
  const expected = runReference(plan, input);
  const actual = await runner.run(plan, input);
  for (const name of graph.outputs)
    expect(relativeError(actual.get(name)!.data, expected.get(name)!.data), name).toBeLessThan(TOLERANCE);
}

describe('detector graphs on the CPU kernels', () => {
  for (const wasm of [true, false]) {
    it(`match the reference on every output (${wasm ? 'WebAssembly + JavaScript' : 'JavaScript only'})`, async () => {
      const graph = await parseOnnxGraph(pyramidModel());
      const runner = new CpuGraphRunner({ wasm });
      expect(runner.description).toMatch(wasm ? /WebAssembly/ : /JavaScript/);
      // 40×24 first: its fine map has 60 pixels, so the 1×1 conv there runs in JavaScript; 64×96 (384 pixels) then
      // makes its weights resident in wasm memory, moving the arena the 40×24 plan was laid out in. Were that plan
      // not laid out again, its next run would overwrite those weights and the last 64×96 run would be wrong.
      for (const [h, w] of [
        [40, 24],
        [64, 96],
        [40, 24],
        [64, 96],
        [32, 32],
        [96, 40],
      ])
        await expectParity(runner, graph, h, w);
      runner.dispose();
    });
  }

  it.skipIf(!existsSync(YUNET))(
    'runs YuNet-s within 1e-4 of the reference (skipped without ../shared/models/yunet)',
    async () => {
      const graph = await parseOnnxGraph(readFileSync(YUNET));
      const runner = new CpuGraphRunner();
      await expectParity(runner, graph, 192, 320);
      await expectParity(runner, graph, 160, 96);
    },
  );
});
