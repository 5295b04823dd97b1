/**
 * Reader and writer for saved galleries (`.bfg`); the byte layout is specified in docs/gallery-format.md.
 * The reader checks every value, so a file that loads can only give similarities a gallery could have made.
 */

import { GalleryFormatError, type GalleryFormatErrorCode, InputError } from '../errors.js';
import { CRC_FIELD, crc32, fileCrc } from '../model/checksum.js';

const MAGIC = 'BRIDGEFG';
/** Written by `writeGallery`; version 1 files are still read (docs/gallery-format.md, "Version 1"). */
const GALLERY_VERSION = 2;
const FIXED = 32;
export const MAX_GALLERY_DIM = 4096;
const QUANTIZATION = 'int8, symmetric, one f32 scale per row';

/** The rows of a gallery as stored: label index, scale and `stride` int8 codes per row. */
export interface GalleryTable {
  dim: number;
  labels: string[];
  rows: number;
  rowLabel: Uint32Array;
  scales: Float32Array;
  codes: Int8Array;
  /** Empty for a current file; one line per caveat otherwise (a version 1 file). */
  warnings: string[];
}

/** Bytes of codes per row: `dim` rounded up to a multiple of 4. */
export const codeStride = (dim: number) => Math.ceil(dim / 4) * 4;

const fail = (code: GalleryFormatErrorCode, message: string): never => {
  throw new GalleryFormatError(code, message);
};

/** Serialises the first `rows` rows; labels are indexed by `rowLabel` and each must own at least one row. */
export function writeGallery(table: Omit<GalleryTable, 'warnings'>): Uint8Array {
  const { dim, labels, rows: n } = table;
  const stride = codeStride(dim);
  const header = new TextEncoder().encode(JSON.stringify({ dim, quantization: QUANTIZATION, labels }));
  const body = FIXED + Math.ceil(header.length / 4) * 4;
  const bytes = new Uint8Array(body + n * 8 + n * stride);
  const view = new DataView(bytes.buffer);
  bytes.set(new TextEncoder().encode(MAGIC), 0);
  view.setUint32(8, GALLERY_VERSION, true);
  view.setUint32(12, header.length, true);
  view.setUint32(16, n, true);
  view.setUint32(20, dim, true);
  bytes.set(header, FIXED);
  new Uint32Array(bytes.buffer, body, n).set(table.rowLabel.subarray(0, n));
  new Float32Array(bytes.buffer, body + n * 4, n).set(table.scales.subarray(0, n));
  new Int8Array(bytes.buffer, body + n * 8, n * stride).set(table.codes.subarray(0, n * stride));
  view.setUint32(CRC_FIELD, fileCrc(bytes), true);
  return bytes;
}

