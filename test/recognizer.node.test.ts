import { describe, expect, it } from 'vitest';
import { createRecognizer } from '../src/api/recognizer.js';
import { GpuError, InputError, WeightsFormatError } from '../src/errors.js';
import { randomWeights } from '../src/model/random-weights.js';
import { writeWeights } from '../src/model/weights-format.js';
import { MAX_BOX_EXTENT, MIN_BOX_SIDE, type RgbaImage } from '../src/runtime/image.js';
import { cosine, randomFloats, randomImage, seededRandom } from './support/random.js';

const random = seededRandom(5);
const weights = writeWeights(randomWeights(11));

async function expectInputError(work: Promise<unknown>, code: string) {
  const error = await work.then(
    () => undefined,
    (e: unknown) => e,
  );
  expect(error).toBeInstanceOf(InputError);
  expect((error as InputError).code).toBe(code);
}

describe('createRecognizer', () => {
  it('loads the shipped default weights and reports what it runs', async () => {
    const rec = await createRecognizer({ backend: 'cpu' });
    expect(rec.info).toMatchObject({ backend: 'cpu', inputSize: 32, embeddingDim: 128 });
    expect(rec.info.parameters).toBeGreaterThanOrEqual(190_000);
    expect(rec.info.parameters).toBeLessThanOrEqual(240_000);
    rec.dispose();
  });

  it('accepts weights as bytes, ArrayBuffer and path, and rejects a corrupt file with WeightsFormatError', async () => {
    const fromBuffer = await createRecognizer({ backend: 'cpu', weights: weights.slice().buffer });
    const face = [randomImage(random, 20, 20)];
    const fromPath = await createRecognizer({
      backend: 'cpu',
      weights: new URL('./fixtures/golden.bfw', import.meta.url).pathname,
    });
    expect(fromPath.info.inputSize).toBe(9);
    expect((await fromBuffer.embed(face))[0]).toHaveLength(128);
    const corrupt = weights.slice();
    corrupt[corrupt.length - 1] ^= 1;
    await expect(createRecognizer({ backend: 'cpu', weights: corrupt })).rejects.toBeInstanceOf(WeightsFormatError);
    await expect(createRecognizer({ backend: 'cpu', weights: '/nonexistent/student.bfw' })).rejects.toThrow(
      /cannot read weights/,
    );
  });

  // 'auto' itself (the CPU on these software adapters): test/backend-choice.shared.test.ts.
  it('WebGPU holds its buffers on the GPU and embeds like the CPU', async () => {
    const auto = await createRecognizer({ backend: 'webgpu', weights });
    const cpu = await createRecognizer({ backend: 'cpu', weights });
    expect(auto.info.backend).toBe('webgpu');
    expect(auto.info.adapter).toMatch(/\((core|compatibility)\)/);
    // Weights + 3 activation slots + input for 128 faces: several MB, and nothing on the CPU backend.
    expect(auto.gpuBufferBytes()).toBeGreaterThan(1_000_000);
    expect(cpu.gpuBufferBytes()).toBe(0);
    const faces = [randomImage(random, 32, 32), randomImage(random, 13, 17)];
    const [a, b] = [await auto.embed(faces), await cpu.embed(faces)];
    a.forEach((e, i) => expect(cosine(e, b[i])).toBeGreaterThanOrEqual(0.99999));
    auto.dispose();
  });

  it('rejects an unknown backend', async () => {
    await expectInputError(createRecognizer({ backend: 'tpu' as 'cpu', weights }), 'bad-option');
  });
});

describe('Dawn in Node: WebGPU and CPU embed the same 64 random faces', () => {
  it('cosine ≥ 0.99999 for each face', async () => {
    const gpu = await createRecognizer({ backend: 'webgpu', weights });
    const cpu = await createRecognizer({ backend: 'cpu', weights });
    const faces = Array.from({ length: 64 }, () =>
      randomImage(random, 16 + Math.floor(random() * 48), 16 + Math.floor(random() * 48)),
    );
    const [a, b] = [await gpu.embed(faces), await cpu.embed(faces)];
    const worst = Math.min(...a.map((e, i) => cosine(e, b[i])));
    console.log(`Dawn (${gpu.info.adapter}) vs CPU, 64 faces: worst cosine ${worst}`);
    expect(worst).toBeGreaterThanOrEqual(0.99999);
    gpu.dispose();
  });
});

