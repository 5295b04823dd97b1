import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { createRecognizer } from '../src/api/recognizer.js';
import { DEFAULT_ARCHITECTURE } from '../src/model/architecture.js';
import { randomWeights } from '../src/model/random-weights.js';
import { writeWeights } from '../src/model/weights-format.js';
import { pointwise } from '../src/runtime/cpu/pointwise.js';
import { SimdKernels } from '../src/runtime/cpu/simd.js';
import { conv2d } from '../src/runtime/cpu/conv.js';
import { ACT } from '../src/model/network.js';
import { assemble } from '../scripts/build-wasm.js';
import { cosine, randomFloats, randomImage, relativeError, seededRandom } from './support/random.js';
import { TINY_ARCHITECTURE } from './support/tiny-arch.js';

const random = seededRandom(21);

describe('WebAssembly SIMD kernels', () => {
  it('the committed module is assembled from the current kernels.wat', async () => {
    const committed = readFileSync(new URL('../src/runtime/cpu/wasm/kernels-module.ts', import.meta.url), 'utf8');
    expect(committed).toBe(await assemble());
  });

  for (const [name, act, withResidual] of [['none', ACT.none, false], ['ReLU', ACT.relu, true], ['PReLU + residual', ACT.prelu, true]] as const) {
    it(`pointwise matches the JavaScript reference op (${name}; 3 faces, 24→12 channels, 16 pixels)`, () => {
      const simd = SimdKernels.create()!;
      expect(simd).toBeDefined();
      const [batch, C, O, P] = [3, 24, 12, 16];
      const [w, b, a, x] = [randomFloats(random, O * C), randomFloats(random, O), randomFloats(random, O), randomFloats(random, batch * C * P)];
      const residual = withResidual ? randomFloats(random, batch * O * P) : undefined;
      const expected = new Float32Array(batch * O * P);
      pointwise({ batch, inChannels: C, outChannels: O, pixels: P, act }, x, w, b, a, residual, expected);
      const actual = new Float32Array(batch * O * P);
      simd.pointwise(simd.addMatrix(w, b, O, C, act, a), batch, P, x, actual, residual);
      expect(relativeError(actual, expected)).toBeLessThan(1e-5);
    });
  }

  for (const stride of [1, 2]) {
    it(`depthwise 3×3 + PReLU matches the JavaScript reference op (stride ${stride}, 2 faces, 5 channels, 8×8 out)`, () => {
      const simd = SimdKernels.create()!;
      const [batch, C, outSize] = [2, 5, 8];
      const inSize = stride === 1 ? 8 : 16;
      const [w, b, a, x] = [randomFloats(random, C * 9), randomFloats(random, C), randomFloats(random, C), randomFloats(random, batch * C * inSize * inSize)];
      const expected = new Float32Array(batch * C * outSize * outSize);
      conv2d({ batch, inChannels: C, outChannels: C, inSize, outSize, kernel: 3, stride, pad: 1, act: ACT.prelu, groups: C }, x, w, b, a, expected);
      const actual = new Float32Array(expected.length);
      simd.depthwise(simd.addDepthwise(w, b, C, ACT.prelu, a), batch, inSize, outSize, stride, x, actual);
      expect(relativeError(actual, expected)).toBeLessThan(1e-5);
    });
  }

  it('dense 3×3 stem (stride 1) + PReLU matches the JavaScript reference op (2 faces, 3→8 channels, 16×16)', () => {
    const simd = SimdKernels.create()!;
    const [batch, C, O, size] = [2, 3, 8, 16];
    const [w, b, a, x] = [randomFloats(random, O * C * 9), randomFloats(random, O), randomFloats(random, O), randomFloats(random, batch * C * size * size)];
    const expected = new Float32Array(batch * O * size * size);
    conv2d({ batch, inChannels: C, outChannels: O, inSize: size, outSize: size, kernel: 3, stride: 1, pad: 1, act: ACT.prelu, groups: 1 }, x, w, b, a, expected);
    const actual = new Float32Array(expected.length);
    simd.conv3x3(simd.addMatrix(w, b, O, C * 9, ACT.prelu, a), batch, C, size, x, actual);
    expect(relativeError(actual, expected)).toBeLessThan(1e-5);
  });

  it('batches past one 64-face chunk stay in order and match single-face runs', async () => {
    const rec = await createRecognizer({ backend: 'cpu', weights: writeWeights(randomWeights(12)) });
    const faces = Array.from({ length: 70 }, () => randomImage(random, 16, 16));
    const batch = await rec.embed(faces);
    for (const i of [0, 63, 64, 69]) expect(cosine(batch[i], (await rec.embed([faces[i]]))[0])).toBeGreaterThan(0.999999);
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
