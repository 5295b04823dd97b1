import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { createRecognizer } from '../src/api/recognizer.js';
import { DEFAULT_ARCHITECTURE } from '../src/model/architecture.js';
import { randomWeights } from '../src/model/random-weights.js';
import { writeWeights } from '../src/model/weights-format.js';
import { pointwise } from '../src/runtime/cpu/pointwise.js';
import { SimdPointwise } from '../src/runtime/cpu/simd.js';
import { ACT } from '../src/model/network.js';
import { assemble } from '../scripts/build-wasm.js';
import { cosine, randomFloats, randomImage, relativeError, seededRandom } from './support/random.js';
import { TINY_ARCHITECTURE } from './support/tiny-arch.js';

const random = seededRandom(21);

describe('WebAssembly SIMD pointwise kernel', () => {
  it('the committed module is assembled from the current pointwise.wat', async () => {
    const committed = readFileSync(new URL('../src/runtime/cpu/wasm/pointwise-module.ts', import.meta.url), 'utf8');
    expect(committed).toBe(await assemble());
  });

  it('matches the JavaScript reference op (no activation, 3 faces, 24→12 channels, 16 pixels)', () => {
    const simd = SimdPointwise.create()!;
    expect(simd).toBeDefined();
    const [batch, C, O, P] = [3, 24, 12, 16];
    const [w, b, x] = [randomFloats(random, O * C), randomFloats(random, O), randomFloats(random, batch * C * P)];
    const expected = new Float32Array(batch * O * P);
    pointwise({ batch, inChannels: C, outChannels: O, pixels: P, act: ACT.none }, x, w, b, undefined, undefined, expected);
    const actual = new Float32Array(batch * O * P);
    simd.run(simd.addMatrix(w, b, O, C), batch, P, x, actual);
    expect(relativeError(actual, expected)).toBeLessThan(1e-5);
  });

  for (const [name, architecture] of [['default', DEFAULT_ARCHITECTURE], ['variant', TINY_ARCHITECTURE]] as const) {
    it(`CPU backend with SIMD embeds like the pure JavaScript backend (${name} architecture)`, async () => {
      const weights = writeWeights(randomWeights(9, architecture));
      const simd = await createRecognizer({ backend: 'cpu', weights });
      const js = await createRecognizer({ backend: 'cpu', weights, cpu: { simd: false } });
      expect(simd.info.adapter).toBe('WebAssembly SIMD (single thread)');
      expect(js.info.adapter).toBe('JavaScript (single thread)');
      const faces = Array.from({ length: 9 }, () => randomImage(random, 20 + Math.floor(random() * 30), 24));
      const [a, b] = [await simd.embed(faces), await js.embed(faces)];
      a.forEach((e, i) => expect(cosine(e, b[i])).toBeGreaterThanOrEqual(0.99999));
    });
  }
});
