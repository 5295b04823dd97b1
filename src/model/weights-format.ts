/**
 * Reader and writer for the `.bfw` weights container; the byte layout is specified in docs/weights-format.md.
 */
import CRC32 from 'crc-32';
import { WeightsFormatError } from '../errors.js';
import { type Architecture, type InputSpec, expectedTensors, parseArchitecture, parseInputSpec } from './architecture.js';

export const MAGIC = 'BRIDGEFW';
export const FORMAT_VERSION = 1;
const FIXED_HEADER_BYTES = 32;
const ALIGN = 16;

export type DType = 'f32' | 'f16';

export type FarKey = 'far_1e-2' | 'far_1e-3';
/** match iff similarity >= threshold */
export interface OperatingPoint { threshold: number; tar: number; far: number }
export type FarPoints = Partial<Record<FarKey, OperatingPoint>>;
export interface Thresholds { calibration: string; sizes: Record<string, FarPoints> }  // keys "8","12","16","24","32",…,"hr"

/** Everything in a weights file, decoded to f32 and checked against its architecture. */
export interface StudentWeights {
  architecture: Architecture;
  input: InputSpec;
  thresholds: Thresholds;
  provenance: Record<string, unknown>;
  tensors: Map<string, Float32Array>;
}

interface TensorEntry {
  name: string;
  dtype: DType;
  shape: number[];
  offset: number;
}

const align = (n: number) => Math.ceil(n / ALIGN) * ALIGN;
const crc32 = (bytes: Uint8Array) => CRC32.buf(bytes) >>> 0;

function fail(code: ConstructorParameters<typeof WeightsFormatError>[0], message: string): never {
  throw new WeightsFormatError(code, message);
}

/** IEEE 754 half → single; exact for every half value. */
function halfToFloat(h: number): number {
  const sign = h & 0x8000 ? -1 : 1;
  const exp = (h >> 10) & 0x1f;
  const frac = h & 0x3ff;
  if (exp === 0) return sign * frac * 2 ** -24;
  if (exp === 31) return frac ? NaN : sign * Infinity;
  return sign * (1 + frac / 1024) * 2 ** (exp - 15);
}

function parseTensorTable(raw: unknown, dataLength: number): TensorEntry[] {
  if (!Array.isArray(raw)) fail('bad-tensor-table', 'header.tensors must be an array');
  const entries = raw.map((t: unknown, i: number): TensorEntry => {
    const e = (t ?? {}) as Record<string, unknown>;
    if (typeof e.name !== 'string') fail('bad-tensor-table', `tensor ${i} has no name`);
    if (e.dtype !== 'f32' && e.dtype !== 'f16') fail('bad-tensor-table', `tensor ${e.name} has unknown dtype ${JSON.stringify(e.dtype)}`);
    if (!Array.isArray(e.shape) || !e.shape.every((d) => Number.isInteger(d) && d >= 0)) {
      fail('bad-tensor-table', `tensor ${e.name} has a malformed shape`);
    }
    if (!Number.isInteger(e.offset) || (e.offset as number) < 0 || (e.offset as number) % ALIGN !== 0) {
      fail('bad-tensor-table', `tensor ${e.name} offset ${String(e.offset)} is not a non-negative multiple of ${ALIGN}`);
    }
    return { name: e.name, dtype: e.dtype, shape: e.shape as number[], offset: e.offset as number };
  });
  const spans = entries
    .map((e) => ({ e, end: e.offset + byteLength(e) }))
    .sort((a, b) => a.e.offset - b.e.offset);
  spans.forEach(({ e, end }, i) => {
    if (end > dataLength) fail('bad-tensor-table', `tensor ${e.name} runs past the data section (${end} > ${dataLength})`);
    if (i > 0 && spans[i - 1].end > e.offset) fail('bad-tensor-table', `tensor ${e.name} overlaps ${spans[i - 1].e.name}`);
  });
  return entries;
}

function byteLength(e: { dtype: DType; shape: number[] }): number {
  return e.shape.reduce((a, b) => a * b, 1) * (e.dtype === 'f32' ? 4 : 2);
}

function decodeTensor(data: Uint8Array, e: TensorEntry): Float32Array {
  const count = e.shape.reduce((a, b) => a * b, 1);
  const view = new DataView(data.buffer, data.byteOffset + e.offset, byteLength(e));
  const out = new Float32Array(count);
  for (let i = 0; i < count; i++) {
    out[i] = e.dtype === 'f32' ? view.getFloat32(i * 4, true) : halfToFloat(view.getUint16(i * 2, true));
  }
  return out;
}

