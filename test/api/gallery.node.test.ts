import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { BFG, jsonHeader, replaceJson, reseal } from '../../fuzz/mutate.js';
import { Gallery } from '../../src/api/gallery.js';
import { GalleryFormatError, InputError } from '../../src/errors.js';
import { cosine, randomFloats, seededRandom } from '../support/random.js';

const random = seededRandom(3);
const unit = (v: Float32Array) => {
  const n = Math.hypot(...v);
  return v.map((x) => x / n);
};

describe('Gallery (CPU)', () => {
  it('ranks labels by their best embedding, and returns every label when k exceeds them', async () => {
    const g = new Gallery();
    const people = Array.from({ length: 30 }, () => unit(randomFloats(random, 128)));
    people.forEach((p, i) => g.add(`person${i}`, [p, unit(p.map((v) => v + (random() - 0.5) * 0.05))]));
    expect(g.size).toBe(30);
    expect(g.rows).toBe(60);
    const query = unit(people[7].map((v) => v + (random() - 0.5) * 0.02));
    const hits = await g.search(query, 5);
    expect(hits).toHaveLength(5);
    expect(hits[0].label).toBe('person7');
    expect(new Set(hits.map((h) => h.label)).size).toBe(5);
    for (let i = 1; i < hits.length; i++) expect(hits[i].similarity).toBeLessThanOrEqual(hits[i - 1].similarity);
    expect(Math.abs(hits[0].similarity - Math.max(cosine(query, people[7])))).toBeLessThan(0.05);
    expect(await g.search(query, 100)).toHaveLength(30);
  });

  it('quantised cosine is within 0.005 of f32 on 2,000 random pairs', async () => {
    let worst = 0;
    for (let t = 0; t < 200; t++) {
      const g = new Gallery();
      const rows = Array.from({ length: 10 }, () => randomFloats(random, 128));
      rows.forEach((r, i) => g.add(String(i), r));
      const q = randomFloats(random, 128);
      for (const m of await g.search(q, 10))
        worst = Math.max(worst, Math.abs(m.similarity - cosine(q, rows[Number(m.label)])));
    }
    console.log(`int8 gallery: worst |quantised − f32 cosine| over 2,000 pairs = ${worst.toFixed(5)}`);
    expect(worst).toBeLessThan(0.005);
  });

  it('saves and loads a compact binary; corrupt files give GalleryFormatError', async () => {
    const g = new Gallery();
    const a = randomFloats(random, 128);
    g.add('alice', [a, randomFloats(random, 128)]);
    g.add('bob', randomFloats(random, 128));
    g.add('carol', randomFloats(random, 128));
    g.remove('bob');
    const bytes = g.save();
    expect(bytes.length).toBeLessThan(32 + 128 + 3 * 136); // fixed header + JSON header + 136 bytes per embedding
    const h = Gallery.load(bytes);
    expect(h.labels()).toEqual(['alice', 'carol']);
    expect(h.count('alice')).toBe(2);
    expect(await h.search(a, 2)).toEqual(await g.search(a, 2));
    // What readFileSync returns: a Buffer view at an offset into a larger pooled ArrayBuffer.
    const pool = new ArrayBuffer(bytes.length + 13);
    const buffer = Buffer.from(pool, 5, bytes.length);
    buffer.set(bytes);
    expect(await Gallery.load(buffer).search(a, 2)).toEqual(await g.search(a, 2));
    const corrupt = bytes.slice();
    corrupt[corrupt.length - 1] ^= 1;
    expect(() => Gallery.load(corrupt)).toThrow(GalleryFormatError);
    expect(formatCode(() => Gallery.load(bytes.slice(0, 40)))).toBe('truncated');
    expect(formatCode(() => Gallery.load(new Uint8Array(64)))).toBe('bad-magic');
    // Removing and enrolling a label again: listed once, last; saved once.
    h.remove('alice');
    h.add('alice', a);
    expect(h.labels()).toEqual(['carol', 'alice']);
    expect(Gallery.load(h.save()).labels()).toEqual(['carol', 'alice']);
    expect((await Gallery.load(h.save()).search(a, 1))[0].label).toBe('alice');
  });

  it('rejects bad input with typed errors', async () => {
    const g = new Gallery();
    const code = (f: () => unknown) => {
      try {
        f();
      } catch (e) {
        expect(e).toBeInstanceOf(InputError);
        return (e as InputError).code;
      }
      return 'no error';
    };
    expect(code(() => g.add('x', new Float32Array(64)))).toBe('bad-shape');
    expect(code(() => g.add('x', new Float32Array(128)))).toBe('bad-shape');
    expect(code(() => g.add('x', new Float32Array(128).fill(NaN)))).toBe('non-finite');
    expect(code(() => g.add('', randomFloats(random, 128)))).toBe('bad-option');
    expect(code(() => g.add('x', []))).toBe('empty-batch');
    expect(code(() => g.remove('nobody'))).toBe('unknown-label');
    expect(code(() => new Gallery({ search: 'gpu' as 'cpu' }))).toBe('bad-option');
    expect(await g.search(randomFloats(random, 128), 3)).toEqual([]);
    // searchMany never throws synchronously: bad arguments reject its promise.
    const rejected = async (work: () => Promise<unknown>) => {
      let promise: Promise<unknown> | undefined;
      expect(() => (promise = work())).not.toThrow();
      const error = await promise!.then(
        () => undefined,
        (e: unknown) => e,
      );
      expect(error).toBeInstanceOf(InputError);
      return (error as InputError).code;
    };
    expect(await rejected(() => g.searchMany([randomFloats(random, 128)], 0))).toBe('bad-option');
    expect(await rejected(() => g.searchMany([]))).toBe('empty-batch');
    expect(await rejected(() => g.searchMany('probe' as unknown as Float32Array[]))).toBe('empty-batch');
    expect(await rejected(() => g.searchMany([new Float32Array(128).fill(NaN)]))).toBe('non-finite');
    expect(await rejected(() => g.search(new Float32Array(127)))).toBe('bad-shape');
  });
});

