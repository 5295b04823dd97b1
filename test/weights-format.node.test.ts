import { readFileSync } from 'node:fs';
import CRC32 from 'crc-32';
import { describe, expect, it } from 'vitest';
import { WeightsFormatError } from '../src/errors.js';
import { DEFAULT_ARCHITECTURE, expectedTensors, parameterCount } from '../src/model/architecture.js';
import { randomWeights } from '../src/model/random-weights.js';
import { readWeights, writeWeights } from '../src/model/weights-format.js';
import { TINY_ARCHITECTURE } from './support/tiny-arch.js';

const golden = new Uint8Array(readFileSync(new URL('./fixtures/golden.bfw', import.meta.url)));

function expectFormatError(bytes: Uint8Array, code: string, message?: RegExp) {
  try {
    readWeights(bytes);
  } catch (e) {
    expect(e).toBeInstanceOf(WeightsFormatError);
    expect((e as WeightsFormatError).code).toBe(code);
    if (message) expect((e as Error).message).toMatch(message);
    return;
  }
  throw new Error(`expected WeightsFormatError(${code})`);
}

/** Rewrites the JSON header (keeping the data and its CRC) to build files with a bad header. */
function withHeader(bytes: Uint8Array, edit: (header: Record<string, any>) => void): Uint8Array {
  const view = new DataView(bytes.buffer, bytes.byteOffset);
  const headerLength = view.getUint32(12, true);
  const dataOffset = view.getUint32(16, true);
  const header = JSON.parse(new TextDecoder().decode(bytes.subarray(32, 32 + headerLength)));
  edit(header);
  const json = new TextEncoder().encode(JSON.stringify(header));
  const data = bytes.subarray(dataOffset);
  const newOffset = Math.ceil((32 + json.length) / 16) * 16;
  const out = new Uint8Array(newOffset + data.length);
  out.set(bytes.subarray(0, 32));
  out.set(json, 32);
  out.set(data, newOffset);
  const outView = new DataView(out.buffer);
  outView.setUint32(12, json.length, true);
  outView.setUint32(16, newOffset, true);
  return out;
}

