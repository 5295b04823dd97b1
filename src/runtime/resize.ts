/**
 * The one resize convention (docs/weights-format.md, "Preprocessing"): output pixel `i` of `S` spans
 * `[x0 + i·W/S, x0 + (i+1)·W/S)` of the source axis, source pixel `j` spans `[j, j+1)`, and a source position
 * outside the image reads the nearest edge pixel. Used by the CPU preprocessing (and, mirrored in WGSL, by
 * kernels/preprocess.wgsl), by the low-resolution simulation of the CLI and the demo, and by the evaluation.
 *
 * Work is bounded by the image, whatever the box: the edge pixels also stand for everything beyond them, so an
 * output pixel has at most `min(⌈W/S⌉ + 1, image length)` taps per axis, never one tap per pixel of the box.
 */
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
export function resizeTaps(i: number, outSize: number, start: number, length: number, imageLength: number, mode: ResizeMode): Taps {
  const last = imageLength - 1;
  const clamp = (j: number) => Math.min(Math.max(j, 0), last);
  const scale = length / outSize;
  if (mode === 'bilinear') {
    const u = Math.min(Math.max(start + (i + 0.5) * scale - 0.5, 0), last);
    const j0 = Math.floor(u);
    const f = u - j0;
    return { index: [j0, clamp(j0 + 1)], weight: [1 - f, f] };
  }
  const a = start + i * scale;
  const b = a + scale;
  const taps: Taps = { index: [], weight: [] };
  for (let j = clamp(Math.floor(a)); j <= clamp(Math.ceil(b) - 1); j++) {
    // Pixel 0 covers (-∞, 1) and the last pixel [last, ∞): the span beyond the image weights the edge pixel.
    const left = j === 0 ? a : Math.max(a, j);
    const right = j === last ? b : Math.min(b, j + 1);
    if (right > left) {
      taps.index.push(j);
      taps.weight.push((right - left) / scale);
    }
  }
  return taps;
}

/** An interleaved 8-bit image with 3 (RGB) or 4 (RGBA, the default) channels. */
export interface PixelSource {
  data: ArrayLike<number>;
  width: number;
  height: number;
  channels?: 3 | 4;
}

/**
 * Area resize of `box` (default: the whole image) to outW×outH, separably (rows, then columns); returns RGBA
 * with alpha 255, values rounded to 8 bits.
 */
export function areaResize(src: PixelSource, outW: number, outH: number, box?: FaceBox): Uint8ClampedArray {
  const ch = src.channels ?? 4;
  const b = box ?? { x: 0, y: 0, width: src.width, height: src.height };
  if (!(outW > 0 && outH > 0 && b.width > 0 && b.height > 0)) throw new RangeError('areaResize: sizes must be positive');
  const xs = Array.from({ length: outW }, (_, i) => resizeTaps(i, outW, b.x, b.width, src.width, 'area'));
  const ys = Array.from({ length: outH }, (_, i) => resizeTaps(i, outH, b.y, b.height, src.height, 'area'));
  // Horizontal pass over only the source rows some output row reads.
  const tmp = new Float64Array(src.height * outW * 3);
  const rows = new Set(ys.flatMap((t) => t.index));
  for (const y of rows) {
    for (let i = 0; i < outW; i++) {
      const { index, weight } = xs[i];
      const o = (y * outW + i) * 3;
      for (let t = 0; t < index.length; t++) {
        const p = (y * src.width + index[t]) * ch;
        tmp[o] += weight[t] * src.data[p];
        tmp[o + 1] += weight[t] * src.data[p + 1];
        tmp[o + 2] += weight[t] * src.data[p + 2];
      }
    }
  }
  const out = new Uint8ClampedArray(outW * outH * 4);
  for (let i = 0; i < outH; i++) {
    const { index, weight } = ys[i];
    for (let k = 0; k < outW; k++) {
      let r = 0;
      let g = 0;
      let bl = 0;
      const o = (i * outW + k) * 4;
      for (let t = 0; t < index.length; t++) {
        const p = (index[t] * outW + k) * 3;
        r += weight[t] * tmp[p];
        g += weight[t] * tmp[p + 1];
        bl += weight[t] * tmp[p + 2];
      }
      out[o] = Math.round(r);
      out[o + 1] = Math.round(g);
      out[o + 2] = Math.round(bl);
      out[o + 3] = 255;
    }
  }
  return out;
}

/** The low-resolution face of the evaluation, the CLI and the demo: area downsample of `box` to size×size, 8-bit RGBA. */
export function degradeFace(src: PixelSource, size: number, box?: FaceBox): { data: Uint8ClampedArray; width: number; height: number } {
  return { data: areaResize(src, size, size, box), width: size, height: size };
}
