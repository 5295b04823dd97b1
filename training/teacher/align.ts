// Teacher stage 1: find the face (per set, see sources.ts: face-api detection + 68 landmarks, the set's own landmarks,
// or the 68-point net on a set's fixed framing) → dlib-style similarity alignment (150×150 chip, padding 0.25)
// → teacher descriptors of the chip and its mirror. Also caches a loose (unaligned) crop around the face.
// Usage: tsx training/teacher/align.ts --data <dir> [--data <dir> ...] [--out training/cache/teacher]
//        [--shard k --shards n] [--sets a,b] [--limit N] [--only list.txt] [--tag name] [--describe tfjs|later]
// --describe later: align only (no face-api descriptor); `python3 -m bridgeface_train.describe` then fills desc.f32
// with the PyTorch port of the teacher, ≈ 4× less CPU per descriptor.
// Images are processed in root order (put the LFW root first: its images are needed first), --sets keeps only the
// named sets.
// Resumable: each shard appends to its own files and skips every image already cached in any shard folder, so a
// pass with another --shards/--tag completes an interrupted cache instead of duplicating it.
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import sharp from 'sharp';
import {
  CHIP,
  FRAME,
  type ImageEntry,
  LOOSE,
  areaResizeRGB,
  chipTransform,
  fmtEta,
  intOption,
  listImages,
  loadFaceApi,
  mirror,
  parseCli,
  resolveDataRoots,
  warpChip,
} from './common.js';
import { type Source, looseRegion, sourceFor, transformFromPoints } from './sources.js';

const { values: args } = parseCli({
  out: { type: 'string', default: 'training/cache/teacher' },
  shard: { type: 'string' },
  shards: { type: 'string' },
  limit: { type: 'string' },
  only: { type: 'string' }, // optional file with one relative path per line (smoke tests)
  sets: { type: 'string' },
  tag: { type: 'string' }, // a second pass over other images gets its own shard folders
  describe: { type: 'string', default: 'tfjs' }, // 'later': chips only; bridgeface_train.describe adds descriptors
});
const roots = resolveDataRoots(args.data);
const outDir = path.resolve(args.out);
const shards = intOption(args.shards, 'shards', 1, 1);
const shard = intOption(args.shard, 'shard', 0);
if (shard >= shards) throw new Error(`--shard ${shard} is not below --shards ${shards}`);
const limit = intOption(args.limit, 'limit', 0);
const only = args.only;

const allImages = listImages(roots);
let images = allImages;
const sets = args.sets?.split(',');
if (sets) images = images.filter((e) => sets.includes(e.dataset));
if (only) {
  // a list of relative paths; processed in the list's order (e.g. evaluation images first)
  const order = new Map(
    fs
      .readFileSync(only, 'utf8')
      .split('\n')
      .filter(Boolean)
      .map((p, i) => [p, i] as [string, number]),
  );
  images = images.filter((e) => order.has(e.path)).sort((a, b) => order.get(a.path)! - order.get(b.path)!);
}
if (limit > 0) images = images.slice(0, limit);
const mine = images.filter((_, i) => i % shards === shard);
const tag = args.tag;
const dir = path.join(outDir, `shard-${shard}-of-${shards}${tag ? `-${tag}` : ''}`);
fs.mkdirSync(dir, { recursive: true });
const metaPath = path.join(dir, 'meta.jsonl');
const describe = args.describe;
if (describe !== 'tfjs' && describe !== 'later') throw new Error(`--describe must be tfjs or later, got ${describe}`);
// the files this process appends to (with --describe later, desc.f32 belongs to bridgeface_train.describe)
const files: Record<string, string> = {
  chips: path.join(dir, 'chips150.u8'),
  loose: path.join(dir, 'loose88.u8'),
  ...(describe === 'tfjs' ? { desc: path.join(dir, 'desc.f32') } : {}),
};
const rec: Record<string, number> = { chips: CHIP * CHIP * 3, loose: LOOSE * LOOSE * 3, desc: 2 * 128 * 4 };