describe('bad input gets a typed error and changes nothing', () => {
  for (const backend of ['cpu', 'webgpu'] as const) {
    it(`${backend}`, async () => {
      const rec = await createRecognizer({ backend, weights });
      const good = randomImage(random, 10, 10);
      const before = (await rec.embed([good]))[0];
      await expectInputError(rec.embed([]), 'empty-batch');
      await expectInputError(rec.embed(new Float32Array(0)), 'empty-batch');
      await expectInputError(rec.embed(new Float32Array(3 * 32 * 32 + 1)), 'bad-shape');
      const nan = new Float32Array(3 * 32 * 32);
      nan[17] = NaN;
      await expectInputError(rec.embed(nan), 'non-finite');
      await expectInputError(rec.embed([{ data: new Uint8Array(10), width: 2, height: 2 }]), 'bad-shape');
      await expectInputError(rec.embed([{ data: new Uint8Array(0), width: 0, height: 0 }]), 'bad-size');
      await expectInputError(rec.embed([{ data: new Uint8Array(16), width: -2, height: -2 }]), 'bad-size');
      await expectInputError(rec.embed([{ ...good, box: { x: 50, y: 0, width: 5, height: 5 } }]), 'bad-size');
      await expectInputError(rec.embed([{ ...good, box: { x: 0, y: 0, width: 0, height: 5 } }]), 'bad-size');
      await expectInputError(rec.embed('face' as unknown as Float32Array), 'bad-shape');
      expect(() => rec.similarity(before, new Float32Array(3))).toThrow(InputError);
      // A good call after all the rejected ones still gives the same answer.
      expect(cosine((await rec.embed([good]))[0], before)).toBeGreaterThan(0.999999);
      rec.dispose();
      await expectInputError(rec.embed([good]), 'disposed');
    });
  }
});

describe('images larger than one GPU storage binding', () => {
  it('are refused by the WebGPU backend with InputError, before any GPU work', async () => {
    const rec = await createRecognizer({ backend: 'webgpu', weights });
    // The device is created with a 128 MiB storage-binding limit; this image's RGBA is just over it.
    const side = Math.ceil(Math.sqrt((128 * 2 ** 20) / 4)) + 16;
    const huge = { data: new Uint8Array(side * side * 4), width: side, height: side };
    await expectInputError(rec.embed([huge]), 'bad-size');
    expect((await rec.embed([randomImage(random, 8, 8)]))[0]).toHaveLength(128);
    rec.dispose();
  });
});

describe('similarity', () => {
  const vector = (...head: number[]) => {
    const v = new Float32Array(128);
    v.set(head);
    return v;
  };

  it('is the cosine of two embeddings', async () => {
    const rec = await createRecognizer({ backend: 'cpu', weights });
    const a = vector(1, 0, 0);
    expect(rec.similarity(a, vector(0, 2, 0))).toBe(0);
    expect(rec.similarity(a, vector(3, 0, 0))).toBeCloseTo(1, 10);
    expect(rec.similarity(a, vector(-1, 1, 0))).toBeCloseTo(-Math.SQRT1_2, 10);
  });

  it('similarity and verify reject NaN, all-zero and wrong-length vectors with InputError', async () => {
    const rec = await createRecognizer({ backend: 'cpu' }); // the shipped, calibrated weights: verify can decide
    const good = vector(1, 2, 3);
    expect((await rec.verify(good, good, { size: 'hr' })).match).toBe(true);
    const cases: Array<[Float32Array, string]> = [
      [vector(NaN, 1), 'non-finite'],
      [vector(Infinity), 'non-finite'],
      [vector(), 'bad-shape'],
      [Float32Array.from([1, 2, 3]), 'bad-shape'],
      [new Float32Array(129).fill(1), 'bad-shape'],
    ];
    for (const [bad, code] of cases) {
      for (const [a, b] of [
        [good, bad],
        [bad, good],
      ]) {
        let error: unknown;
        try {
          rec.similarity(a, b);
        } catch (e) {
          error = e;
        }
        expect(error).toBeInstanceOf(InputError);
        expect((error as InputError).code).toBe(code);
        // verify (and identify) check the embeddings the same way.
        await expectInputError(rec.verify(a, b, { size: 'hr' }), code);
      }
    }
  });
});

