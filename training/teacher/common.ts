// Shared helpers for the teacher stage (Node): data root resolution, dataset listing, face-api loading,
// dlib-style 5/68-point similarity alignment and bilinear chip extraction.

import * as fs from 'node:fs';
import { createRequire } from 'node:module';
import * as path from 'node:path';
import { type ParseArgsConfig, parseArgs } from 'node:util';
import { fitSimilarity } from '../../src/detect/align.js';
import { areaResize } from '../../src/runtime/resize.js';

export const CHIP = 150; // dlib chip size
const CHIP_PADDING = 0.25; // dlib get_face_chip_details padding used by dlib_face_recognition_resnet_model_v1
// Loose crop cache: the central LOOSE_SRC×LOOSE_SRC region of the 250×250 LFW-framed image (offset LOOSE_OFF),
// area-downsampled by 2 to LOOSE×LOOSE. Used by training for the unaligned (detector-box) student input.
export const FRAME = 250;
export const LOOSE_OFF = 37;
export const LOOSE_SRC = 176;
export const LOOSE = 88;

export interface ImageEntry {
  index: number;
  dataset: string;
  identity: string;
  path: string;
  root: string;
}

type CliOptions = NonNullable<ParseArgsConfig['options']>;

/**
 * The one command-line parser of the training scripts: node:util's parseArgs, strict, so an unknown option, an
 * option without its value or a stray argument stops the script (exit 2) with a message naming it instead of
 * being ignored. `--data <dir>` (repeatable) is accepted by every script; pass its values to resolveDataRoots.
 */
export function parseCli<O extends CliOptions>(options: O, { positionals = false } = {}) {
  try {
    return parseArgs({
      args: process.argv.slice(2),
      options: { data: { type: 'string', multiple: true }, ...options },
      strict: true,
      allowPositionals: positionals,
    });
  } catch (e) {
    console.error(`${path.basename(process.argv[1] ?? 'script')}: ${(e as Error).message}`);
    process.exit(2);
  }
}

/** A whole number given as an option, or its default; anything else is a usage error (exit 2). */
export function intOption(value: string | undefined, name: string, fallback: number, min = 0): number {
  if (value === undefined) return fallback;
  const n = Number(value);
  if (!Number.isSafeInteger(n) || n < min) {
    console.error(
      `${path.basename(process.argv[1] ?? 'script')}: --${name} must be an integer ≥ ${min}, got "${value}"`,
    );
    process.exit(2);
  }
  return n;
}

/** The data roots: the `--data` values (see parseCli), else $BRIDGEFACE_DATA (one folder, or several separated
 *  by the path delimiter ':'). There is no built-in default. Each root is a folder of sets (<set>/images/<id>/*.jpg,
 *  unlabelled faces under <set>/images/unlabeled/); set names must be unique across roots. */
export function resolveDataRoots(data: readonly string[] = []): string[] {
  const roots = [...data];
  if (!roots.length && process.env.BRIDGEFACE_DATA)
    roots.push(...process.env.BRIDGEFACE_DATA.split(path.delimiter).filter(Boolean));
  if (!roots.length) {
    throw new Error(
      'No data root: pass --data <dir> (repeatable) or set BRIDGEFACE_DATA (a folder with lfw/images/<name>/<name>_NNNN.jpg and lfw/pairs.txt; more roots with other sets may follow; see training/README.md)',
    );
  }
  for (const r of roots) if (!fs.existsSync(r)) throw new Error(`data root ${r} does not exist`);
  return roots.map((r) => path.resolve(r));
}

/** The root that holds LFW (lfw/pairs.txt): the one evaluation and the honest protocol read. */
export function resolveDataRoot(data: readonly string[] = []): string {
  const roots = resolveDataRoots(data);
  const lfw = roots.find((r) => fs.existsSync(path.join(r, 'lfw', 'pairs.txt')));
  if (!lfw) throw new Error(`no data root among ${roots.join(', ')} has lfw/pairs.txt`);
  return lfw;
}

/** LFW folds as written on the command line, 1-based ("1-5", "6-10", "1-3+7") → 0-based fold indices. */
export function parseFolds(s: string): number[] {
  const out: number[] = [];
  for (const part of s.split('+')) {
    const m = /^(\d+)(?:-(\d+))?$/.exec(part);
    const [a, b] = m ? [Number(m[1]), Number(m[2] ?? m[1])] : [0, 0];
    if (!m || a < 1 || b > 10 || b < a)
      throw new Error(`folds "${s}": expected ranges of 1-10 like 1-5, 6-10 or 1-3+7`);
    for (let f = a; f <= b; f++) out.push(f - 1);
  }
  return out;
}

/** All images of the given roots, in root order: per root its manifest.tsv when present, else a scan of
 *  <root>/<set>/images/<identity>/*.{jpg,png}. Sorted within a root, stable; `index` runs over all roots. Paths are
 *  relative to their root and start with the set name, so they are unique keys when set names are. */
