/**
 * End-to-end identification on real photos: people of celeba-200 (never trained on; ../shared/data/extra) pasted
 * into WIDER photos away from their real faces, at chosen sizes, and named against a gallery made from other
 * images of the same people. Three ways to the same probes, rank-1 by size:
 *   - detector: the full pipeline (detect, align by landmarks, embed, search), on the whole photo with
 *     --full-photo, else on a window of the photo 6 chip sides wide (at least 128 px) around the face;
 *   - detector, box: the same detections cropped by the loose box instead of the landmarks;
 *   - ground truth: the face's exact chip (its full-resolution alignment carried through the paste).
 * The video part follows one pasted 16-px (and 12-px) face over 8 frames with sub-pixel jitter, scale jitter,
 * blur and noise, through FaceTracker, and compares the track's answer (mean embedding) with single frames.
 *
 *   node --import tsx --import ./scripts/register-wgsl.mjs bench/detection-identify.ts --wider /work/data-extra/widerface-subset --celeba /work/data-extra/celeba-200 \
 *     [--model blazeface|yunet --weights f] [--photos 60] [--sizes 12,16,24,32,48] [--video-sizes 12,16] [--people n]
 *     [--gallery-images 5] [--shard k] [--full-photo] [--student weights.bfw] [--out file.json]
 *
 * Face size here is the side of the face's aligned chip in frame pixels (what the LFW "aligned N px" rows
 * mean); a detector box is about 0.7 of it.
 */
