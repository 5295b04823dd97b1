/**
 * Pixels for the detector networks: a rectangle of an RGBA image resampled to outW×outH as planar float RGB in
 * 0–255. Upscaling (how small faces become visible to the detector) is bilinear with half-pixel centres;
 * reductions by 2× or more use the evaluation's area filter (src/eval/degrade.ts), so a frame shrunk onto a
 * 256-px tile does not alias. Samples that fall outside the image are black, which is how the networks were
 * trained to see padding.
 */
import { areaResize } from '../eval/degrade.js';
import type { FaceBox, RgbaImage } from '../runtime/image.js';

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
export function resampleRegion(image: RgbaImage, region: FaceBox, scale: number, outW: number, outH: number): PlanarRgb {
  const plane = outW * outH;
  const data = new Float32Array(3 * plane);
  const { width: w, height: h, data: px } = image;
  if (scale <= 0.5) {
    // Area reduction of the part of the region inside the image, placed where it falls on the output grid.
    const x0 = Math.max(region.x, 0), y0 = Math.max(region.y, 0);
    const x1 = Math.min(region.x + region.width, w), y1 = Math.min(region.y + region.height, h);
    const ox = Math.round((x0 - region.x) * scale), oy = Math.round((y0 - region.y) * scale);
    const rw = Math.min(Math.round((x1 - x0) * scale), outW - ox), rh = Math.min(Math.round((y1 - y0) * scale), outH - oy);
    if (rw <= 0 || rh <= 0) return { data, width: outW, height: outH };
    const small = areaResize({ data: px, width: w, height: h }, rw, rh, { x: x0, y: y0, width: x1 - x0, height: y1 - y0 });
    for (let y = 0; y < rh; y++) {
      for (let x = 0; x < rw; x++) {
        const s = (y * rw + x) * 4, d = (y + oy) * outW + x + ox;
        data[d] = small[s];
        data[plane + d] = small[s + 1];
        data[2 * plane + d] = small[s + 2];
      }
    }
    return { data, width: outW, height: outH };
  }
  const inv = 1 / scale;
  const xs = new Int32Array(outW * 2), fxs = new Float32Array(outW);
  for (let x = 0; x < outW; x++) {
    const sx = region.x + (x + 0.5) * inv - 0.5;
    const x0 = Math.floor(sx);
    xs[2 * x] = x0;
    xs[2 * x + 1] = x0 + 1;
    fxs[x] = sx - x0;
  }
  const tap = (xi: number, yi: number, c: number): number => (xi < 0 || yi < 0 || xi >= w || yi >= h ? 0 : px[(yi * w + xi) * 4 + c]);
  const maxY = Math.min(outH, Math.ceil((region.height + 1) * scale));
  const maxX = Math.min(outW, Math.ceil((region.width + 1) * scale));
  for (let y = 0; y < maxY; y++) {
    const sy = region.y + (y + 0.5) * inv - 0.5;
    const y0 = Math.floor(sy), fy = sy - y0;
    for (let x = 0; x < maxX; x++) {
      const xa = xs[2 * x], xb = xs[2 * x + 1], fx = fxs[x];
      const d = y * outW + x;
      for (let c = 0; c < 3; c++) {
        const top = tap(xa, y0, c) + (tap(xb, y0, c) - tap(xa, y0, c)) * fx;
        const bottom = tap(xa, y0 + 1, c) + (tap(xb, y0 + 1, c) - tap(xa, y0 + 1, c)) * fx;
        data[c * plane + d] = top + (bottom - top) * fy;
      }
    }
  }
  return { data, width: outW, height: outH };
}