export function listImages(roots: string | string[]): ImageEntry[] {
  const rows: Omit<ImageEntry, 'index'>[] = [];
  const owner = new Map<string, string>();
  for (const root of typeof roots === 'string' ? [roots] : roots) {
    const mine: Omit<ImageEntry, 'index'>[] = [];
    const manifest = path.join(root, 'manifest.tsv');
    if (fs.existsSync(manifest)) {
      for (const line of fs.readFileSync(manifest, 'utf8').split('\n').slice(1)) {
        if (!line.trim()) continue;
        const [dataset, identity, p] = line.split('\t');
        mine.push({ dataset, identity, path: p, root });
      }
    } else {
      for (const dataset of fs.readdirSync(root).sort()) {
        const imgDir = path.join(root, dataset, 'images');
        if (!fs.existsSync(imgDir)) continue;
        for (const identity of fs.readdirSync(imgDir).sort()) {
          const d = path.join(imgDir, identity);
          if (!fs.statSync(d).isDirectory()) continue;
          for (const f of fs.readdirSync(d).sort()) {
            if (/\.(jpe?g|png)$/i.test(f))
              mine.push({ dataset, identity, path: path.join(dataset, 'images', identity, f), root });
          }
        }
      }
    }
    for (const set of new Set(mine.map((r) => r.dataset))) {
      if (owner.has(set))
        throw new Error(`set ${set} is in two data roots (${owner.get(set)} and ${root}): set names must be unique`);
      owner.set(set, root);
    }
    rows.push(...mine);
  }
  return rows.map((r, index) => ({ ...r, index }));
}

export type FaceApi = any;

let faceapiPromise: Promise<FaceApi> | null = null;
/** face-api (node-wasm build) on tfjs + wasm backend, single-threaded. */
export function loadFaceApi(
  nets: { detector?: boolean; landmarks?: boolean; recognition?: boolean; ssd?: boolean } = {},
): Promise<FaceApi> {
  if (!faceapiPromise) {
    faceapiPromise = (async () => {
      const require = createRequire(import.meta.url);
      const faceapi = require('@vladmandic/face-api/dist/face-api.node-wasm.js');
      const wasm = require('@tensorflow/tfjs-backend-wasm');
      const wasmDir = `${path.dirname(require.resolve('@tensorflow/tfjs-backend-wasm/package.json'))}/dist/`;
      wasm.setWasmPaths(wasmDir);
      await faceapi.tf.setBackend('wasm');
      await faceapi.tf.ready();
      const modelDir = path.join(path.dirname(require.resolve('@vladmandic/face-api/package.json')), 'model');
      if (nets.detector !== false) await faceapi.nets.tinyFaceDetector.loadFromDisk(modelDir);
      if (nets.landmarks !== false) await faceapi.nets.faceLandmark68Net.loadFromDisk(modelDir);
      if (nets.recognition !== false) await faceapi.nets.faceRecognitionNet.loadFromDisk(modelDir);
      if (nets.ssd) await faceapi.nets.ssdMobilenetv1.loadFromDisk(modelDir);
      return faceapi;
    })();
  }
  return faceapiPromise;
}

// dlib's mean face shape for 68-point landmarks 17..67 (get_face_chip_details in dlib/image_transforms/interpolation.h).
const MEAN_X = [
  0.000213256, 0.0752622, 0.18113, 0.29077, 0.393397, 0.586856, 0.689483, 0.799124, 0.904991, 0.98004, 0.490127,
  0.490127, 0.490127, 0.490127, 0.36688, 0.426036, 0.490127, 0.554217, 0.613373, 0.121737, 0.187122, 0.265825, 0.334606,
  0.260918, 0.182743, 0.645647, 0.714428, 0.793132, 0.858516, 0.79751, 0.719335, 0.254149, 0.340985, 0.428858, 0.490127,
  0.551395, 0.639268, 0.726104, 0.642159, 0.556721, 0.490127, 0.423532, 0.338094, 0.290379, 0.428096, 0.490127,
  0.552157, 0.689874, 0.553364, 0.490127, 0.42689,
];
const MEAN_Y = [
  0.106454, 0.038915, 0.0187482, 0.0344891, 0.0773906, 0.0773906, 0.0344891, 0.0187482, 0.038915, 0.106454, 0.203352,
  0.307009, 0.409805, 0.515625, 0.587326, 0.609345, 0.628106, 0.609345, 0.587326, 0.216423, 0.178758, 0.179852,
  0.231733, 0.245099, 0.244077, 0.231733, 0.179852, 0.178758, 0.216423, 0.244077, 0.245099, 0.780233, 0.745405,
  0.727388, 0.742578, 0.727388, 0.745405, 0.780233, 0.864805, 0.902192, 0.909281, 0.902192, 0.864805, 0.784792,
  0.778746, 0.785343, 0.778746, 0.784792, 0.824182, 0.831803, 0.824182,
];