function formatCode(f: () => unknown): string {
  try {
    f();
  } catch (e) {
    expect(e).toBeInstanceOf(GalleryFormatError);
    return (e as GalleryFormatError).code;
  }
  return 'no error';
}

/** A file's parts, to build mutants: the fixed header, the JSON header, then rows (label, scale, codes). */
function parts(bytes: Uint8Array) {
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const headerLength = view.getUint32(12, true);
  const n = view.getUint32(16, true);
  const body = 32 + Math.ceil(headerLength / 4) * 4;
  return { view, n, body };
}

const resealed = (bytes: Uint8Array) => reseal(bytes, BFG);

/** Edits the JSON header (same row data) and reseals. */
function withHeader(bytes: Uint8Array, edit: (h: Record<string, any>) => void): Uint8Array {
  const header = jsonHeader(bytes) as Record<string, any>;
  edit(header);
  return replaceHeader(bytes, header);
}

/** Replaces the JSON header with `value` (same row data) and reseals. */
function replaceHeader(bytes: Uint8Array, value: unknown): Uint8Array {
  return resealed(replaceJson(bytes, value, BFG));
}

describe('Gallery.load checks every value', () => {
  const g = new Gallery({ dim: 8 });
  g.add('a', [unit(randomFloats(random, 8)), unit(randomFloats(random, 8))]);
  g.add('b', unit(randomFloats(random, 8)));
  const good = g.save();
  const { n, body } = parts(good);
  const scaleAt = (r: number) => body + n * 4 + r * 4;
  const codeAt = (r: number, i: number) => body + n * 8 + r * 8 + i;
  const mutate = (edit: (b: Uint8Array, v: DataView) => void) => {
    const b = good.slice();
    edit(b, new DataView(b.buffer));
    return resealed(b);
  };

  it('writes version 2 and reads it back', () => {
    expect(parts(good).view.getUint32(8, true)).toBe(2);
    expect(Gallery.load(good).labels()).toEqual(['a', 'b']);
    expect(Gallery.load(good).warnings).toEqual([]);
  });

  it('version 2: any changed byte outside the checksum field is refused', () => {
    for (let i = 0; i < good.length; i++) {
      if (i >= 24 && i < 28) continue;
      const b = good.slice();
      b[i] ^= 0x10;
      expect(
        formatCode(() => Gallery.load(b)),
        `byte ${i}`,
      ).not.toBe('no error');
    }
  });

  it('a version 1 file (written by the version 1 writer) loads with a warning and searches the same', async () => {
    const v1 = new Uint8Array(readFileSync(new URL('../fixtures/gallery-v1.bfg', import.meta.url)));
    const h = Gallery.load(v1);
    expect(h.labels()).toEqual(['ada', 'cy', 'bo']);
    expect(h.count('ada')).toBe(2);
    expect(h.warnings).toHaveLength(1);
    expect(h.warnings[0]).toMatch(/version 1/);
    const probe = Float32Array.from({ length: 6 }, (_, i) => Math.sin(i));
    const hits = await h.search(probe, 3);
    expect(hits.map((m) => m.label)).toEqual(['ada', 'bo', 'cy']);
    expect(hits[0].similarity).toBeCloseTo(0.99558, 4);
    const again = Gallery.load(h.save());
    expect(again.warnings).toEqual([]);
    expect(await again.search(probe, 3)).toEqual(hits);
  });

  it('per-row scales must be positive and finite, and belong to their codes', () => {
    for (const bad of [NaN, Infinity, -Infinity, -0.01, 0]) {
      expect(
        formatCode(() => Gallery.load(mutate((_, v) => v.setFloat32(scaleAt(1), bad, true)))),
        `scale ${bad}`,
      ).toBe('bad-rows');
    }
    // A finite positive scale that is not the codes' own: similarities could exceed 1.
    const scaled = mutate((_, v) => v.setFloat32(scaleAt(0), v.getFloat32(scaleAt(0), true) * 2, true));
    expect(formatCode(() => Gallery.load(scaled))).toBe('bad-rows');
  });

  it('codes are in [-127, 127] with the largest at 127', () => {
    expect(formatCode(() => Gallery.load(mutate((b) => (b[codeAt(0, 3)] = 0x80))))).toBe('bad-rows');
    const flat = mutate((b) => b.fill(1, codeAt(2, 0), codeAt(2, 8)));
    expect(formatCode(() => Gallery.load(flat))).toBe('bad-rows');
  });

  it('labels: unique, non-empty strings, each owning a row; rows refer to listed labels', () => {
    expect(Gallery.load(withHeader(good, (h) => (h.labels = ['b', 'a']))).labels()).toEqual(['b', 'a']);
    expect(formatCode(() => Gallery.load(withHeader(good, (h) => (h.labels = ['a', 'a']))))).toBe('bad-header');
    expect(formatCode(() => Gallery.load(withHeader(good, (h) => (h.labels = ['a', '']))))).toBe('bad-header');
    expect(formatCode(() => Gallery.load(withHeader(good, (h) => (h.labels = ['a', 7]))))).toBe('bad-header');
    expect(formatCode(() => Gallery.load(withHeader(good, (h) => (h.labels = ['a', 'b', 'c']))))).toBe('bad-rows');
    expect(formatCode(() => Gallery.load(withHeader(good, (h) => (h.labels = ['a']))))).toBe('bad-rows');
    expect(formatCode(() => Gallery.load(mutate((_, v) => v.setUint32(body + 4, 9, true))))).toBe('bad-rows');
  });

  it('the header: a JSON object whose dim matches; dim in [1, 4096]', () => {
    expect(formatCode(() => Gallery.load(replaceHeader(good, null)))).toBe('bad-header');
    expect(formatCode(() => Gallery.load(replaceHeader(good, [1])))).toBe('bad-header');
    expect(formatCode(() => Gallery.load(withHeader(good, (h) => (h.dim = 9))))).toBe('bad-header');
    expect(Gallery.load(withHeader(good, (h) => (h.note = 'extra keys are ignored'))).labels()).toEqual(['a', 'b']);
    for (const dim of [0, 4097, 2 ** 31]) {
      expect(
        formatCode(() => Gallery.load(mutate((_, v) => v.setUint32(20, dim, true)))),
        `dim ${dim}`,
      ).toBe('bad-header');
    }
    expect(formatCode(() => Gallery.load(mutate((_, v) => v.setUint32(28, 5, true))))).toBe('bad-header');
    expect(() => Gallery.load('bfg' as unknown as Uint8Array)).toThrow(
      expect.objectContaining({ name: 'InputError', code: 'bad-shape' }),
    );
  });
});
