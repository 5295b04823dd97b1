/**
 * Input to the wasm `preprocess` kernel: for each face, the tap tables of runtime/resize.ts (the one resize
 * convention, so clamping at the image edges and the bound on taps are the same as everywhere) and the pixels
 * those taps read — only the rows and columns they touch, so a small face in a large frame copies little.
 */
import type { InputSpec } from '../../model/architecture.js';
import type { FaceBox, RgbaImage } from '../image.js';
import { type Taps, resizeTaps } from '../resize.js';
import type { WasmCall } from './wasm-kernels.js';

/** Where the faces' planes go (byte offsets and pitches): a plain N×3×S×S tensor, or the stem's bordered planes. */
export interface OutputLayout {
  /** The first face's first output pixel. */
  at: number;
  rowPitch: number;
  planePitch: number;
}

export interface PackedFaces {
  /** Every face's x table, y table and pixel region, 4-byte aligned. */
  bytes: Uint8Array<ArrayBuffer>;
  /** The kernel calls, with the blob at byte `blobAt`, writing faces as `out` describes. */
  calls(blobAt: number, out: OutputLayout): WasmCall[];
}

/** Count, then (byte offset, weight) per tap, for each output coordinate. */
function tapTable(taps: Taps[], first: number, stride: number): { ints: Int32Array; floats: Float32Array } {
  const ints = new Int32Array(taps.reduce((n, t) => n + 1 + 2 * t.index.length, 0));
  const floats = new Float32Array(ints.buffer);
  let k = 0;
  for (const t of taps) {
    ints[k++] = t.index.length;
    t.index.forEach((j, m) => {
      ints[k++] = (j - first) * stride;
      floats[k++] = t.weight[m];
    });
  }
  return { ints, floats };
}

export function packFaces(images: readonly RgbaImage[], size: number, spec: InputSpec): PackedFaces {
  const parts = images.map((image) => {
    const box: FaceBox = image.box ?? { x: 0, y: 0, width: image.width, height: image.height };
    const xs = Array.from({ length: size }, (_, i) => resizeTaps(i, size, box.x, box.width, image.width, spec.resize));
    const ys = Array.from({ length: size }, (_, i) =>
      resizeTaps(i, size, box.y, box.height, image.height, spec.resize),
    );
    const [x0, x1] = [Math.min(...xs.map((t) => t.index[0])), Math.max(...xs.map((t) => t.index.at(-1)!))];
    const [y0, y1] = [Math.min(...ys.map((t) => t.index[0])), Math.max(...ys.map((t) => t.index.at(-1)!))];
    const rowBytes = (x1 - x0 + 1) * 4;
    const pixels = new Uint8Array(rowBytes * (y1 - y0 + 1));
    for (let y = y0; y <= y1; y++) {
      const from = (y * image.width + x0) * 4;
      pixels.set(image.data.subarray(from, from + rowBytes), (y - y0) * rowBytes);
    }
    return { x: tapTable(xs, x0, 4), y: tapTable(ys, y0, rowBytes), pixels };
  });
  const offsets: Array<{ x: number; y: number; pixels: number }> = [];
  let total = 0;
  for (const p of parts) {
    offsets.push({
      x: total,
      y: total + p.x.ints.byteLength,
      pixels: total + p.x.ints.byteLength + p.y.ints.byteLength,
    });
    total += p.x.ints.byteLength + p.y.ints.byteLength + Math.ceil(p.pixels.length / 4) * 4;
  }
  const bytes = new Uint8Array(total);
  parts.forEach((p, n) => {
    bytes.set(new Uint8Array(p.x.ints.buffer), offsets[n].x);
    bytes.set(new Uint8Array(p.y.ints.buffer), offsets[n].y);
    bytes.set(p.pixels, offsets[n].pixels);
  });
  const scale = spec.std.map((s) => 1 / (255 * s));
  const offset = spec.mean.map((m, c) => -m / spec.std[c]);
  return {
    bytes,
    calls: (blobAt, out) =>
      offsets.map((o, n) => ({
        fn: 'preprocess',
        args: [
          blobAt + o.pixels,
          blobAt + o.x,
          blobAt + o.y,
          out.at + n * 3 * out.planePitch,
          size,
          out.rowPitch,
          out.planePitch,
          ...scale,
          ...offset,
        ],
      })),
  };
}
