/**
 * Reader and writer for the `.bfw` weights container; the byte layout is specified in docs/weights-format.md.
 */

import { InputError, WeightsFormatError, type WeightsFormatErrorCode } from '../errors.js';
import {
  ARCHITECTURE_LIMITS,
  type Architecture,
  type InputSpec,
  expectedTensors,
  parseArchitecture,
  parseInputSpec,
} from './architecture.js';
import { CRC_FIELD, crc32, fileCrc } from './checksum.js';
import { buildNetwork } from './network.js';
import { type Thresholds, parseThresholds, parseV1Thresholds } from './thresholds.js';

export type { Thresholds } from './thresholds.js';

const MAGIC = 'BRIDGEFW';
/** Written by `writeWeights`; version 1 files are still read (see docs/weights-format.md, "Version 1"). */
const FORMAT_VERSION = 2;
const FIXED_HEADER_BYTES = 32;
const ALIGN = 16;

type DType = 'f32' | 'f16';

/** What a weights file holds, decoded to f32 and checked against its architecture. */
export interface WeightsContent {
  architecture: Architecture;
  input: InputSpec;
  thresholds: Thresholds;
  provenance: Record<string, unknown>;
  tensors: Map<string, Float32Array>;
}

/** A loaded weights file: its content, and what the reader noticed (e.g. an older format version). */
export interface StudentWeights extends WeightsContent {
  /** Empty for a current file; one line per caveat otherwise (a version 1 file: its header was not checksummed). */
  warnings: string[];
}

interface TensorEntry {
  name: string;
  dtype: DType;
  shape: number[];
  offset: number;
}

const align = (n: number) => Math.ceil(n / ALIGN) * ALIGN;

