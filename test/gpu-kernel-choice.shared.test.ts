/**
 * The WebGPU backend's timed choice among kernel variants (runtime/gpu/kernel-choice.ts), on every adapter here:
 * each layer runs one of the kernels that fit it with the same weight packing, and the network embeds like the
 * CPU whichever were picked. Which one wins is a timing, never asserted, so every variant of every layer is also
 * run in whole networks against the plain reference ops.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createRecognizer } from '../src/api/recognizer.js';
import { DEFAULT_ARCHITECTURE } from '../src/model/architecture.js';
import { buildNetwork } from '../src/model/network.js';
import { randomWeights } from '../src/model/random-weights.js';
import { readWeights, writeWeights } from '../src/model/weights-format.js';
import { referenceRun } from '../src/runtime/cpu/reference-run.js';
import { WebGpuBackend } from '../src/runtime/gpu/backend.js';
import { kernelCandidates, kernelFor } from '../src/runtime/gpu/kernels.js';
import { type GpuContext, featureLevel, openGpu, runNetwork } from './support/gpu-harness.js';
import { cosine, randomFloats, randomImage, seededRandom } from './support/random.js';
import { IR_ARCHITECTURE, TINY_IR_ARCHITECTURE } from './support/tiny-arch.js';

const random = seededRandom(31);

describe('kernel variants timed at load', () => {
  const bytes = writeWeights(randomWeights(6));
  const weights = readWeights(bytes);
  const network = buildNetwork(weights);
  const model = { network, input: weights.input, tensors: weights.tensors };

  it('the default network has layers with more than one candidate, all packed alike', () => {
    const multi = network.layers.filter((l) => kernelCandidates(l).length > 1);
    expect(multi.length).toBeGreaterThan(0);
    for (const l of network.layers) {
      const c = kernelCandidates(l);
      expect(c[0]).toBe(kernelFor(l));
      expect(new Set(c.map((k) => k.weightLayout)).size).toBe(1);
    }
  });

  it('timed: every layer runs one of its candidates, and the network embeds like the CPU', async () => {
    const gpu = await WebGpuBackend.create(model, { featureLevel: featureLevel(), timeKernels: true });
    gpu.kernelNames.forEach((name, i) =>
      expect(kernelCandidates(network.layers[i]).map((k) => k.name)).toContain(name),
    );
    const faces = Array.from({ length: 5 }, () => randomImage(random, 20 + Math.floor(random() * 20), 24));
    const cpu = await createRecognizer({ backend: 'cpu', weights: bytes, cpu: { threads: 1 } });
    const [a, b] = [await gpu.embedImages(faces), await cpu.embed(faces)];
    b.forEach((e, i) => expect(cosine(a.subarray(i * 128, (i + 1) * 128), e)).toBeGreaterThanOrEqual(0.99999));
    gpu.dispose();
    cpu.dispose();
  });

  it('software adapters keep the table order without timing', async () => {
    const gpu = await WebGpuBackend.create(model, { featureLevel: featureLevel() });
    if (gpu.software) expect(gpu.kernelNames).toEqual(network.layers.map((l) => kernelFor(l).name));
    gpu.dispose();
  });
});

describe('every kernel variant of every layer, in whole networks, against the reference ops', () => {
  let gpu: GpuContext;
  beforeAll(async () => {
    gpu = await openGpu();
  });
  afterAll(() => gpu?.device.destroy());

  for (const [name, architecture] of [
    ['default', DEFAULT_ARCHITECTURE],
    ['inverted residual + head', IR_ARCHITECTURE],
    ['inverted residual down to 1×1 maps + head', TINY_IR_ARCHITECTURE],
  ] as const) {
    it(`${name} architecture`, async () => {
      const weights = randomWeights(8, architecture);
      const network = buildNetwork(weights);
      const candidates = network.layers.map(kernelCandidates);
      const batch = 3;
      const input = randomFloats(random, batch * network.tensorSizes[0]);
      const expected = referenceRun(network, weights.tensors, input, batch);
      const d = network.tensorSizes[network.output];
      // Round k runs each layer's k-th candidate (its last where it has fewer), as the timing at load does.
      const rounds = Math.max(...candidates.map((c) => c.length));
      expect(rounds).toBeGreaterThan(1);
      for (let k = 0; k < rounds; k++) {
        const kernels = candidates.map((c) => c[Math.min(k, c.length - 1)]);
        const actual = await runNetwork(gpu, network, weights.tensors, input, batch, kernels);
        for (let i = 0; i < batch; i++) {
          const [a, e] = [actual.subarray(i * d, (i + 1) * d), expected.subarray(i * d, (i + 1) * d)];
          expect(cosine(a, e), `round ${k}, face ${i}`).toBeGreaterThanOrEqual(0.99999);
        }
      }
    });
  }
});
