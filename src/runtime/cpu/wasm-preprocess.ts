/**
 * Input to the wasm `preprocess` kernel: for each face, the tap tables of runtime/resize.ts (the one resize
 * convention, so clamping at the image edges and the bound on taps are the same as everywhere) and the pixels
 * those taps read — only the rows and columns they touch, so a small face in a large frame copies little.
 */
import type { InputSpec } from '../../model/architecture.js';
import type { FaceBox, RgbaImage } from '../image.js';
import { resizeTaps } from '../resize.js';
import type { WasmCall } from './wasm-kernels.js';

/** Where the faces' planes go (byte offsets and pitches): a plain N×3×S×S tensor, or the stem's bordered planes. */
export interface OutputLayout {
  /** The first face's first output pixel. */
  at: number;
  rowPitch: number;
  planePitch: number;
}

export interface PackedFaces {
  /** The tap tables (one per distinct geometry) and every face's pixel region, 4-byte aligned. */
  bytes: Uint8Array<ArrayBuffer>;
  /** The kernel calls, with the blob at byte `blobAt`, writing faces as `out` describes. */
  calls(blobAt: number, out: OutputLayout): WasmCall[];
}

/**
 * One axis's tap table (count, then (byte offset, weight) per tap, for each output coordinate) and the source
 * pixels it reads, first to last.
 */
interface AxisTable {
  ints: Int32Array;
  first: number;
  last: number;
}

/**
 * Tables built before, by geometry: the same chip sizes come back call after call (a video's faces, a stream of
 * aligned chips), and building a pair of tables costs more than the rest of a one-face input pass. Bounded; cleared
 * when full.
 */
const BUILT = new Map<string, AxisTable>();
const BUILT_MAX = 256;

/** The taps of every output coordinate along one axis, as the kernel reads them (`stride` bytes per source pixel); kept in BUILT. */
function axisTable(
  size: number,
  start: number,
  length: number,
  imageLength: number,
  spec: InputSpec,
  stride: number,
): AxisTable {
  const key = `${size} ${spec.resize} ${start} ${length} ${imageLength} ${stride}`;
  const built = BUILT.get(key);
  if (built) return built;
  const taps = Array.from({ length: size }, (_, i) => resizeTaps(i, size, start, length, imageLength, spec.resize));
  let first = taps[0].index[0];
  let last = first;
  let count = 0;
  for (const t of taps) {
    first = Math.min(first, t.index[0]);
    last = Math.max(last, t.index[t.index.length - 1]);
    count += 1 + 2 * t.index.length;
  }
  const ints = new Int32Array(count);
  const floats = new Float32Array(ints.buffer);
  let k = 0;
  for (const t of taps) {
    ints[k++] = t.index.length;
    for (let m = 0; m < t.index.length; m++) {
      ints[k++] = (t.index[m] - first) * stride;
      floats[k++] = t.weight[m];
    }
  }
  if (BUILT.size >= BUILT_MAX) BUILT.clear();
  const table = { ints, first, last };
  BUILT.set(key, table);
  return table;
}

/**
 * Packs the faces' tap tables and pixel regions into one blob. A table depends only on the geometry (box span,
 * image extent, row length), so faces of one geometry — a batch of same-size chips — share one copy of it in the
 * blob (building and copying a table per face was ~9 % of a 64-face pass).
 */
export function packFaces(images: readonly RgbaImage[], size: number, spec: InputSpec): PackedFaces {
  // Where each distinct table sits in the blob.
  const tables = new Map<AxisTable, number>();
  let total = 0;
  const place = (bytes: number) => {
    const at = total;
    total += Math.ceil(bytes / 4) * 4;
    return at;
  };
  const shared = (table: AxisTable) => {
    let at = tables.get(table);
    if (at === undefined) {
      at = place(table.ints.byteLength);
      tables.set(table, at);
    }
    return { table, at };
  };
  const faces = images.map((image) => {
    const box: FaceBox = image.box ?? { x: 0, y: 0, width: image.width, height: image.height };
    const x = shared(axisTable(size, box.x, box.width, image.width, spec, 4));
    const rowBytes = (x.table.last - x.table.first + 1) * 4;
    const y = shared(axisTable(size, box.y, box.height, image.height, spec, rowBytes));
    const rows = y.table.last - y.table.first + 1;
    return { image, x, y, rowBytes, rows, pixels: place(rowBytes * rows) };
  });
  const bytes = new Uint8Array(total);
  for (const [table, at] of tables) bytes.set(new Uint8Array(table.ints.buffer), at);
  for (const { image, x, y, rowBytes, rows, pixels } of faces) {
    const first = (y.table.first * image.width + x.table.first) * 4;
    if (rowBytes === image.width * 4) bytes.set(image.data.subarray(first, first + rows * rowBytes), pixels);
    else
      for (let r = 0; r < rows; r++) {
        const from = first + r * image.width * 4;
        bytes.set(image.data.subarray(from, from + rowBytes), pixels + r * rowBytes);
      }
  }
  const scale = spec.std.map((s) => 1 / (255 * s));
  const offset = spec.mean.map((m, c) => -m / spec.std[c]);
  return {
    bytes,
    calls: (blobAt, out) =>
      faces.map((f, n) => ({
        fn: 'preprocess',
        args: [
          blobAt + f.pixels,
          blobAt + f.x.at,
          blobAt + f.y.at,
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