// resume: keep only complete records
let done = 0;
if (fs.existsSync(metaPath)) {
  const lines = fs
    .readFileSync(metaPath, 'utf8')
    .split('\n')
    .filter((l) => l.trim());
  done = lines.length;
  for (const k of Object.keys(files)) {
    const n = fs.existsSync(files[k]) ? Math.floor(fs.statSync(files[k]).size / rec[k]) : 0;
    done = Math.min(done, n);
  }
  fs.writeFileSync(
    metaPath,
    lines
      .slice(0, done)
      .map((l) => `${l}\n`)
      .join(''),
  );
  for (const k of Object.keys(files)) if (fs.existsSync(files[k])) fs.truncateSync(files[k], done * rec[k]);
}
// every image already aligned by any shard (this one included), by path
const cached = new Set<string>();
for (const d of fs.readdirSync(outDir).filter((d) => d.startsWith('shard-'))) {
  const m = path.join(outDir, d, 'meta.jsonl');
  if (!fs.existsSync(m)) continue;
  for (const l of fs.readFileSync(m, 'utf8').split('\n')) if (l.trim()) cached.add(JSON.parse(l).path);
}
const todo = mine.filter((e) => !cached.has(e.path));
const fds = Object.fromEntries(Object.entries(files).map(([k, p]) => [k, fs.openSync(p, 'a')])) as Record<
  string,
  number
>;
const metaFd = fs.openSync(metaPath, 'a');

const faceapi = await loadFaceApi({ recognition: describe === 'tfjs' });
const tf = faceapi.tf;
const tinyOpts = new faceapi.TinyFaceDetectorOptions({ inputSize: 416, scoreThreshold: 0.3 });
let ssdLoaded = false;

type Pt = { x: number; y: number };
type Det = { score: number; box: { x: number; y: number; width: number; height: number }; pts: Pt[] };
function pick(results: any[], w: number, h: number): Det | null {
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
      best = {
        score: r.detection.score,
        box: { x: b.x, y: b.y, width: b.width, height: b.height },
        pts: r.landmarks.positions.map((p: Pt) => ({ x: p.x, y: p.y })),
      };
    }
  }
  return best;
}

async function decode(e: ImageEntry) {
  const { data, info } = await sharp(path.join(e.root, e.path))
    .removeAlpha()
    .raw()
    .toBuffer({ resolveWithObject: true });
  return { rgb: new Uint8Array(data.buffer, data.byteOffset, data.length), w: info.width, h: info.height };
}

async function detect(rgb: Uint8Array, w: number, h: number): Promise<{ det: Det | null; method: string }> {
  const img = tf.tensor3d(rgb, [h, w, 3], 'int32');
  try {
    const det = pick(await faceapi.detectAllFaces(img, tinyOpts).withFaceLandmarks(), w, h);
    if (det) return { det, method: 'tiny' };
    if (!ssdLoaded) {
      await faceapi.nets.ssdMobilenetv1.loadFromDisk(
        path.join(
          path.dirname(await import.meta.resolve('@vladmandic/face-api/package.json').replace('file://', '')),
          'model',
        ),
      );
      ssdLoaded = true;
    }
    return {
      det: pick(
        await faceapi
          .detectAllFaces(img, new faceapi.SsdMobilenetv1Options({ minConfidence: 0.2 }))
          .withFaceLandmarks(),
        w,
        h,
      ),
      method: 'ssd',
    };
  } finally {
    img.dispose();
  }
}

/** 68 landmarks of the face inside `box` (face-api's landmark net on that crop), in image pixels. */
async function landmarksIn(rgb: Uint8Array, w: number, h: number, box: Det['box']): Promise<Pt[]> {
  const x = Math.max(0, Math.floor(box.x)),
    y = Math.max(0, Math.floor(box.y));
  const bw = Math.min(w - x, Math.floor(box.x + box.width) - x),
    bh = Math.min(h - y, Math.floor(box.y + box.height) - y);
  const img = tf.tensor3d(rgb, [h, w, 3], 'int32');
  const crop = tf.slice3d(img, [y, x, 0], [bh, bw, 3]);
  try {
    const lm = await faceapi.nets.faceLandmark68Net.detectLandmarks(crop);
    return lm.positions.map((p: Pt) => ({ x: p.x + x, y: p.y + y }));
  } finally {
    crop.dispose();
    img.dispose();
  }
}

