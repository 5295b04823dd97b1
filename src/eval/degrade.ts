// Test-time degradation: the low-resolution face is an area (box-filter) downsample of the face region to N×N,
// rounded to 8 bits; the recognizer then applies its own preprocessing (area resize N → S). The resize arithmetic is
// the one docs/weights-format.md defines (output pixel i spans [x0 + i·W/N, x0 + (i+1)·W/N); edge pixels clamp).

export interface Box { x: number; y: number; width: number; height: number }
export interface RgbaImage { data: Uint8Array | Uint8ClampedArray; width: number; height: number }

/** Sparse rows of the area-resize matrix: for each output pixel, [source index, weight] pairs. */
export function areaWeights(outSize: number, start: number, span: number, srcSize: number): Array<Array<[number, number]>> {
  const step = span / outSize;
  const rows: Array<Array<[number, number]>> = [];
  for (let i = 0; i < outSize; i++) {
    const lo = start + i * step, hi = start + (i + 1) * step;
    const acc = new Map<number, number>();
    for (let j = Math.floor(lo); j < Math.ceil(hi); j++) {
      const ov = Math.min(hi, j + 1) - Math.max(lo, j);
      if (ov <= 0) continue;
      const jc = Math.min(Math.max(j, 0), srcSize - 1);
      acc.set(jc, (acc.get(jc) ?? 0) + ov / step);
    }
    rows.push([...acc.entries()]);
  }
  return rows;
}

/** Area-resize `box` of an image with `channels` interleaved channels (3 = RGB, 4 = RGBA) to outW×outH; returns RGBA
 *  (alpha 255), values rounded to 8 bits. */
export function areaResize(src: { data: ArrayLike<number>; width: number; height: number; channels?: 3 | 4 }, outW: number, outH: number, box?: Box): Uint8ClampedArray {
  const ch = src.channels ?? 4;
  const b = box ?? { x: 0, y: 0, width: src.width, height: src.height };
  if (!(outW > 0 && outH > 0 && b.width > 0 && b.height > 0)) throw new RangeError('areaResize: sizes must be positive');
  const Rx = areaWeights(outW, b.x, b.width, src.width);
  const Ry = areaWeights(outH, b.y, b.height, src.height);
  // rows needed
  const tmp = new Float64Array(src.height * outW * 3);
  const need = new Set<number>();
  for (const r of Ry) for (const [j] of r) need.add(j);
  for (const y of need) {
    for (let i = 0; i < outW; i++) {
      let r = 0, g = 0, bl = 0;
      for (const [j, w] of Rx[i]) { const o = (y * src.width + j) * ch; r += w * src.data[o]; g += w * src.data[o + 1]; bl += w * src.data[o + 2]; }
      const o = (y * outW + i) * 3; tmp[o] = r; tmp[o + 1] = g; tmp[o + 2] = bl;
    }
  }
  const out = new Uint8ClampedArray(outW * outH * 4);
  for (let i = 0; i < outH; i++) for (let k = 0; k < outW; k++) {
    let r = 0, g = 0, bl = 0;
    for (const [j, w] of Ry[i]) { const o = (j * outW + k) * 3; r += w * tmp[o]; g += w * tmp[o + 1]; bl += w * tmp[o + 2]; }
    const o = (i * outW + k) * 4;
    out[o] = Math.round(r); out[o + 1] = Math.round(g); out[o + 2] = Math.round(bl); out[o + 3] = 255;
  }
  return out;
}

/** The evaluation's LR face: area downsample of `box` (default: the whole image) to size×size, 8-bit RGBA. */
export function degradeFace(src: { data: ArrayLike<number>; width: number; height: number; channels?: 3 | 4 }, size: number, box?: Box): RgbaImage {
  return { data: areaResize(src, size, size, box), width: size, height: size };
}

/** Bilinear resize (half-pixel centres, clamp, no antialiasing) of an RGBA image to S×S, as floats in RGB order —
 *  how the evaluation upsamples LR faces back to 150×150 for the teacher. */
export function bilinearUpsampleRGB(img: RgbaImage, S: number): Float32Array {
  const n = img.width, m = img.height;
  const out = new Float32Array(S * S * 3);
  for (let i = 0; i < S; i++) {
    const y = Math.min(Math.max((i + 0.5) * (m / S) - 0.5, 0), m - 1);
    const y0 = Math.floor(y), y1 = Math.min(y0 + 1, m - 1), fy = y - y0;
    for (let k = 0; k < S; k++) {
      const x = Math.min(Math.max((k + 0.5) * (n / S) - 0.5, 0), n - 1);
      const x0 = Math.floor(x), x1 = Math.min(x0 + 1, n - 1), fx = x - x0;
      for (let c = 0; c < 3; c++) {
        const p = (yy: number, xx: number) => img.data[(yy * n + xx) * 4 + c];
        const t = p(y0, x0) + (p(y0, x1) - p(y0, x0)) * fx, b = p(y1, x0) + (p(y1, x1) - p(y1, x0)) * fx;
        out[(i * S + k) * 3 + c] = t + (b - t) * fy;
      }
    }
  }
  return out;
}

/** The loose-crop convention for LFW-framed images (250×250 deep-funneled framing, face box ≈ central 114 px):
 *  the median dlib-chip box of the training images, scaled to the image size. */
export const LFW_LOOSE_BOX_250: Box = { x: 68.7, y: 75.7, width: 115.5, height: 115.5 };
export function looseBox(width: number, height: number, box: Box = LFW_LOOSE_BOX_250): Box {
  const sx = width / 250, sy = height / 250;
  return { x: box.x * sx, y: box.y * sy, width: box.width * sx, height: box.height * sy };
}
