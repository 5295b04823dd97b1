import { describe, expect, it } from 'vitest';
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
      for (const m of await g.search(q, 10)) worst = Math.max(worst, Math.abs(m.similarity - cosine(q, rows[Number(m.label)])));
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
    const corrupt = bytes.slice();
    corrupt[corrupt.length - 1] ^= 1;
    expect(() => Gallery.load(corrupt)).toThrow(GalleryFormatError);
    expect(() => Gallery.load(bytes.slice(0, 40))).toThrow(/truncated/);
    expect(() => Gallery.load(new Uint8Array(64))).toThrow(/bad-magic/);
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
    expect(() => g.searchMany([randomFloats(random, 128)], 0)).toThrow(InputError);
  });
});