describe('weights format', () => {
  it('reads the golden file: header, shapes, and every value', () => {
    const w = readWeights(golden);
    expect(w.architecture).toEqual(TINY_ARCHITECTURE);
    expect(w.thresholds).toEqual({ 'far_1e-2': 0.5, 'far_1e-3': 0.75 });
    expectedTensors(TINY_ARCHITECTURE).forEach((spec, k) => {
      const t = w.tensors.get(spec.name)!;
      expect(t.length).toBe(spec.shape.reduce((a, b) => a * b, 1));
      t.forEach((v, i) => expect(v).toBe(Math.fround(k + i / 1000)));
    });
  });

  it('writes the golden file back byte for byte', () => {
    expect(writeWeights(readWeights(golden))).toEqual(golden);
  });

  it('round-trips random weights of the default architecture', () => {
    const original = randomWeights(7);
    const back = readWeights(writeWeights(original));
    expect(back.architecture).toEqual(DEFAULT_ARCHITECTURE);
    expect(back.provenance).toEqual(original.provenance);
    for (const [name, t] of original.tensors) expect(back.tensors.get(name)).toEqual(t);
  });

  it('keeps the default architecture within 190k–240k parameters', () => {
    expect(parameterCount(DEFAULT_ARCHITECTURE)).toBeGreaterThanOrEqual(190_000);
    expect(parameterCount(DEFAULT_ARCHITECTURE)).toBeLessThanOrEqual(240_000);
  });

  it('reads f16 tensors', () => {
    // Re-encode stem.bias as f16 by hand: 1.5 = 0x3e00, -2 = 0xc000, 2^-24 (smallest subnormal) = 0x0001.
    const w = readWeights(golden);
    const stemBias = w.tensors.get('stem.bias')!;
    expect(stemBias.length).toBe(4);
    const edited = withHeader(golden, (h) => {
      const entry = h.tensors.find((t: { name: string }) => t.name === 'stem.bias');
      entry.dtype = 'f16';
    });
    const view = new DataView(edited.buffer);
    const dataOffset = view.getUint32(16, true);
    const entryOffset = JSON.parse(new TextDecoder().decode(edited.subarray(32, 32 + view.getUint32(12, true)))).tensors.find((t: { name: string }) => t.name === 'stem.bias').offset;
    [0x3e00, 0xc000, 0x0001, 0x7bff].forEach((h, i) => view.setUint16(dataOffset + entryOffset + i * 2, h, true));
    // The data changed, so fix the CRC the way a writer would.
    view.setUint32(24, CRC32.buf(edited.subarray(dataOffset)) >>> 0, true);
    expect(Array.from(readWeights(edited).tensors.get('stem.bias')!)).toEqual([1.5, -2, 2 ** -24, 65504]);
  });

  describe('rejects corrupt files with a typed error', () => {
    it('truncated', () => {
      expectFormatError(golden.subarray(0, 20), 'truncated');
      expectFormatError(golden.subarray(0, golden.length - 1), 'truncated');
    });
    it('trailing bytes', () => expectFormatError(new Uint8Array([...golden, 0]), 'trailing-bytes'));
    it('wrong magic', () => {
      const bad = golden.slice();
      bad[0] = 0x58;
      expectFormatError(bad, 'bad-magic', /BRIDGEFW/);
    });
    it('unsupported version', () => {
      const bad = golden.slice();
      new DataView(bad.buffer).setUint32(8, 2, true);
      expectFormatError(bad, 'unsupported-version', /version 2/);
    });
    it('bad checksum', () => {
      const bad = golden.slice();
      bad[bad.length - 3] ^= 0xff;
      expectFormatError(bad, 'checksum-mismatch');
    });
    it('header that is not JSON', () => {
      const bad = golden.slice();
      bad[32] = 0x7d;
      expectFormatError(bad, 'bad-header');
    });
    it('tensor shape that disagrees with the architecture', () => {
      const bad = withHeader(golden, (h) => (h.architecture.stem.channels = 5));
      expectFormatError(bad, 'shape-mismatch', /stem\.weight/);
    });
    it('missing and unexpected tensors', () => {
      expectFormatError(withHeader(golden, (h) => (h.tensors = h.tensors.filter((t: { name: string }) => t.name !== 'fc.bias'))), 'missing-tensor', /fc\.bias/);
      const dataLength = new DataView(golden.buffer, golden.byteOffset).getUint32(20, true);
      const extra = { name: 'extra', dtype: 'f32', shape: [0], offset: dataLength };
      expectFormatError(withHeader(golden, (h) => h.tensors.push(extra)), 'unexpected-tensor', /extra/);
    });
    it('tensor running past the data or overlapping another', () => {
      expectFormatError(withHeader(golden, (h) => (h.tensors[0].offset = 1 << 20)), 'bad-tensor-table', /runs past/);
      expectFormatError(withHeader(golden, (h) => (h.tensors[1].offset = h.tensors[0].offset)), 'bad-tensor-table', /overlaps/);
      expectFormatError(withHeader(golden, (h) => (h.tensors[1].dtype = 'f64')), 'bad-tensor-table', /dtype/);
    });
    it('an architecture the runtime cannot run', () => {
      expectFormatError(withHeader(golden, (h) => (h.architecture.pooling = 'max')), 'unsupported-architecture', /pooling/);
      expectFormatError(withHeader(golden, (h) => (h.architecture.blocks[0].residual = true)), 'unsupported-architecture', /residual/);
      expectFormatError(withHeader(golden, (h) => (h.architecture.stem.stride = 3)), 'unsupported-architecture', /stride/);
      expectFormatError(withHeader(golden, (h) => delete h.architecture), 'unsupported-architecture');
    });
  });
});
