/**
 * The one resize convention (docs/weights-format.md, "Preprocessing"): output pixel `i` of `S` spans
 * `[x0 + i·W/S, x0 + (i+1)·W/S)` of the source axis, source pixel `j` spans `[j, j+1)`, and a source position
 * outside the image reads the nearest edge pixel. Used by the CPU preprocessing (and, mirrored in WGSL, by
 * kernels/preprocess.wgsl), by the low-resolution simulation of the CLI and the demo, and by the evaluation.
 *
 * Work is bounded by the image, whatever the box: the edge pixels also stand for everything beyond them, so an
 * output pixel has at most `min(⌈W/S⌉ + 1, image length)` taps per axis, never one tap per pixel of the box.
 */
import { InputError } from '../errors.js';
import type { ResizeMode } from '../model/architecture.js';
import type { FaceBox } from './image.js';

/** Source taps of one output coordinate: distinct pixel indices inside the image and their weights. */
export interface Taps {
  index: number[];
  weight: number[];
}

/**
 * Taps of output pixel `i` (of `outSize`) along one axis, resizing the span [start, start + length) of an axis
 * with `imageLength` pixels.
 */
export function resizeTaps(
  i: number,
  outSize: number,
  start: number,
  length: number,
  imageLength: number,
  mode: ResizeMode,
): Taps {
  const last = imageLength - 1;
  const scale = length / outSize;
  if (mode === 'bilinear') {
    const u = Math.min(Math.max(start + (i + 0.5) * scale - 0.5, 0), last);
    const j0 = Math.floor(u);
    const f = u - j0;
    return { index: [j0, Math.min(j0 + 1, last)], weight: [1 - f, f] };
  }
  const a = start + i * scale;
  const b = a + scale;
  const index: number[] = [];
  const weight: number[] = [];
  const to = Math.min(Math.max(Math.ceil(b) - 1, 0), last);
  for (let j = Math.min(Math.max(Math.floor(a), 0), last); j <= to; j++) {
    // Pixel 0 covers (-∞, 1) and the last pixel [last, ∞): the span beyond the image weights the edge pixel.
    const left = j === 0 ? a : Math.max(a, j);
    const right = j === last ? b : Math.min(b, j + 1);
    if (right > left) {
      index.push(j);
      weight.push((right - left) / scale);
    }
  }
  return { index, weight };
}

/** An interleaved 8-bit image with 3 (RGB) or 4 (RGBA, the default) channels. */
export interface PixelSource {
  data: ArrayLike<number>;
  width: number;
  height: number;
  channels?: 3 | 4;
}

/**
 * Area resize of `box` (default: the whole image) to outW×outH, separably (each output row sums its source rows'
 * horizontal passes); returns RGBA with alpha 255, values rounded to 8 bits. Memory is O(outW), whatever the image.
 */
export function areaResize(src: PixelSource, outW: number, outH: number, box?: FaceBox): Uint8ClampedArray {
  const ch = src.channels ?? 4;
  const b = box ?? { x: 0, y: 0, width: src.width, height: src.height };
  if (!(outW > 0 && outH > 0 && b.width > 0 && b.height > 0))
    throw new InputError('bad-size', 'areaResize: sizes must be positive');
  const xs = Array.from({ length: outW }, (_, i) => resizeTaps(i, outW, b.x, b.width, src.width, 'area'));
  const ys = Array.from({ length: outH }, (_, i) => resizeTaps(i, outH, b.y, b.height, src.height, 'area'));
  const row = new Float64Array(outW * 3); // one source row's horizontal pass
  const acc = new Float64Array(outW * 3);
  const out = new Uint8ClampedArray(outW * outH * 4);
  for (let i = 0; i < outH; i++) {
    acc.fill(0);
    ys[i].index.forEach((y, t) => {
      const wy = ys[i].weight[t];
      for (let k = 0; k < outW; k++) {
        const { index, weight } = xs[k];
        let r = 0;
        let g = 0;
        let bl = 0;
        for (let u = 0; u < index.length; u++) {
          const p = (y * src.width + index[u]) * ch;
          r += weight[u] * src.data[p];
          g += weight[u] * src.data[p + 1];
          bl += weight[u] * src.data[p + 2];
        }
        row[k * 3] = r;
        row[k * 3 + 1] = g;
        row[k * 3 + 2] = bl;
      }
      for (let j = 0; j < row.length; j++) acc[j] += wy * row[j];
    });
    for (let k = 0; k < outW; k++) {
      const o = (i * outW + k) * 4;
      out[o] = Math.round(acc[k * 3]);
      out[o + 1] = Math.round(acc[k * 3 + 1]);
      out[o + 2] = Math.round(acc[k * 3 + 2]);
      out[o + 3] = 255;
    }
  }
  return out;
}

/** The low-resolution face of the evaluation, the CLI and the demo: area downsample of `box` to size×size, 8-bit RGBA. */
export function degradeFace(
  src: PixelSource,
  size: number,
  box?: FaceBox,
): { data: Uint8ClampedArray; width: number; height: number } {
  return { data: areaResize(src, size, size, box), width: size, height: size };
}