import { readFileSync, readdirSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { cropFaces } from '../src/api/detect-faces.js';
import { FaceTracker } from '../src/api/detect-video.js';
import { Gallery } from '../src/api/gallery.js';
import { createRecognizer } from '../src/api/recognizer.js';
import { decodeImage } from '../src/cli/images.js';
import { CHIP, type Similarity, alignFace, chipSideInImage, warpChip } from '../src/detect/align.js';
import { type DetectorFamily, createDetector } from '../src/detect/detector.js';
import type { Detection } from '../src/detect/nms.js';
import type { RgbaImage } from '../src/runtime/image.js';
import { areaResize } from '../src/runtime/resize.js';
import { readWiderBoxes } from './wider.js';

const argv = process.argv.slice(2);
const arg = (name: string, fallback?: string): string | undefined => {
  const i = argv.indexOf(name);
  return i >= 0 ? argv[i + 1] : fallback;
};
const widerRoot = arg('--wider')!;
const celebaRoot = arg('--celeba')!;
if (!widerRoot || !celebaRoot) {
  console.error(
    'usage: node --import tsx --import ./scripts/register-wgsl.mjs bench/detection-identify.ts --wider <widerface-subset> --celeba <celeba-200> [--model m --weights f] [--photos n]',
  );
  process.exit(2);
}
const model = arg('--model', 'blazeface') as DetectorFamily;
const photos = Number(arg('--photos', '60'));
const sizes = arg('--sizes', '12,16,24,32,48')!.split(',').map(Number);
const GALLERY_IMAGES = Number(arg('--gallery-images', '5'));
/** Detector boxes are about 0.7 of the chip side: a 12-px chip is a face box of about 8–9 px. */
const MIN_FACE = Math.max(4, Math.floor(0.7 * Math.min(...sizes)));
const fullPhoto = argv.includes('--full-photo');
/** Window side in chip sides when not detecting the whole photo. */
const WINDOW = 6;

const shard = Number(arg('--shard', '0'));
let seed = 12345 + shard;
const rand = (): number => {
  seed = (seed * 1664525 + 1013904223) >>> 0;
  return seed / 2 ** 32;
};

const detector = await createDetector({
  model,
  weights: arg('--weights'),
  sessionOptions: { intraOpNumThreads: 1, interOpNumThreads: 1 },
});
// --student: another recognizer's weights file (default: the shipped student)
const studentWeights = arg('--student');
const rec = await createRecognizer({
  backend: 'cpu',
  ...(studentWeights && { weights: readFileSync(studentWeights) }),
});

/** A source image with its full-resolution chip transform (from the detector's own landmarks). */
interface Source {
  id: string;
  image: RgbaImage;
  t: Similarity;
}

async function source(id: string, file: string): Promise<Source | undefined> {
  const image = await decodeImage(file);
  const faces = await detector.detect(image, { minFace: 40 });
  if (faces.length === 0) return undefined;
  const face = faces.reduce((a, b) => (b.box.width > a.box.width ? b : a));
  const a = alignFace(face, detector.info.family);
  return a.method === 'landmarks' ? { id, image, t: a.transform } : undefined;
}

// Gallery: the first images of each person, aligned at full resolution; probes: the others.
const ids = readdirSync(path.join(celebaRoot, 'images'))
  .sort()
  .slice(0, Number(arg('--people', '1000')));
const gallery = new Gallery({ dim: rec.info.embeddingDim, search: 'cpu' });
const probeFiles: Array<{ id: string; file: string }> = [];
for (const id of ids) {
  const files = readdirSync(path.join(celebaRoot, 'images', id))
    .sort()
    .map((f) => path.join(celebaRoot, 'images', id, f));
  const chips: RgbaImage[] = [];
  for (const f of files.slice(0, GALLERY_IMAGES)) {
    const s = await source(id, f);
    if (s) chips.push(warpChip(s.image, s.t));
  }
  if (chips.length > 0) gallery.add(id, await rec.embed(chips));
  for (const f of files.slice(GALLERY_IMAGES)) probeFiles.push({ id, file: f });
}
console.error(`gallery: ${gallery.size} people, ${gallery.rows} images`);

/** Pastes `src` so that its chip has side `size` with the chip's top-left at (x, y); returns the chip transform in the frame. */
function paste(frame: RgbaImage, src: Source, size: number, x: number, y: number, blur = 0, noise = 0): Similarity {
  const s = size / chipSideInImage(src.t);
  const [a, b, tx, ty] = src.t;
  // Where the source image's origin lands so that the chip's corner is at (x, y).
  const ox = x - s * tx,
    oy = y - s * ty;
  const x0 = Math.floor(ox),
    y0 = Math.floor(oy);
  const w = Math.ceil(src.image.width * s) + 1,
    h = Math.ceil(src.image.height * s) + 1;
  // Area resampling of the source onto the frame grid, sub-pixel offset included.
  const small = areaResize(src.image, w, h, { x: (x0 - ox) / s, y: (y0 - oy) / s, width: w / s, height: h / s });
  const patch = blur > 0 ? gaussianBlur(small, w, h, blur) : small;
  // Feathered ellipse around the head, so the paste has no rectangle edge for a detector to see.
  const cx = ox + s * (a * 74.5 - b * 74.5 + tx),
    cy = oy + s * (b * 74.5 + a * 74.5 + ty);
  for (let j = 0; j < h; j++) {
    for (let i = 0; i < w; i++) {
      const fx = x0 + i,
        fy = y0 + j;
      if (fx < 0 || fy < 0 || fx >= frame.width || fy >= frame.height) continue;
      const r = Math.hypot((fx - cx) / (0.55 * size), (fy - cy) / (0.62 * size));
      const alpha = Math.min(Math.max((1 - r) / 0.15, 0), 1);
      if (alpha === 0) continue;
      const o = (fy * frame.width + fx) * 4,
        p = (j * w + i) * 4;
      for (let c = 0; c < 3; c++) {
        const v = patch[p + c] + (noise > 0 ? noise * gauss() : 0);
        frame.data[o + c] = Math.round(alpha * v + (1 - alpha) * frame.data[o + c]);
      }
    }
  }
  return [a * s, b * s, ox + s * tx, oy + s * ty];
}

function gauss(): number {
  return Math.sqrt(-2 * Math.log(rand() + 1e-12)) * Math.cos(2 * Math.PI * rand());
}

function gaussianBlur(img: Uint8ClampedArray, w: number, h: number, sigma: number): Uint8ClampedArray {
  const r = Math.ceil(2.5 * sigma);
  const k = Array.from({ length: 2 * r + 1 }, (_, i) => Math.exp(-((i - r) ** 2) / (2 * sigma * sigma)));
  const sum = k.reduce((s, v) => s + v, 0);
  const pass = (src: Uint8ClampedArray, dx: number, dy: number): Uint8ClampedArray => {
    const out = new Uint8ClampedArray(src.length);
    for (let y = 0; y < h; y++)
      for (let x = 0; x < w; x++)
        for (let c = 0; c < 4; c++) {
          let acc = 0;
          for (let t = -r; t <= r; t++) {
            const xx = Math.min(Math.max(x + t * dx, 0), w - 1),
              yy = Math.min(Math.max(y + t * dy, 0), h - 1);
            acc += k[t + r] * src[(yy * w + xx) * 4 + c];
          }
          out[(y * w + x) * 4 + c] = acc / sum;
        }
    return out;
  };
  return pass(pass(img, 1, 0), 0, 1);
}

/** The detection belonging to a pasted chip: its box centre near the chip centre, its size plausible. */
function detectionFor(dets: readonly Detection[], t: Similarity, size: number): Detection | undefined {
  const [a, b, tx, ty] = t;
  const c = (CHIP - 1) / 2;
  const cx = a * c - b * c + tx,
    cy = b * c + a * c + ty;
  let best: Detection | undefined,
    bestD = 0.3 * size;
  for (const d of dets) {
    const dist = Math.hypot(d.box.x + d.box.width / 2 - cx, d.box.y + d.box.height / 2 - cy);
    if (dist < bestD && d.box.height > 0.3 * size && d.box.height < 1.5 * size) {
      best = d;
      bestD = dist;
    }
  }
  return best;
}

const overlaps = (
  p: { x: number; y: number; width: number; height: number },
  q: { x: number; y: number; width: number; height: number },
): boolean => p.x < q.x + q.width && q.x < p.x + p.width && p.y < q.y + q.height && q.y < p.y + p.height;

type Tally = Record<
  string,
  {
    probes: number;
    detected: number;
    detector: number;
    detectorBox: number;
    truth: number;
    aligned: number;
    chipError: number[];
  }
>;
const still: Tally = Object.fromEntries(
  sizes.map((s) => [s, { probes: 0, detected: 0, detector: 0, detectorBox: 0, truth: 0, aligned: 0, chipError: [] }]),
);

/** How far a chip is from the true one: RMS distance, in chip pixels, between where the two put the chip's corners and centre. */
function chipError(t: Similarity, truth: Similarity): number {
  const [a, b, tx, ty] = truth;
  const norm = a * a + b * b;
  let sum = 0;
  const points = [
    [0, 0],
    [CHIP - 1, 0],
    [0, CHIP - 1],
    [CHIP - 1, CHIP - 1],
    [(CHIP - 1) / 2, (CHIP - 1) / 2],
  ];
  for (const [u, v] of points) {
    const x = t[0] * u - t[1] * v + t[2] - tx,
      y = t[1] * u + t[0] * v + t[3] - ty;
    sum += ((a * x + b * y) / norm - u) ** 2 + ((-b * x + a * y) / norm - v) ** 2;
  }
  return Math.sqrt(sum / points.length);
}
const videoSizes: number[] = sizes.filter((s) => arg('--video-sizes', '12,16')!.split(',').map(Number).includes(s));
const video: Record<
  string,
  {
    probes: number;
    singleFrame: number;
    track: number;
    truthSingle: number;
    truthTrack: number;
    framesDetected: number;
  }
> = Object.fromEntries(
  videoSizes.map((s) => [s, { probes: 0, singleFrame: 0, track: 0, truthSingle: 0, truthTrack: 0, framesDetected: 0 }]),
);

const wider = readWiderBoxes(widerRoot);
const step = Math.max(1, Math.floor(wider.length / photos));
const top1 = async (embeddings: Float32Array[]): Promise<string[]> =>
  (await gallery.searchMany(embeddings, 1)).map((m) => m[0]?.label ?? '');
const t0 = Date.now();
let done = 0;

function save(): void {
  const report = {
    model,
    photos: done,
    sizes,
    detectedOn: fullPhoto ? 'whole photo' : `window of ${WINDOW} chip sides (>= 128 px)`,
    load: os.loadavg().map((v) => +v.toFixed(1)),
    gallery: { people: gallery.size, images: gallery.rows },
    still: Object.fromEntries(
      Object.entries(still).map(([s, t]) => [
        s,
        {
          ...t,
          chipError: undefined,
          medianChipError: [...t.chipError].sort((p, q) => p - q)[t.chipError.length >> 1],
          rank1Detector: t.detector / t.probes,
          rank1DetectorBox: t.detectorBox / t.probes,
          rank1Truth: t.truth / t.probes,
          detectionRate: t.detected / t.probes,
        },
      ]),
    ),
    video: Object.fromEntries(
      Object.entries(video).map(([s, v]) => [
        s,
        {
          ...v,
          rank1SingleFrame: v.singleFrame / (8 * v.probes),
          rank1Track: v.track / v.probes,
          rank1TruthSingle: v.truthSingle / (8 * v.probes),
          rank1TruthTrack: v.truthTrack / v.probes,
        },
      ]),
    ),
  };
  if (arg('--out')) writeFileSync(arg('--out')!, `${JSON.stringify(report, null, 1)}\n`);
  console.log(JSON.stringify(report));
}

// Shard k of a parallel run starts k photos later, so shards take different photos.
for (let p = shard; p < wider.length && done < photos; p += step) {
  const entry = wider[p];
  const frame = await decodeImage(path.join(widerRoot, 'WIDER_val/images', entry.file));
  // Video windows are cut from the photo as it was, so a still paste never shows through a video frame.
  const original: RgbaImage = { data: frame.data.slice(), width: frame.width, height: frame.height };
  const taken = entry.truth.map((t) => ({
    x: t.box.x - 4,
    y: t.box.y - 4,
    width: t.box.width + 8,
    height: t.box.height + 8,
  }));
  const pasted: Array<{ id: string; size: number; t: Similarity }> = [];
  for (const size of sizes) {
    const pick = probeFiles[Math.floor(rand() * probeFiles.length)];
    const src = await source(pick.id, pick.file);
    if (!src) continue;
    for (let attempt = 0; attempt < 60; attempt++) {
      const x = rand() * (frame.width - 1.4 * size),
        y = rand() * (frame.height - 1.4 * size);
      const region = { x: x - 0.2 * size, y: y - 0.2 * size, width: 1.4 * size, height: 1.4 * size };
      if (taken.some((q) => overlaps(region, q))) continue;
      taken.push(region);
      pasted.push({ id: pick.id, size, t: paste(frame, src, size, x, y) });
      // Video: 8 jittered, blurred, noisy frames of this face in a window of the photo.
      if (videoSizes.includes(size)) {
        const win = Math.max(96, 6 * size);
        const wx = Math.max(0, Math.min(frame.width - win, Math.round(x + size / 2 - win / 2))),
          wy = Math.max(0, Math.min(frame.height - win, Math.round(y + size / 2 - win / 2)));
        const tracker = new FaceTracker(rec, gallery, { detector, minFace: MIN_FACE, k: 1, window: 8 });
        const v = video[size];
        v.probes++;
        const truthChips: RgbaImage[] = [];
        let last: Awaited<ReturnType<FaceTracker['process']>>[number] | undefined;
        for (let f = 0; f < 8; f++) {
          const crop = windowOf(original, wx, wy, win);
          const jitterSize = size * (1 + 0.1 * (rand() - 0.5));
          const t = paste(crop, src, jitterSize, x - wx + (rand() - 0.5), y - wy + (rand() - 0.5), 0.8 * rand(), 3);
          truthChips.push(warpChip(crop, t));
          const faces = await tracker.process(crop);
          const mine = faces.find((face) => face.box === detectionFor(faces, t, jitterSize)?.box);
          if (mine) {
            v.framesDetected++;
            if (mine.candidates[0]?.label === src.id) v.singleFrame++;
            last = mine;
          }
        }
        if (last?.track.candidates[0]?.label === src.id) v.track++;
        const truthEmbeddings = await rec.embed(truthChips);
        v.truthSingle += (await top1(truthEmbeddings)).filter((l) => l === src.id).length;
        const mean = new Float32Array(truthEmbeddings[0].length);
        for (const e of truthEmbeddings) for (let j = 0; j < mean.length; j++) mean[j] += e[j];
        if ((await top1([mean.map((m) => m / 8)]))[0] === src.id) v.truthTrack++;
      }
      break;
    }
  }
  // The whole photo (--full-photo), or per face a window of the photo around it (real background and
  // neighbours, a fraction of the cost: what this shared machine allowed).
  const whole = fullPhoto ? await detector.detect(frame, { minFace: MIN_FACE }) : [];
  for (const face of pasted) {
    const tally = still[face.size];
    tally.probes++;
    const truth = (await top1(await rec.embed([warpChip(frame, face.t)])))[0];
    if (truth === face.id) tally.truth++;
    let view = frame,
      t = face.t,
      dets = whole;
    if (!fullPhoto) {
      const w = windowAround(frame, face.t, face.size);
      view = w.image;
      t = [face.t[0], face.t[1], face.t[2] - w.x, face.t[3] - w.y];
      dets = await detector.detect(view, { minFace: MIN_FACE });
    }
    const d = detectionFor(dets, t, face.size);
    if (!d) continue;
    tally.detected++;
    const [aligned] = cropFaces(view, [d], detector.info.family, true);
    const [loose] = cropFaces(view, [d], detector.info.family, false);
    const alignment = alignFace(d, detector.info.family);
    if (alignment.method === 'landmarks') {
      tally.aligned++;
      tally.chipError.push(chipError(alignment.transform, t));
    }
    const [la, lb] = await top1(await rec.embed([aligned.chip, loose.chip]));
    if (la === face.id) tally.detector++;
    if (lb === face.id) tally.detectorBox++;
  }
  done++;
  if (done % 5 === 0) {
    save();
    console.error(`${done}/${photos} photos, ${((Date.now() - t0) / 1000).toFixed(0)} s`);
  }
}
save();

/** The square window of the photo, `WINDOW` chip sides wide (at least 128 px), centred on a pasted chip. */
function windowAround(frame: RgbaImage, t: Similarity, size: number): { image: RgbaImage; x: number; y: number } {
  const side = Math.min(Math.max(128, Math.round(WINDOW * size)), frame.width, frame.height);
  const c = (CHIP - 1) / 2;
  const cx = t[0] * c - t[1] * c + t[2],
    cy = t[1] * c + t[0] * c + t[3];
  const x = Math.max(0, Math.min(frame.width - side, Math.round(cx - side / 2)));
  const y = Math.max(0, Math.min(frame.height - side, Math.round(cy - side / 2)));
  return { image: windowOf(frame, x, y, side), x, y };
}

function windowOf(frame: RgbaImage, x: number, y: number, side: number): RgbaImage {
  const data = new Uint8ClampedArray(side * side * 4);
  for (let j = 0; j < side; j++)
    data.set(
      frame.data.subarray(((y + j) * frame.width + x) * 4, ((y + j) * frame.width + x + side) * 4),
      j * side * 4,
    );
  return { data, width: side, height: side };
}
