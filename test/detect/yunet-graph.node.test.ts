/**
 * YuNet (s and n) on bridgeface's CPU reference executor against ONNX Runtime, on the same network inputs the
 * detector feeds it: LFW faces pasted into a frame, resampled by the frame plan to sides rounded up to 32. Every
 * output tensor agrees within 1e-5 and the decoded faces (families.ts) are the same. The weights come from
 * ../shared/models/yunet (skipped with a message when absent: see README, "Face detection").
 */
import { existsSync, readFileSync } from 'node:fs';
import * as ort from 'onnxruntime-node';
import { describe, expect, it } from 'vitest';
import { YUNET } from '../../src/detect/families.js';
import { planGraph } from '../../src/detect/graph-plan.js';
import { REFERENCE_RUNNER, runReference } from '../../src/detect/graph-reference.js';
import { GRAPH_TENSORS, GraphSession } from '../../src/detect/graph-session.js';
import type { Detection } from '../../src/detect/nms.js';
import { parseOnnxGraph } from '../../src/detect/onnx-graph.js';
import { planPasses } from '../../src/detect/plan.js';
import { type PlanarRgb, resampleRegion } from '../../src/detect/resample.js';
import { relativeError } from '../support/random.js';
import { background, paste, sample } from './synthetic.js';

const models = ['yunet_s_dynamic', 'yunet_n_dynamic'].map(
  (name) => [name, new URL(`../../../shared/models/yunet/${name}.onnx`, import.meta.url)] as const,
);
const available = models.every(([, file]) => existsSync(file));
if (!available)
  console.warn(
    'YuNet graph tests skipped: put yunet_s_dynamic.onnx and yunet_n_dynamic.onnx in ../shared/models/yunet/',
  );

/** Three faces (20–44 px) in a 300×190 frame, fed at the detector's scales for minFace 24 and 32. */
async function inputs(): Promise<PlanarRgb[]> {
  const frame = background(300, 190, 3);
  for (const [i, [name, size]] of (
    [
      ['Laura_Bush', 20],
      ['Colin_Powell', 30],
      ['Hugo_Chavez', 44],
    ] as const
  ).entries())
    paste(frame, await sample(name, 1), size, 30 + i * 90, 50 + (i % 2) * 40, name);
  return [24, 32].map((minFace) => {
    const [pass] = planPasses(YUNET, frame.width, frame.height, { minFace });
    const [tile] = pass.tiles;
    return resampleRegion(frame, tile.region, pass.scale, tile.inputWidth, tile.inputHeight);
  });
}

const bgr = ({ data, width, height }: PlanarRgb) => {
  const plane = width * height;
  const out = new Float32Array(3 * plane);
  for (let c = 0; c < 3; c++) out.set(data.subarray((2 - c) * plane, (3 - c) * plane), c * plane);
  return out;
};

function expectSameFaces(ours: Detection[], theirs: Detection[]): void {
  expect(ours.length).toBe(theirs.length);
  const near = (a: number, b: number, tolerance: number) => expect(Math.abs(a - b)).toBeLessThan(tolerance);
  ours.forEach((d, i) => {
    const e = theirs[i];
    near(d.score, e.score, 1e-5);
    for (const k of ['x', 'y', 'width', 'height'] as const) near(d.box[k], e.box[k], 1e-3);
    d.landmarks.forEach(([x, y], j) => {
      near(x, e.landmarks[j][0], 1e-3);
      near(y, e.landmarks[j][1], 1e-3);
    });
  });
}

describe.skipIf(!available)('YuNet on the CPU reference executor', () => {
  for (const [name, file] of models) {
    it(`${name}: every output within 1e-5 of ONNX Runtime and the same faces, at two input sizes`, async () => {
      const bytes = readFileSync(file);
      const graph = await parseOnnxGraph(bytes);
      const theirs = await ort.InferenceSession.create(bytes);
      const ours = new GraphSession(graph, REFERENCE_RUNNER);
      const fed = await inputs();
      expect(fed.map((p) => [p.width, p.height])).toEqual([
        [320, 192],
        [256, 160],
      ]);
      for (const pixels of fed) {
        const input = bgr(pixels);
        const expected = await theirs.run({
          input: new ort.Tensor('float32', input, [1, 3, pixels.height, pixels.width]),
        });
        const actual = runReference(planGraph(graph, pixels.height, pixels.width), input);
        for (const output of graph.outputs) {
          expect(actual.get(output)!.dims).toEqual([...expected[output].dims]);
          expect(relativeError(actual.get(output)!.data, expected[output].data as Float32Array), output).toBeLessThan(
            1e-5,
          );
        }
        const faces = await YUNET.run(GRAPH_TENSORS, ours, pixels, 0.5);
        expect(faces.length).toBeGreaterThanOrEqual(3);
        expectSameFaces(faces, await YUNET.run(ort, theirs, pixels, 0.5));
      }
      await theirs.release();
    });
  }
});