/** dlib's mean face in chip pixels, 68-point index → [u, v] (indices 17…67). */
export function chipTemplate(size = CHIP, padding = CHIP_PADDING): Map<number, number[]> {
  return new Map(
    MEAN_X.map((x, i) => [
      i + 17,
      [((padding + x) / (2 * padding + 1)) * size, ((padding + MEAN_Y[i]) / (2 * padding + 1)) * size],
    ]),
  );
}
/** The points dlib's get_face_chip_details fits for 68-point landmarks: nose, eyes, outer/inner mouth without the
 *  lower lip (27–54 and 60–64). */
export const DLIB_FIT = new Set(
  Array.from({ length: 68 }, (_, i) => i).filter((i) => (i >= 27 && i <= 54) || (i >= 60 && i <= 64)),
);

/** Similarity transform [a, b, tx, ty] mapping chip pixel (u, v) to image (x, y):
 *  x = a·u − b·v + tx, y = b·u + a·v + ty. Least squares over DLIB_FIT, as dlib's get_face_chip_details does. */
export function chipTransform(
  landmarks: Array<{ x: number; y: number }>,
  size = CHIP,
  padding = CHIP_PADDING,
): number[] {
  const tpl = chipTemplate(size, padding);
  const ids = [...DLIB_FIT];
  return fitSimilarity(
    ids.map((i) => tpl.get(i)!),
    ids.map((i) => [landmarks[i].x, landmarks[i].y]),
  );
}

/** Bilinear warp of an RGB image into a size×size chip (edge pixels clamp). */
export function warpChip(rgb: Uint8Array, w: number, h: number, t: number[], size = CHIP): Uint8Array {
  const [a, b, tx, ty] = t;
  const out = new Uint8Array(size * size * 3);
  for (let v = 0; v < size; v++) {
    for (let u = 0; u < size; u++) {
      const x = a * u - b * v + tx,
        y = b * u + a * v + ty;
      const xc = Math.min(Math.max(x, 0), w - 1),
        yc = Math.min(Math.max(y, 0), h - 1);
      const x0 = Math.floor(xc),
        y0 = Math.floor(yc);
      const x1 = Math.min(x0 + 1, w - 1),
        y1 = Math.min(y0 + 1, h - 1);
      const fx = xc - x0,
        fy = yc - y0;
      const o = (v * size + u) * 3;
      for (let c = 0; c < 3; c++) {
        const p00 = rgb[(y0 * w + x0) * 3 + c],
          p01 = rgb[(y0 * w + x1) * 3 + c];
        const p10 = rgb[(y1 * w + x0) * 3 + c],
          p11 = rgb[(y1 * w + x1) * 3 + c];
        const top = p00 + (p01 - p00) * fx,
          bot = p10 + (p11 - p10) * fx;
        out[o + c] = Math.round(top + (bot - top) * fy);
      }
    }
  }
  return out;
}

export function mirror(rgb: Uint8Array, size: number): Uint8Array {
  const out = new Uint8Array(rgb.length);
  for (let v = 0; v < size; v++)
    for (let u = 0; u < size; u++) {
      const s = (v * size + u) * 3,
        d = (v * size + (size - 1 - u)) * 3;
      out[d] = rgb[s];
      out[d + 1] = rgb[s + 1];
      out[d + 2] = rgb[s + 2];
    }
  return out;
}

/** Area resize of an RGB region [x0, x0+W) × [y0, y0+H) to S×S RGB (8-bit), the arithmetic of docs/weights-format.md. */
export function areaResizeRGB(
  rgb: Uint8Array,
  w: number,
  h: number,
  x0: number,
  y0: number,
  W: number,
  H: number,
  S: number,
): Uint8Array {
  const rgba = areaResize({ data: rgb, width: w, height: h, channels: 3 }, S, S, { x: x0, y: y0, width: W, height: H });
  const out = new Uint8Array(S * S * 3);
  for (let i = 0; i < S * S; i++) {
    out[i * 3] = rgba[i * 4];
    out[i * 3 + 1] = rgba[i * 4 + 1];
    out[i * 3 + 2] = rgba[i * 4 + 2];
  }
  return out;
}

export function fmtEta(done: number, total: number, t0: number): string {
  const el = (Date.now() - t0) / 1000;
  const rate = done / Math.max(el, 1e-9);
  const eta = rate > 0 ? (total - done) / rate : 0;
  return `${done}/${total} ${(rate).toFixed(1)} img/s elapsed ${(el / 60).toFixed(1)} min ETA ${(eta / 60).toFixed(1)} min`;
}
