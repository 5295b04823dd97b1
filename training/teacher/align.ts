// Teacher stage 1: face-api detection + 68 landmarks → dlib-style similarity alignment (150×150 chip, padding 0.25)
// → teacher descriptors of the chip and its mirror. Also caches a loose (unaligned) crop of the LFW framing.
// Usage: tsx training/teacher/align.ts --data <dir> [--out training/cache/teacher] [--shard k --shards n] [--limit N]
//        [--only list.txt [--tag name]]
// Resumable: each shard appends to its own files and skips every image already cached in any shard folder, so a
// pass with another --shards/--tag completes an interrupted cache instead of duplicating it.
import * as fs from 'node:fs';
import * as path from 'node:path';
import sharp from 'sharp';
import {
  CHIP, FRAME, LOOSE, LOOSE_OFF, LOOSE_SRC, areaResizeRGB, argValue, chipTransform, fmtEta, listImages, loadFaceApi,
  mirror, resolveDataRoot, warpChip,
} from './common.js';

const argv = process.argv.slice(2);
const root = resolveDataRoot(argv);
const outDir = path.resolve(argValue(argv, '--out', 'training/cache/teacher')!);
const shard = Number(argValue(argv, '--shard', '0'));
const shards = Number(argValue(argv, '--shards', '1'));
const limit = Number(argValue(argv, '--limit', '0'));
const only = argValue(argv, '--only'); // optional file with one relative path per line (smoke tests)

let images = listImages(root);
if (only) { // a list of relative paths; processed in the list's order (e.g. evaluation images first)
  const order = new Map(fs.readFileSync(only, 'utf8').split('\n').filter(Boolean).map((p, i) => [p, i] as [string, number]));
  images = images.filter((e) => order.has(e.path)).sort((a, b) => order.get(a.path)! - order.get(b.path)!);
}
if (limit > 0) images = images.slice(0, limit);
const mine = images.filter((_, i) => i % shards === shard);
const tag = argValue(argv, '--tag'); // a second pass over other images gets its own shard folders
const dir = path.join(outDir, `shard-${shard}-of-${shards}${tag ? '-' + tag : ''}`);
fs.mkdirSync(dir, { recursive: true });
const metaPath = path.join(dir, 'meta.jsonl');
const files = { chips: path.join(dir, 'chips150.u8'), loose: path.join(dir, 'loose88.u8'), desc: path.join(dir, 'desc.f32') };
const rec = { chips: CHIP * CHIP * 3, loose: LOOSE * LOOSE * 3, desc: 2 * 128 * 4 };

// resume: keep only complete records
let done = 0;
if (fs.existsSync(metaPath)) {
  const lines = fs.readFileSync(metaPath, 'utf8').split('\n').filter((l) => l.trim());
  done = lines.length;
  for (const k of Object.keys(files) as (keyof typeof files)[]) {
    const n = fs.existsSync(files[k]) ? Math.floor(fs.statSync(files[k]).size / rec[k]) : 0;
    done = Math.min(done, n);
  }
  fs.writeFileSync(metaPath, lines.slice(0, done).map((l) => l + '\n').join(''));
  for (const k of Object.keys(files) as (keyof typeof files)[]) if (fs.existsSync(files[k])) fs.truncateSync(files[k], done * rec[k]);
}
// every image already described by any shard (this one included), by path
const cached = new Set<string>();
for (const d of fs.readdirSync(outDir).filter((d) => d.startsWith('shard-'))) {
  const m = path.join(outDir, d, 'meta.jsonl');
  if (!fs.existsSync(m)) continue;
  for (const l of fs.readFileSync(m, 'utf8').split('\n')) if (l.trim()) cached.add(JSON.parse(l).path);
}
const todo = mine.filter((e) => !cached.has(e.path));
const fds = Object.fromEntries(Object.entries(files).map(([k, p]) => [k, fs.openSync(p, 'a')])) as Record<keyof typeof files, number>;
const metaFd = fs.openSync(metaPath, 'a');

const faceapi = await loadFaceApi();
const tf = faceapi.tf;
const tinyOpts = new faceapi.TinyFaceDetectorOptions({ inputSize: 416, scoreThreshold: 0.3 });
let ssdLoaded = false;

