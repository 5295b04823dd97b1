/**
 * Pixels for the detector networks: a rectangle of an RGBA image resampled to outW×outH as planar float RGB in
 * 0–255. Upscaling (how small faces become visible to the detector) is bilinear with half-pixel centres;
 * reductions by 2× or more use the runtime's area filter (src/runtime/resize.ts), so a frame shrunk onto a
 * 256-px tile does not alias. Samples that fall outside the image are black, which is how the networks were
 * trained to see padding.
 */

import type { FaceBox, RgbaImage } from '../runtime/image.js';
import { areaResize } from '../runtime/resize.js';

/** Planar RGB, `data[c·H·W + y·W + x]`, values 0–255. */
export interface PlanarRgb {
  data: Float32Array;
  width: number;
  height: number;
}

/**
 * Resamples `region` (source pixels, may extend past the image) onto a `outW`×`outH` grid, at `scale` output pixels
 * per source pixel; output pixels past `region·scale` are black (padding to the network's stride).
 */
export function resampleRegion(
  image: RgbaImage,
  region: FaceBox,
  scale: number,
  outW: number,
  outH: number,
): PlanarRgb {
  const plane = outW * outH;
  const data = new Float32Array(3 * plane);
  const { width: w, height: h, data: px } = image;
  if (scale <= 0.5) {
    // Area reduction of the part of the region inside the image, placed where it falls on the output grid.
    const x0 = Math.max(region.x, 0),
      y0 = Math.max(region.y, 0);
    const x1 = Math.min(region.x + region.width, w),
      y1 = Math.min(region.y + region.height, h);
    const ox = Math.round((x0 - region.x) * scale),
      oy = Math.round((y0 - region.y) * scale);
    const rw = Math.min(Math.round((x1 - x0) * scale), outW - ox),
      rh = Math.min(Math.round((y1 - y0) * scale), outH - oy);
    if (rw <= 0 || rh <= 0) return { data, width: outW, height: outH };
    const small = areaResize({ data: px, width: w, height: h }, rw, rh, {
      x: x0,
      y: y0,
      width: x1 - x0,
      height: y1 - y0,
    });
    for (let y = 0; y < rh; y++) {
      for (let x = 0; x < rw; x++) {
        const s = (y * rw + x) * 4,
          d = (y + oy) * outW + x + ox;
        data[d] = small[s];
        data[plane + d] = small[s + 1];
        data[2 * plane + d] = small[s + 2];
      }
    }
    return { data, width: outW, height: outH };
  }
  // Separable taps: per output column (and row) the two source indices, clamped, with their weights; a tap
  // outside the image gets weight 0, which blends edges towards the black padding.
  const taps = (
    n: number,
    origin: number,
    size: number,
  ): { i0: Int32Array; i1: Int32Array; w0: Float32Array; w1: Float32Array } => {
    const i0 = new Int32Array(n),
      i1 = new Int32Array(n),
      w0 = new Float32Array(n),
      w1 = new Float32Array(n);
    for (let k = 0; k < n; k++) {
      const s = origin + (k + 0.5) / scale - 0.5;
      const a = Math.floor(s),
        f = s - a;
      i0[k] = Math.min(Math.max(a, 0), size - 1);
      i1[k] = Math.min(Math.max(a + 1, 0), size - 1);
      w0[k] = a >= 0 && a < size ? 1 - f : 0;
      w1[k] = a + 1 >= 0 && a + 1 < size ? f : 0;
    }
    return { i0, i1, w0, w1 };
  };
  const maxX = Math.min(outW, Math.ceil((region.width + 1) * scale));
  const maxY = Math.min(outH, Math.ceil((region.height + 1) * scale));
  const tx = taps(maxX, region.x, w),
    ty = taps(maxY, region.y, h);
  for (let y = 0; y < maxY; y++) {
    const r0 = ty.i0[y] * w * 4,
      r1 = ty.i1[y] * w * 4,
      wy0 = ty.w0[y],
      wy1 = ty.w1[y];
    const row = y * outW;
    for (let x = 0; x < maxX; x++) {
      const c0 = tx.i0[x] * 4,
        c1 = tx.i1[x] * 4,
        wx0 = tx.w0[x],
        wx1 = tx.w1[x];
      const a = wy0 * wx0,
        b = wy0 * wx1,
        c = wy1 * wx0,
        d = wy1 * wx1;
      const p00 = r0 + c0,
        p01 = r0 + c1,
        p10 = r1 + c0,
        p11 = r1 + c1;
      const o = row + x;
      data[o] = a * px[p00] + b * px[p01] + c * px[p10] + d * px[p11];
      data[plane + o] = a * px[p00 + 1] + b * px[p01 + 1] + c * px[p10 + 1] + d * px[p11 + 1];
      data[2 * plane + o] = a * px[p00 + 2] + b * px[p01 + 2] + c * px[p10 + 2] + d * px[p11 + 2];
    }
  }
  return { data, width: outW, height: outH };
}
