/**
 * Calibrates src/detect/align.ts: where each detector's landmarks and box sit in the student's aligned chip
 * (the dlib chip of face-api's 68 landmarks, training/teacher/common.ts chipTransform). On LFW-framed images
 * (one face each) it runs face-api (the training pipeline's own alignment) and the detector, maps the detector's
 * landmarks into the chip, and prints the median chip position of each landmark and the median chip box relative
 * to the detector box.
 *
 *   node --import tsx --import ./scripts/register-wgsl.mjs bench/detection-align.ts --data ../shared/data/faces --model yunet --weights ../shared/models/yunet/yunet_s_dynamic.onnx [--limit 300]
 */

import { readdirSync } from 'node:fs';
import path from 'node:path';
import { decodeImage } from '../src/cli/images.js';
import { CHIP } from '../src/detect/align.js';
import { type DetectorFamily, createDetector } from '../src/detect/detector.js';
import { chipTransform, loadFaceApi } from '../training/teacher/common.js';

const argv = process.argv.slice(2);
const arg = (name: string, fallback?: string): string | undefined => {
  const i = argv.indexOf(name);
  return i >= 0 ? argv[i + 1] : fallback;
};
const data = arg('--data', '../shared/data/faces')!;
const model = arg('--model', 'blazeface') as DetectorFamily;
const limit = Number(arg('--limit', '300'));

const lfw = path.join(data, 'lfw/images');
// Every 20th person's first image: many people, one image each.
const files = readdirSync(lfw)
  .sort()
  .filter((_, i) => i % 20 === 0)
  .slice(0, limit)
  .map((p) => {
    const f = readdirSync(path.join(lfw, p)).sort()[0];
    return path.join(lfw, p, f);
  });
const faceapi = await loadFaceApi({ recognition: false });
const detector = await createDetector({ model, weights: arg('--weights') });
const perPoint: number[][][] = [];
const box: { dx: number[]; dy: number[]; side: number[] } = { dx: [], dy: [], side: [] };
const median = (v: number[]): number => [...v].sort((a, b) => a - b)[v.length >> 1];
for (const file of files) {
  const image = await decodeImage(file);
  const rgb = new Int32Array(image.width * image.height * 3);
  for (let i = 0; i < image.width * image.height; i++)
    for (let c = 0; c < 3; c++) rgb[3 * i + c] = image.data[4 * i + c];
  const tensor = faceapi.tf.tensor3d(rgb, [image.height, image.width, 3], 'int32');
  const found = await faceapi
    .detectAllFaces(tensor, new faceapi.TinyFaceDetectorOptions({ inputSize: 416, scoreThreshold: 0.3 }))
    .withFaceLandmarks();
  tensor.dispose();
  const centre = (b: { x: number; y: number; width: number; height: number }) =>
    Math.hypot(b.x + b.width / 2 - image.width / 2, b.y + b.height / 2 - image.height / 2);
  type Found = {
    detection: { box: { x: number; y: number; width: number; height: number } };
    landmarks: { positions: Array<{ x: number; y: number }> };
  };
  const ref = ([...found] as Found[]).sort((p, q) => centre(p.detection.box) - centre(q.detection.box))[0];
  const dets = await detector.detect(image, { minFace: 40 });
  if (!ref || dets.length === 0) continue;
  const det = [...dets].sort((p, q) => centre(p.box) - centre(q.box))[0];
  const [a, b, tx, ty] = chipTransform(ref.landmarks.positions);
  const norm = a * a + b * b;
  det.landmarks.forEach(([x, y], k) => {
    const u = (a * (x - tx) + b * (y - ty)) / norm,
      v = (-b * (x - tx) + a * (y - ty)) / norm;
    perPoint[k] ??= [[], []];
    perPoint[k][0].push(u);
    perPoint[k][1].push(v);
  });
  const c = (CHIP - 1) / 2;
  const cx = a * c - b * c + tx,
    cy = b * c + a * c + ty;
  const h = det.box.height;
  box.dx.push((cx - (det.box.x + det.box.width / 2)) / h);
  box.dy.push((cy - (det.box.y + det.box.height / 2)) / h);
  box.side.push((CHIP * Math.sqrt(norm)) / h);
}
console.log(`${model}: ${box.side.length} of ${files.length} LFW images with both face-api and detector faces`);
console.log('chipPoints', JSON.stringify(perPoint.map(([u, v]) => [+median(u).toFixed(2), +median(v).toFixed(2)])));
console.log(
  'boxToChip',
  JSON.stringify({
    dx: +median(box.dx).toFixed(3),
    dy: +median(box.dy).toFixed(3),
    side: +median(box.side).toFixed(3),
  }),
);