type Det = { score: number; box: { x: number; y: number; width: number; height: number }; pts: Array<{ x: number; y: number }> };
function pick(results: any[], w: number, h: number): Det | null { // eslint-disable-line @typescript-eslint/no-explicit-any
  if (!results.length) return null;
  const maxSide = Math.max(...results.map((r) => Math.max(r.detection.box.width, r.detection.box.height)));
  let best: Det | null = null;
  let bestD = Infinity;
  for (const r of results) {
    const b = r.detection.box;
    if (Math.max(b.width, b.height) < 0.5 * maxSide) continue;
    const d = Math.hypot(b.x + b.width / 2 - w / 2, b.y + b.height / 2 - h / 2);
    if (d < bestD) {
      bestD = d;
      best = { score: r.detection.score, box: { x: b.x, y: b.y, width: b.width, height: b.height }, pts: r.landmarks.positions.map((p: { x: number; y: number }) => ({ x: p.x, y: p.y })) };
    }
  }
  return best;
}

// Median transform of LFW-framed images (median over a sample of aligned images), used when
// no detector finds a face.
const FALLBACK_T = [0.7457, 0.0, 66.55, 75.79];

console.log(`[align] data=${root} shard ${shard}/${shards}: ${mine.length} images, ${mine.length - todo.length} cached`);
const t0 = Date.now();
let n = 0;
for (let k = 0; k < todo.length; k++) {
  const e = todo[k];
  const { data, info } = await sharp(path.join(root, e.path)).removeAlpha().raw().toBuffer({ resolveWithObject: true });
  const w = info.width, h = info.height;
  const rgb = new Uint8Array(data.buffer, data.byteOffset, data.length);
  const img = tf.tensor3d(rgb, [h, w, 3], 'int32');
  let det = pick(await faceapi.detectAllFaces(img, tinyOpts).withFaceLandmarks(), w, h);
  let method = 'tiny';
  if (!det) {
    if (!ssdLoaded) { await loadFaceApi(); await faceapi.nets.ssdMobilenetv1.loadFromDisk(path.join(path.dirname(await import.meta.resolve('@vladmandic/face-api/package.json').replace('file://', '')), 'model')); ssdLoaded = true; }
    det = pick(await faceapi.detectAllFaces(img, new faceapi.SsdMobilenetv1Options({ minConfidence: 0.2 })).withFaceLandmarks(), w, h);
    method = 'ssd';
  }
  img.dispose();
  const sc = Math.max(w, h) / FRAME;
  const t = det ? chipTransform(det.pts) : FALLBACK_T.map((v) => v * sc);
  if (!det) method = 'fallback';
  const chip = warpChip(rgb, w, h, t);
  const mir = mirror(chip, CHIP);
  const loose = areaResizeRGB(rgb, w, h, LOOSE_OFF * (w / FRAME), LOOSE_OFF * (h / FRAME), LOOSE_SRC * (w / FRAME), LOOSE_SRC * (h / FRAME), LOOSE);
  const batch = tf.tensor4d(new Int32Array([...chip, ...mir]), [2, CHIP, CHIP, 3], 'int32');
  const d = await faceapi.nets.faceRecognitionNet.computeFaceDescriptor(tf.unstack(batch));
  batch.dispose();
  const desc = new Float32Array(256);
  desc.set(d[0], 0); desc.set(d[1], 128);
  fs.writeSync(fds.chips, chip);
  fs.writeSync(fds.loose, loose);
  fs.writeSync(fds.desc, new Uint8Array(desc.buffer));
  fs.writeSync(metaFd, JSON.stringify({ index: e.index, path: e.path, dataset: e.dataset, identity: e.identity, w, h, method, score: det ? +det.score.toFixed(4) : 0, box: det ? det.box : null, landmarks: det ? det.pts.map((p) => [+p.x.toFixed(2), +p.y.toFixed(2)]) : null, transform: t }) + '\n');
  n++;
  if (n % 100 === 0 || k === todo.length - 1) console.log(`[align ${shard}/${shards}] ${fmtEta(k + 1, todo.length, t0)}`);
}
console.log(`[align ${shard}/${shards}] done in ${((Date.now() - t0) / 60000).toFixed(1)} min`);