// A fixed-framing set: the median tiny-detector box (relative to the image size) and the median chip transform of its
// first FIXED_SAMPLE images, whatever --only/--limit select (all shards compute the same; cached in <out>/fixedbox-<set>.json).
const FIXED_SAMPLE = 48;
type Fixed = { box: number[]; transform: number[]; sample: number };
const fixed = new Map<string, Fixed>();
async function fixedFraming(set: string): Promise<Fixed> {
  if (fixed.has(set)) return fixed.get(set)!;
  const file = path.join(outDir, `fixedbox-${set}.json`);
  let f: Fixed;
  if (fs.existsSync(file)) f = JSON.parse(fs.readFileSync(file, 'utf8'));
  else {
    const boxes: number[][] = [],
      ts: number[][] = [];
    for (const e of allImages.filter((i) => i.dataset === set).slice(0, FIXED_SAMPLE)) {
      const { rgb, w, h } = await decode(e);
      const { det } = await detect(rgb, w, h);
      if (!det || det.score < 0.5) continue;
      boxes.push([det.box.x / w, det.box.y / h, det.box.width / w, det.box.height / h]);
      const t = chipTransform(det.pts);
      ts.push([t[0] / w, t[1] / w, t[2] / w, t[3] / h]); // a set's images share one aspect ratio
    }
    if (boxes.length < 8)
      throw new Error(
        `set ${set}: the detector found only ${boxes.length} of ${FIXED_SAMPLE} faces; it is not a fixed-framing set`,
      );
    const med = (v: number[]) => {
      const s = [...v].sort((p, q) => p - q);
      return s[Math.floor(s.length / 2)];
    };
    f = {
      box: [0, 1, 2, 3].map((k) => med(boxes.map((b) => b[k]))),
      transform: [0, 1, 2, 3].map((k) => med(ts.map((t) => t[k]))),
      sample: boxes.length,
    };
    fs.writeFileSync(`${file}.${shard}.part`, JSON.stringify(f));
    fs.renameSync(`${file}.${shard}.part`, file);
  }
  fixed.set(set, f);
  return f;
}

/** Where the face is: the chip transform, how it was found, and the detection/landmarks behind it (if any). */
async function locate(
  e: ImageEntry,
  src: Source,
  rgb: Uint8Array,
  w: number,
  h: number,
): Promise<{ t: number[]; method: string; det: Det | null }> {
  if (src.kind === 'points') {
    const pts = src.points(e.path);
    if (pts)
      return {
        t: transformFromPoints(pts),
        method: 'points',
        det: { score: 1, box: { x: 0, y: 0, width: w, height: h }, pts: [...pts.values()] },
      };
  }
  if (src.kind === 'fixedbox') {
    const f = await fixedFraming(e.dataset);
    const box = { x: f.box[0] * w, y: f.box[1] * h, width: f.box[2] * w, height: f.box[3] * h };
    const pts = await landmarksIn(rgb, w, h, box);
    const t = chipTransform(pts);
    const m = [f.transform[0] * w, f.transform[1] * w, f.transform[2] * w, f.transform[3] * h];
    // the landmark net on a fixed box can miss (face outside the usual framing): keep the set's median transform then
    const c = (q: number[]) => [((q[0] - q[1]) * CHIP) / 2 + q[2], ((q[1] + q[0]) * CHIP) / 2 + q[3]]; // chip centre
    const ratio = Math.hypot(t[0], t[1]) / Math.hypot(m[0], m[1]);
    const shift = Math.hypot(c(t)[0] - c(m)[0], c(t)[1] - c(m)[1]) / (CHIP * Math.hypot(m[0], m[1]));
    if (ratio > 0.75 && ratio < 1.33 && shift < 0.2) return { t, method: 'fixedbox', det: { score: 1, box, pts } };
    return { t: m, method: 'fixedbox-median', det: null };
  }
  const { det, method } = await detect(rgb, w, h);
  const sc = Math.max(w, h) / FRAME;
  if (det) return { t: chipTransform(det.pts), method, det };
  return { t: FALLBACK_T.map((v) => v * sc), method: 'fallback', det: null };
}