/** Parses and validates a `.bfw` file. Throws `WeightsFormatError` naming the first problem found. */
export function readWeights(input: ArrayBuffer | Uint8Array): StudentWeights {
  const bytes = input instanceof Uint8Array ? input : new Uint8Array(input);
  if (bytes.length < FIXED_HEADER_BYTES) fail('truncated', `file is ${bytes.length} bytes, shorter than the ${FIXED_HEADER_BYTES}-byte fixed header`);
  const magic = new TextDecoder().decode(bytes.subarray(0, 8));
  if (magic !== MAGIC) fail('bad-magic', `expected magic "${MAGIC}", found ${JSON.stringify(magic)}`);
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const version = view.getUint32(8, true);
  if (version !== FORMAT_VERSION) fail('unsupported-version', `version ${version}; this reader supports ${FORMAT_VERSION}`);
  const headerLength = view.getUint32(12, true);
  const dataOffset = view.getUint32(16, true);
  const dataLength = view.getUint32(20, true);
  const expectedCrc = view.getUint32(24, true);
  if (dataOffset % ALIGN !== 0 || dataOffset < FIXED_HEADER_BYTES + headerLength) {
    fail('bad-header', `data offset ${dataOffset} is misaligned or overlaps the ${headerLength}-byte header`);
  }
  if (bytes.length < dataOffset + dataLength) fail('truncated', `file is ${bytes.length} bytes, header says ${dataOffset + dataLength}`);
  if (bytes.length > dataOffset + dataLength) fail('trailing-bytes', `${bytes.length - dataOffset - dataLength} bytes after the data section`);

  let header: Record<string, unknown>;
  try {
    header = JSON.parse(new TextDecoder('utf-8', { fatal: true }).decode(bytes.subarray(FIXED_HEADER_BYTES, FIXED_HEADER_BYTES + headerLength)));
  } catch (e) {
    fail('bad-header', `JSON header does not parse: ${(e as Error).message}`);
  }
  if (typeof header !== 'object' || header === null || Array.isArray(header)) fail('bad-header', 'JSON header is not an object');

  const data = bytes.subarray(dataOffset, dataOffset + dataLength);
  const actualCrc = crc32(data);
  if (actualCrc !== expectedCrc) {
    fail('checksum-mismatch', `data CRC-32 is ${actualCrc.toString(16)}, header says ${expectedCrc.toString(16)}: the file is corrupted`);
  }

  const architecture = parseArchitecture(header.architecture);
  const entries = parseTensorTable(header.tensors, dataLength);
  const byName = new Map(entries.map((e) => [e.name, e]));
  const tensors = new Map<string, Float32Array>();
  for (const spec of expectedTensors(architecture)) {
    const e = byName.get(spec.name);
    if (!e) fail('missing-tensor', `tensor ${spec.name} ${JSON.stringify(spec.shape)} is missing`);
    if (e.shape.length !== spec.shape.length || e.shape.some((d, i) => d !== spec.shape[i])) {
      fail('shape-mismatch', `tensor ${spec.name} has shape ${JSON.stringify(e.shape)}, architecture needs ${JSON.stringify(spec.shape)}`);
    }
    tensors.set(spec.name, decodeTensor(data, e));
    byName.delete(spec.name);
  }
  if (byName.size > 0) fail('unexpected-tensor', `tensors not used by the architecture: ${[...byName.keys()].join(', ')}`);

  return {
    architecture,
    input: parseInputSpec(header.input),
    thresholds: (header.thresholds ?? {}) as Thresholds,
    provenance: (header.provenance ?? {}) as Record<string, unknown>,
    tensors,
  };
}

/** Serialises weights (tensors stored as f32, in the architecture's order). Validates shapes first. */
export function writeWeights(weights: StudentWeights): Uint8Array {
  const specs = expectedTensors(weights.architecture);
  let offset = 0;
  const table = specs.map((spec) => {
    const t = weights.tensors.get(spec.name);
    const count = spec.shape.reduce((a, b) => a * b, 1);
    if (!t) fail('missing-tensor', `tensor ${spec.name} is missing`);
    if (t.length !== count) fail('shape-mismatch', `tensor ${spec.name} has ${t.length} values, shape ${JSON.stringify(spec.shape)} needs ${count}`);
    const entry = { name: spec.name, dtype: 'f32' as DType, shape: spec.shape, offset };
    offset = align(offset + count * 4);
    return entry;
  });
  const header = {
    architecture: weights.architecture,
    input: weights.input,
    thresholds: weights.thresholds,
    provenance: weights.provenance,
    tensors: table,
  };
  const json = new TextEncoder().encode(JSON.stringify(header));
  const dataOffset = align(FIXED_HEADER_BYTES + json.length);
  const dataLength = offset;
  const out = new Uint8Array(dataOffset + dataLength);
  const data = out.subarray(dataOffset);
  const dataView = new DataView(data.buffer, data.byteOffset, data.byteLength);
  table.forEach((e) => {
    const t = weights.tensors.get(e.name)!;
    for (let i = 0; i < t.length; i++) dataView.setFloat32(e.offset + i * 4, t[i], true);
  });
  out.set(new TextEncoder().encode(MAGIC), 0);
  const view = new DataView(out.buffer);
  view.setUint32(8, FORMAT_VERSION, true);
  view.setUint32(12, json.length, true);
  view.setUint32(16, dataOffset, true);
  view.setUint32(20, dataLength, true);
  view.setUint32(24, crc32(data), true);
  out.set(json, FIXED_HEADER_BYTES);
  return out;
}
