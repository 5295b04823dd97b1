/** backend: 'auto' — software adapters go to the CPU with a reason; otherwise the timed probe picks the faster backend. */
import { describe, expect, it } from 'vitest';
import { probe } from '../src/api/backend-choice.js';
import { createRecognizer } from '../src/api/recognizer.js';
import { DEFAULT_ARCHITECTURE } from '../src/model/architecture.js';
import { buildNetwork } from '../src/model/network.js';
import { randomWeights } from '../src/model/random-weights.js';
import { writeWeights } from '../src/model/weights-format.js';
import type { Backend } from '../src/runtime/backend.js';
import { acquireDevice } from '../src/runtime/gpu/device.js';

/** A backend that takes `ms` per call and counts its calls. */
function fake(kind: 'cpu' | 'webgpu', ms: number): Backend & { calls: number } {
  return {
    kind,
    adapter: `fake ${kind}`,
    calls: 0,
    async embedTensor(_input, count) {
      this.calls++;
      await new Promise((r) => setTimeout(r, ms));
      return new Float32Array(count * 128);
    },
    embedImages: () => Promise.reject(new Error('unused')),
    gpuBufferBytes: () => 0,
    dispose() {},
  };
}

describe("backend: 'auto'", () => {
  const model = {
    network: buildNetwork({ architecture: DEFAULT_ARCHITECTURE }),
    input: { mean: [0, 0, 0], std: [1, 1, 1], resize: 'area' },
    tensors: new Map(),
  } as never;

  for (const [slow, fast] of [
    ['webgpu', 'cpu'],
    ['cpu', 'webgpu'],
  ] as const) {
    it(`the probe picks the faster backend (${fast}) after timing both in alternation`, async () => {
      const backends = { [slow]: fake(slow, 40), [fast]: fake(fast, 2) } as Record<
        'cpu' | 'webgpu',
        ReturnType<typeof fake>
      >;
      const verdict = await probe(model, backends.webgpu, backends.cpu);
      expect(verdict.kind).toBe(fast);
      expect(verdict.why).toMatch(/timed probe \(16 faces\): CPU [\d.]+ ms, WebGPU [\d.]+ ms/);
      expect(backends.cpu.calls).toBe(4);
      expect(backends.webgpu.calls).toBe(4);
    });
  }

  it('the probe stops after the warm-up when a call exceeds its time budget', async () => {
    const [gpu, cpu] = [fake('webgpu', 1100), fake('cpu', 1)];
    expect((await probe(model, gpu, cpu)).kind).toBe('cpu');
    expect([gpu.calls, cpu.calls]).toEqual([1, 1]);
  });

  it('a software adapter (or none) sends auto to the CPU, saying why', async () => {
    const adapter = await acquireDevice().catch(() => undefined);
    adapter?.device.destroy();
    if (adapter && /swiftshader|llvmpipe/i.test(adapter.adapter)) expect(adapter.software).toBeDefined();
    const rec = await createRecognizer({ backend: 'auto', weights: writeWeights(randomWeights(4)) });
    if (!adapter) expect(rec.info.fallbackReason).toMatch(/no WebGPU adapter/);
    else if (adapter.software) {
      expect(rec.info.backend).toBe('cpu');
      expect(rec.info.fallbackReason).toContain(adapter.software);
    } else if (rec.info.backend === 'cpu') expect(rec.info.fallbackReason).toMatch(/timed probe/);
    else expect(rec.info.fallbackReason).toBeUndefined();
    rec.dispose();
  });
});