function fail(code: WeightsFormatErrorCode, message: string): never {
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
  const names = new Set<string>();
  const entries = raw.map((t: unknown, i: number): TensorEntry => {
    const e = (typeof t === 'object' && t !== null ? t : {}) as Record<string, unknown>;
    if (typeof e.name !== 'string') fail('bad-tensor-table', `tensor ${i} has no name`);
    // Two entries of one name would let the later one win silently.
    if (names.has(e.name)) fail('bad-tensor-table', `tensor ${e.name} appears twice`);
    names.add(e.name);
    if (e.dtype !== 'f32' && e.dtype !== 'f16')
      fail('bad-tensor-table', `tensor ${e.name} has unknown dtype ${JSON.stringify(e.dtype)}`);
    if (!Array.isArray(e.shape) || !e.shape.every((d) => Number.isInteger(d) && d >= 0)) {
      fail('bad-tensor-table', `tensor ${e.name} has a malformed shape`);
    }
    if (!Number.isInteger(e.offset) || (e.offset as number) < 0 || (e.offset as number) % ALIGN !== 0) {
      fail(
        'bad-tensor-table',
        `tensor ${e.name} offset ${String(e.offset)} is not a non-negative multiple of ${ALIGN}`,
      );
    }
    return { name: e.name, dtype: e.dtype, shape: e.shape as number[], offset: e.offset as number };
  });
  const spans = entries.map((e) => ({ e, end: e.offset + byteLength(e) })).sort((a, b) => a.e.offset - b.e.offset);
  spans.forEach(({ e, end }, i) => {
    if (end > dataLength)
      fail('bad-tensor-table', `tensor ${e.name} runs past the data section (${end} > ${dataLength})`);
    if (i > 0 && spans[i - 1].end > e.offset)
      fail('bad-tensor-table', `tensor ${e.name} overlaps ${spans[i - 1].e.name}`);
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
    if (!Number.isFinite(out[i])) fail('non-finite-tensor', `tensor ${e.name} holds ${out[i]} at element ${i}`);
  }
  return out;
}

/** Refuses, before anything is allocated for it, a network whose one face would cost too much. */
function checkCost(architecture: Architecture): void {
  const network = buildNetwork({ architecture });
  const activationBytes = Math.max(...network.tensorSizes) * 4;
  const { activationBytesPerFace, macsPerFace } = ARCHITECTURE_LIMITS;
  if (activationBytes > activationBytesPerFace) {
    fail(
      'unsupported-architecture',
      `one face needs a ${activationBytes}-byte activation tensor; the limit is ${activationBytesPerFace}`,
    );
  }
  if (network.macsPerFace > macsPerFace) {
    fail(
      'unsupported-architecture',
      `one face needs ${network.macsPerFace} multiply-accumulates; the limit is ${macsPerFace}`,
    );
  }
}

/** Parses and validates a `.bfw` file (version 2, or 1 with a warning). Throws `WeightsFormatError` naming the first problem found. */
export function readWeights(file: ArrayBuffer | Uint8Array): StudentWeights {
  if (!(file instanceof Uint8Array || file instanceof ArrayBuffer))
    throw new InputError('bad-shape', 'a weights file must be a Uint8Array or an ArrayBuffer');
  const bytes = file instanceof Uint8Array ? file : new Uint8Array(file);
  if (bytes.length < FIXED_HEADER_BYTES)
    fail('truncated', `file is ${bytes.length} bytes, shorter than the ${FIXED_HEADER_BYTES}-byte fixed header`);
  const magic = new TextDecoder().decode(bytes.subarray(0, 8));
  if (magic !== MAGIC) fail('bad-magic', `expected magic "${MAGIC}", found ${JSON.stringify(magic)}`);
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const version = view.getUint32(8, true);
  if (version !== 1 && version !== FORMAT_VERSION)
    fail('unsupported-version', `version ${version}; this reader supports 1 and ${FORMAT_VERSION}`);
  const headerLength = view.getUint32(12, true);
  const dataOffset = view.getUint32(16, true);
  const dataLength = view.getUint32(20, true);
  const expectedCrc = view.getUint32(CRC_FIELD, true);
  if (dataOffset % ALIGN !== 0 || dataOffset < FIXED_HEADER_BYTES + headerLength) {
    fail('bad-header', `data offset ${dataOffset} is misaligned or overlaps the ${headerLength}-byte header`);
  }
  if (bytes.length < dataOffset + dataLength)
    fail('truncated', `file is ${bytes.length} bytes, header says ${dataOffset + dataLength}`);
  if (bytes.length > dataOffset + dataLength)
    fail('trailing-bytes', `${bytes.length - dataOffset - dataLength} bytes after the data section`);
  const data = bytes.subarray(dataOffset, dataOffset + dataLength);
  // Checked before the header is read: in version 2 the checksum covers it, so no changed header value can load.
  const actualCrc = version === 1 ? crc32(data) : fileCrc(bytes);
  if (actualCrc !== expectedCrc) {
    const covered = version === 1 ? 'data' : 'file';
    fail(
      'checksum-mismatch',
      `${covered} CRC-32 is ${actualCrc.toString(16)}, header says ${expectedCrc.toString(16)}: the file is corrupted`,
    );
  }
  if (version !== 1 && view.getUint32(28, true) !== 0)
    fail('bad-header', 'the reserved field (bytes 28-31) is not zero');

  let header: Record<string, unknown>;
  try {
    header = JSON.parse(
      new TextDecoder('utf-8', { fatal: true }).decode(
        bytes.subarray(FIXED_HEADER_BYTES, FIXED_HEADER_BYTES + headerLength),
      ),
    );
  } catch (e) {
    fail('bad-header', `JSON header does not parse: ${(e as Error).message}`);
  }
  if (typeof header !== 'object' || header === null || Array.isArray(header))
    fail('bad-header', 'JSON header is not an object');

  const architecture = parseArchitecture(header.architecture);
  checkCost(architecture);
  const input = parseInputSpec(header.input);
  const thresholds = version === 1 ? parseV1Thresholds(header.thresholds) : parseThresholds(header.thresholds);
  const provenance = header.provenance ?? {};
  if (typeof provenance !== 'object' || provenance === null || Array.isArray(provenance))
    fail('bad-header', 'provenance must be an object');
  const entries = parseTensorTable(header.tensors, dataLength);
  const byName = new Map(entries.map((e) => [e.name, e]));
  const tensors = new Map<string, Float32Array>();
  for (const spec of expectedTensors(architecture)) {
    const e = byName.get(spec.name);
    if (!e) fail('missing-tensor', `tensor ${spec.name} ${JSON.stringify(spec.shape)} is missing`);
    if (e.shape.length !== spec.shape.length || e.shape.some((d, i) => d !== spec.shape[i])) {
      fail(
        'shape-mismatch',
        `tensor ${spec.name} has shape ${JSON.stringify(e.shape)}, architecture needs ${JSON.stringify(spec.shape)}`,
      );
    }
    tensors.set(spec.name, decodeTensor(data, e));
    byName.delete(spec.name);
  }
  if (byName.size > 0)
    fail('unexpected-tensor', `tensors not used by the architecture: ${[...byName.keys()].join(', ')}`);

  const warnings =
    version === 1
      ? [
          'version 1 weights file: its header is outside the checksum, so a changed header value cannot be detected; re-save it as version 2',
        ]
      : [];
  return { architecture, input, thresholds, provenance: provenance as Record<string, unknown>, tensors, warnings };
}

/** Serialises weights (tensors stored as f32, in the architecture's order). Validates shapes first. */
export function writeWeights(weights: WeightsContent): Uint8Array {
  // Written values pass the reader's checks, so a file this writes always loads (an architecture object from
  // JavaScript may carry a key the reader refuses, or cost more than it allows).
  checkCost(parseArchitecture(weights.architecture));
  parseInputSpec(weights.input);
  parseThresholds(weights.thresholds);
  const specs = expectedTensors(weights.architecture);
  let offset = 0;
  const table = specs.map((spec) => {
    const t = weights.tensors.get(spec.name);
    const count = spec.shape.reduce((a, b) => a * b, 1);
    if (!t) fail('missing-tensor', `tensor ${spec.name} is missing`);
    if (t.length !== count)
      fail(
        'shape-mismatch',
        `tensor ${spec.name} has ${t.length} values, shape ${JSON.stringify(spec.shape)} needs ${count}`,
      );
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
  out.set(json, FIXED_HEADER_BYTES);
  view.setUint32(CRC_FIELD, fileCrc(out), true);
  return out;
}