/** Parses and validates a `.bfg` file (version 2, or 1 with a warning); throws `GalleryFormatError` naming the first problem. */
export function readGallery(data: Uint8Array | ArrayBuffer): GalleryTable {
  const bytes = data instanceof ArrayBuffer ? new Uint8Array(data) : data;
  if (!(bytes instanceof Uint8Array))
    throw new InputError('bad-shape', 'a gallery file must be a Uint8Array or an ArrayBuffer');
  if (bytes.length < FIXED) fail('truncated', `${bytes.length} bytes is shorter than the 32-byte header`);
  if (new TextDecoder().decode(bytes.subarray(0, 8)) !== MAGIC)
    fail('bad-magic', 'not a bridgeface gallery (magic is not BRIDGEFG)');
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const version = view.getUint32(8, true);
  if (version !== 1 && version !== GALLERY_VERSION)
    fail('unsupported-version', `version ${version}; this reader supports 1 and ${GALLERY_VERSION}`);
  const headerLength = view.getUint32(12, true);
  const n = view.getUint32(16, true);
  const dim = view.getUint32(20, true);
  if (dim < 1 || dim > MAX_GALLERY_DIM) fail('bad-header', `dim ${dim} is outside [1, ${MAX_GALLERY_DIM}]`);
  const stride = codeStride(dim);
  const body = FIXED + Math.ceil(headerLength / 4) * 4;
  const expected = body + n * 8 + n * stride;
  if (bytes.length !== expected) fail('truncated', `${bytes.length} bytes; ${n} rows of dim ${dim} need ${expected}`);
  const crc = version === 1 ? crc32(bytes.subarray(FIXED)) : fileCrc(bytes);
  if (crc !== view.getUint32(CRC_FIELD, true)) fail('checksum-mismatch', 'the gallery is corrupt (CRC-32 mismatch)');
  if (version !== 1 && view.getUint32(28, true) !== 0)
    fail('bad-header', 'the reserved field (bytes 28-31) is not zero');

  let header: unknown;
  try {
    header = JSON.parse(new TextDecoder('utf-8', { fatal: true }).decode(bytes.subarray(FIXED, FIXED + headerLength)));
  } catch {
    fail('bad-header', 'the header is not JSON');
  }
  if (typeof header !== 'object' || header === null || Array.isArray(header))
    fail('bad-header', 'the header must be a JSON object { dim, labels }');
  const { dim: headerDim, labels } = header as { dim?: unknown; labels?: unknown };
  if (headerDim !== dim)
    fail('bad-header', `the header's dim ${JSON.stringify(headerDim)} disagrees with the fixed header's ${dim}`);
  if (!Array.isArray(labels) || !labels.every((l) => typeof l === 'string' && l.length > 0))
    fail('bad-header', 'labels must be an array of non-empty strings');
  const names = labels as string[];
  if (new Set(names).size !== names.length) fail('bad-header', 'a label is listed twice');

  // A copy (not `slice`, which is a view on a Node Buffer): aligned views, independent of the caller's buffer.
  const aligned = new Uint8Array(bytes.subarray(body));
  const rowLabel = new Uint32Array(aligned.buffer, 0, n);
  const scales = new Float32Array(aligned.buffer, n * 4, n);
  const codes = new Int8Array(aligned.buffer, n * 8, n * stride);
  const owned = new Uint8Array(names.length);
  for (let r = 0; r < n; r++) {
    if (rowLabel[r] >= names.length)
      fail('bad-rows', `row ${r} refers to label ${rowLabel[r]}; the header lists ${names.length}`);
    owned[rowLabel[r]] = 1;
    checkRow(codes, r * stride, dim, scales[r], r);
  }
  const orphan = owned.indexOf(0);
  if (orphan >= 0) fail('bad-rows', `label "${names[orphan]}" has no embedding`);
  const warnings =
    version === 1
      ? ['version 1 gallery: its fixed header is outside the checksum; save it again to write version 2']
      : [];
  return { dim, labels: names, rows: n, rowLabel, scales, codes, warnings };
}

/**
 * A row is what `quantize` makes of a non-zero embedding: codes in [-127, 127] whose largest magnitude is 127,
 * and a positive scale with scale·‖codes‖ = 1 up to the rounding of each code (at most 0.5·√dim in ‖codes‖).
 * Anything else would score NaN, ±∞ or far outside [-1, 1].
 */
function checkRow(codes: Int8Array, base: number, dim: number, scale: number, r: number): void {
  if (!(Number.isFinite(scale) && scale > 0))
    fail('bad-rows', `row ${r} has scale ${scale}; a scale is positive and finite`);
  let sq = 0;
  let max = 0;
  for (let i = 0; i < dim; i++) {
    const c = codes[base + i];
    if (c === -128) fail('bad-rows', `row ${r} has code -128; codes are in [-127, 127]`);
    sq += c * c;
    max = Math.max(max, Math.abs(c));
  }
  if (max !== 127)
    fail('bad-rows', `row ${r}'s largest code is ${max}; quantisation maps each row's largest value to 127`);
  const norm = Math.sqrt(sq);
  if (Math.abs(norm * scale - 1) > (0.5 * Math.sqrt(dim) + 0.01) * scale) {
    fail(
      'bad-rows',
      `row ${r}: scale ${scale} × code norm ${norm.toFixed(2)} = ${(norm * scale).toFixed(4)}, not 1: the scale does not belong to these codes`,
    );
  }
}