// Median transform of LFW-framed images (median over a sample of aligned images), used when
// no detector finds a face.
const FALLBACK_T = [0.7457, 0.0, 66.55, 75.79];

console.log(
  `[align] data=${roots.join(',')} shard ${shard}/${shards}: ${mine.length} images, ${mine.length - todo.length} cached`,
);
// per set: images, wall ms, CPU ms of this process (on a loaded machine CPU time per image is the honest idle estimate)
const perSet = new Map<string, { n: number; ms: number; cpu: number }>();
const sources = new Map<string, Source>(); // per set, and the fixed framings calibrated before the clock starts
for (const e of todo) {
  if (sources.has(e.dataset)) continue;
  sources.set(e.dataset, sourceFor(e.dataset, e.root));
  if (sources.get(e.dataset)!.kind === 'fixedbox') await fixedFraming(e.dataset);
}
const t0 = Date.now();
let n = 0;
for (let k = 0; k < todo.length; k++) {
  const e = todo[k];
  const ts = performance.now();
  const cpu0 = process.cpuUsage();
  const src = sources.get(e.dataset)!;
  const { rgb, w, h } = await decode(e);
  const { t, method, det } = await locate(e, src, rgb, w, h);
  const chip = warpChip(rgb, w, h, t);
  const lr = looseRegion(src.framing, w, h, t);
  const loose = areaResizeRGB(rgb, w, h, lr.x, lr.y, lr.width, lr.height, LOOSE);
  if (describe === 'tfjs') {
    const batch = tf.tensor4d(new Int32Array([...chip, ...mirror(chip, CHIP)]), [2, CHIP, CHIP, 3], 'int32');
    const d = await faceapi.nets.faceRecognitionNet.computeFaceDescriptor(tf.unstack(batch));
    batch.dispose();
    const desc = new Float32Array(256);
    desc.set(d[0], 0);
    desc.set(d[1], 128);
    fs.writeSync(fds.desc, new Uint8Array(desc.buffer));
  }
  fs.writeSync(fds.chips, chip);
  fs.writeSync(fds.loose, loose);
  fs.writeSync(
    metaFd,
    `${JSON.stringify({
      index: e.index,
      path: e.path,
      dataset: e.dataset,
      identity: e.identity,
      w,
      h,
      method,
      score: det && (method === 'tiny' || method === 'ssd') ? +det.score.toFixed(4) : 0,
      box: det && method !== 'points' ? det.box : null,
      landmarks: det ? det.pts.map((p) => [+p.x.toFixed(2), +p.y.toFixed(2)]) : null,
      transform: t,
      loose: [lr.x, lr.y, lr.width].map((v) => +v.toFixed(2)),
    })}\n`,
  );
  const ps = perSet.get(e.dataset) ?? { n: 0, ms: 0, cpu: 0 };
  const cpu = process.cpuUsage(cpu0);
  ps.n++;
  ps.ms += performance.now() - ts;
  ps.cpu += (cpu.user + cpu.system) / 1000;
  perSet.set(e.dataset, ps);
  n++;
  if (n % 100 === 0 || k === todo.length - 1) {
    const rates = [...perSet]
      .map(
        ([set, v]) =>
          `${set} ${v.n} at ${((1000 * v.n) / v.ms).toFixed(1)} img/s (cpu ${(v.cpu / v.n).toFixed(0)} ms/img)`,
      )
      .join(', ');
    console.log(
      `[align ${shard}/${shards}] ${fmtEta(k + 1, todo.length, t0)} | ${rates} | load ${os.loadavg()[0].toFixed(1)}`,
    );
  }
}
console.log(`[align ${shard}/${shards}] done in ${((Date.now() - t0) / 60000).toFixed(1)} min`);