describe('embed input checks', () => {
  it('a sparse array is rejected (map() would skip its holes), on both backends', async () => {
    for (const backend of ['cpu', 'webgpu'] as const) {
      const rec = await createRecognizer({ backend, weights });
      const face = randomImage(random, 12, 12);
      // biome-ignore lint/suspicious/noSparseArray: the hole is the point
      await expectInputError(rec.embed([face, , face] as RgbaImage[]), 'bad-shape');
      await expectInputError(rec.embed(new Array(2)), 'bad-shape');
      rec.dispose();
    }
  });

  it('dispose() while WebGPU calls are in flight rejects them with InputError("disposed")', async () => {
    const rec = await createRecognizer({ backend: 'webgpu', weights });
    const faces = Array.from({ length: 8 }, () => randomImage(random, 24, 24));
    const calls = [rec.embed(faces), rec.embed(faces), rec.embed(new Float32Array(3 * 32 * 32))];
    rec.dispose();
    for (const call of calls) await expectInputError(call, 'disposed');
  });
});

describe('device loss', () => {
  it('surfaces as GpuError and a new recognizer works afterwards', async () => {
    const rec = await createRecognizer({ backend: 'webgpu', weights });
    const face = [randomImage(random, 12, 12)];
    const before = (await rec.embed(face))[0];
    // Simulate the loss the way a driver reset would look to us.
    (rec as unknown as { backend: { device: GPUDevice } }).backend.device.destroy();
    await new Promise((r) => setTimeout(r, 50));
    const error = await rec.embed(face).then(
      () => undefined,
      (e: unknown) => e,
    );
    expect(error).toBeInstanceOf(GpuError);
    expect((error as GpuError).code).toBe('device-lost');
    const again = await createRecognizer({ backend: 'webgpu', weights });
    expect(cosine((await again.embed(face))[0], before)).toBeGreaterThan(0.99999);
    again.dispose();
  });
});

describe('face boxes far larger than the image (issue 13)', () => {
  it('cost what the image costs and give the same face on WebGPU and the CPU; beyond 2^24 px or under 1 px they are bad-size', async () => {
    const gpu = await createRecognizer({ backend: 'webgpu', weights });
    const cpu = await createRecognizer({ backend: 'cpu', weights });
    const image = randomImage(random, 16, 16);
    const boxes = [
      { x: -10_000, y: -10_000, width: 20_016, height: 20_016 },
      { x: -1e6, y: 4, width: 2e6, height: 8 },
      { x: -MAX_BOX_EXTENT / 2, y: -MAX_BOX_EXTENT / 2, width: MAX_BOX_EXTENT, height: MAX_BOX_EXTENT },
      { x: 7.3, y: 2.6, width: MIN_BOX_SIDE, height: MIN_BOX_SIDE },
    ];
    const faces = boxes.map((box) => ({ ...image, box }));
    const [a, b] = [await gpu.embed(faces), await cpu.embed(faces)];
    a.forEach((e, i) => expect(cosine(e, b[i])).toBeGreaterThanOrEqual(0.99999));
    for (const rec of [gpu, cpu]) {
      for (const box of [
        { x: 0, y: 0, width: 1e300, height: 1e300 },
        { x: -MAX_BOX_EXTENT - 2, y: 0, width: MAX_BOX_EXTENT + 8, height: 8 },
        // Found by `npm run fuzz -- --seed 1 --targets api --only 4522`: sub-pixel sides lost in f32 on WebGPU.
        { x: 3, y: 3, width: 1e-5, height: 4 },
        { x: 3, y: 3, width: 4, height: 1e-300 },
      ]) {
        await expectInputError(rec.embed([{ ...image, box }]), 'bad-size');
      }
      await expectInputError(rec.embed([{ ...image, box: null as unknown as undefined }]), 'bad-size');
      rec.dispose();
    }
  });
});

describe('embeddings whose squared norm overflows f32 (issue 13: l2norm.wgsl scales by the max first)', () => {
  it('are unit vectors on WebGPU as on the CPU, for tensor inputs up to 1e30 with the shipped weights', async () => {
    const gpu = await createRecognizer({ backend: 'webgpu' });
    const cpu = await createRecognizer({ backend: 'cpu' });
    const base = randomFloats(random, 3 * 32 * 32, 2);
    for (const scale of [1e20, 1e30]) {
      const tensor = base.map((v) => v * scale);
      const [[a], [b]] = [await gpu.embed(tensor), await cpu.embed(tensor)];
      expect(Math.hypot(...a)).toBeCloseTo(1, 5);
      expect(cosine(a, b)).toBeGreaterThanOrEqual(0.99999);
    }
    gpu.dispose();
    cpu.dispose();
  });
});
