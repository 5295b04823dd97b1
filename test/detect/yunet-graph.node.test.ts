/**
 * YuNet (s and n) on bridgeface's runtime against ONNX Runtime, on the same network inputs the detector feeds it:
 * LFW faces pasted into a frame, resampled by the frame plan to sides rounded up to 32. On the CPU reference
 * every output tensor agrees with ONNX Runtime within 1e-5 and the decoded faces (families.ts) are the same; on
 * WebGPU (Dawn) every output agrees with the reference within 1e-4; and `createDetector` gives the same faces on
 * each backend (the CPU backend's kernels are checked against the reference in graph-cpu.node.test.ts). The
 * weights come from ../shared/models/yunet (skipped with a message when absent: see README, "Face detection").
 */
import { existsSync, readFileSync } from 'node:fs';
import * as ort from 'onnxruntime-node';
import { describe, expect, it } from 'vitest';
import { createDetector } from '../../src/detect/detector.js';
import { YUNET } from '../../src/detect/families.js';
import { GpuGraphRunner } from '../../src/detect/graph-gpu.js';
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

/** Three faces (20–44 px) in a 300×190 frame. */
async function crowd() {
  const frame = background(300, 190, 3);
  for (const [i, [name, size]] of (
    [
      ['Laura_Bush', 20],
      ['Colin_Powell', 30],
      ['Hugo_Chavez', 44],
    ] as const
  ).entries())
    paste(frame, await sample(name, 1), size, 30 + i * 90, 50 + (i % 2) * 40, name);
  return frame;
}

/** The crowd fed at the detector's scales for minFace 24 and 32. */
async function inputs(): Promise<PlanarRgb[]> {
  const frame = await crowd();
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

/** The same faces in the same order: scores within `score`, box edges and landmarks within `px` pixels. */
function expectSameFaces(ours: Detection[], theirs: Detection[], score = 1e-5, px = 1e-3): void {
  expect(ours.length).toBe(theirs.length);
  const near = (a: number, b: number, tolerance: number) => expect(Math.abs(a - b)).toBeLessThan(tolerance);
  ours.forEach((d, i) => {
    const e = theirs[i];
    near(d.score, e.score, score);
    for (const k of ['x', 'y', 'width', 'height'] as const) near(d.box[k], e.box[k], px);
    d.landmarks.forEach(([x, y], j) => {
      near(x, e.landmarks[j][0], px);
      near(y, e.landmarks[j][1], px);
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

  it('yunet_s on WebGPU: every output within 1e-4 of the CPU reference and the same faces', async () => {
    const graph = await parseOnnxGraph(readFileSync(models[0][1]));
    const runner = await GpuGraphRunner.create();
    const session = new GraphSession(graph, runner);
    for (const pixels of await inputs()) {
      const input = bgr(pixels);
      const plan = planGraph(graph, pixels.height, pixels.width);
      const expected = runReference(plan, input);
      const actual = await runner.run(plan, input);
      for (const output of graph.outputs)
        expect(relativeError(actual.get(output)!.data, expected.get(output)!.data), output).toBeLessThan(1e-4);
      const faces = await YUNET.run(GRAPH_TENSORS, session, pixels, 0.5);
      expect(faces.length).toBeGreaterThanOrEqual(3);
      expectSameFaces(
        faces,
        await YUNET.run(GRAPH_TENSORS, new GraphSession(graph, REFERENCE_RUNNER), pixels, 0.5),
        1e-4,
        1e-2,
      );
    }
    await session.release();
  });

  it("createDetector finds the same faces on ONNX Runtime and on bridgeface's WebGPU and CPU backends", async () => {
    const frame = await crowd();
    const found = [];
    for (const backend of ['onnxruntime', 'webgpu', 'cpu'] as const) {
      const detector = await createDetector({ model: 'yunet', weights: models[0][1], backend });
      expect(detector.info.backend).toBe(backend);
      found.push(await detector.detect(frame, { minFace: 20 }));
      detector.dispose();
    }
    expect(found[0].length).toBeGreaterThanOrEqual(3);
    expectSameFaces(found[1], found[0], 1e-4, 1e-2);
    expectSameFaces(found[2], found[0], 1e-4, 1e-2);
  });

  it("tiles frames whose largest map would exceed the runner's tensor limit (128 MiB: sides ≤ 2880 for YuNet)", async () => {
    const detector = await createDetector({ model: 'yunet', weights: models[0][1], backend: 'cpu' });
    // minFace 10 upscales a 4000×3000 frame ×2.4: 9600 px wide, far past what one input may hold.
    const [first] = detector.plan(4000, 3000, 10);
    expect(first.tiles.length).toBeGreaterThan(1);
    for (const tile of first.tiles) expect(Math.max(tile.inputWidth, tile.inputHeight)).toBeLessThanOrEqual(2880);
    // YuNet's largest map is the stem's, 16 channels at a quarter of the input pixels: 4 floats per input pixel.
    expect(Math.max(...first.tiles.map((t) => t.inputWidth))).toBe(2880);
    detector.dispose();
  });
});
