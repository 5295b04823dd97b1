/**
 * Whole-network parity: the WebGPU backend and the CPU backend embed the same faces with the same random
 * weights; every embedding pair must agree to cosine ≥ 0.99999.
 */
import { afterAll, describe, expect, it } from 'vitest';
import { type Recognizer, createRecognizer } from '../src/api/recognizer.js';
import { type Architecture, DEFAULT_ARCHITECTURE } from '../src/model/architecture.js';
import { randomWeights } from '../src/model/random-weights.js';
import { writeWeights } from '../src/model/weights-format.js';
import type { RgbaImage } from '../src/runtime/image.js';
import { featureLevel } from './support/gpu-harness.js';
import { cosine, randomFloats, randomImage, seededRandom } from './support/random.js';
import { IR_ARCHITECTURE, TINY_ARCHITECTURE, TINY_IR_ARCHITECTURE } from './support/tiny-arch.js';

const random = seededRandom(99);
const open: Recognizer[] = [];
afterAll(() => open.forEach((r) => r.dispose()));

async function pair(architecture: Architecture, seed: number, batchCapacity?: number) {
  const weights = writeWeights(randomWeights(seed, architecture));
  const cpu = await createRecognizer({ backend: 'cpu', weights });
  const gpu = await createRecognizer({
    backend: 'webgpu',
    weights,
    webgpu: { featureLevel: featureLevel(), batchCapacity },
  });
  open.push(cpu, gpu);
  return { cpu, gpu };
}

/** Faces of assorted sizes, some with a face box (fractional, or partly outside the image). */
function faces(count: number): RgbaImage[] {
  return Array.from({ length: count }, (_, i) => {
    const image = randomImage(random, 8 + Math.floor(random() * 40), 8 + Math.floor(random() * 40));
    if (i % 3 === 1)
      image.box = { x: image.width * 0.1, y: -1.5, width: image.width * 0.85, height: image.height * 0.7 };
    return image;
  });
}

function expectParity(a: Float32Array[], b: Float32Array[]) {
  expect(a.length).toBe(b.length);
  const worst = Math.min(...a.map((x, i) => cosine(x, b[i])));
  expect(worst).toBeGreaterThanOrEqual(0.99999);
  return worst;
}

describe('whole-network parity, WebGPU vs CPU', () => {
  it('default architecture: 64 RGBA faces of mixed sizes', async () => {
    const { cpu, gpu } = await pair(DEFAULT_ARCHITECTURE, 1);
    const batch = faces(64);
    const worst = expectParity(await gpu.embed(batch), await cpu.embed(batch));
    console.log(`64 faces on ${gpu.info.adapter}: worst cosine ${worst.toFixed(8)}`);
  });

  it('default architecture: preprocessed float tensor input, batch 1 and 5', async () => {
    const { cpu, gpu } = await pair(DEFAULT_ARCHITECTURE, 2);
    for (const n of [1, 5]) {
      const tensor = randomFloats(random, n * 3 * 32 * 32);
      expectParity(await gpu.embed(tensor), await cpu.embed(tensor));
    }
  });

  it('variant architecture (ReLU, stride-2 stem, 9×9 input, average pooling)', async () => {
    const { cpu, gpu } = await pair(TINY_ARCHITECTURE, 3);
    const batch = faces(20);
    expectParity(await gpu.embed(batch), await cpu.embed(batch));
  });

  for (const [name, architecture] of [
    ['inverted-residual blocks and a head (PReLU, 16×16 input, gdc)', IR_ARCHITECTURE],
    ['inverted-residual blocks down to 1×1 maps and a head (ReLU, 9×9 input, average pooling)', TINY_IR_ARCHITECTURE],
  ] as const) {
    it(`variant architecture: ${name}`, async () => {
      const { cpu, gpu } = await pair(architecture, 6);
      const batch = faces(20);
      expectParity(await gpu.embed(batch), await cpu.embed(batch));
    });
  }

  it('batches larger than the batch capacity are split and stay in order', async () => {
    const { cpu, gpu } = await pair(TINY_ARCHITECTURE, 4, 8);
    const batch = faces(27);
    const [split, reference] = [await gpu.embed(batch), await cpu.embed(batch)];
    expectParity(split, reference);
    // Each face alone gives the same embedding as inside the batch.
    expectParity(await gpu.embed([batch[26]]), [reference[26]]);
  });

  it('gives unit-length embeddings that differ between faces', async () => {
    const { gpu } = await pair(DEFAULT_ARCHITECTURE, 5);
    const [a, b] = await gpu.embed(faces(2));
    expect(Math.hypot(...a)).toBeCloseTo(1, 5);
    expect(cosine(a, b)).toBeLessThan(0.9999);
  });
});
