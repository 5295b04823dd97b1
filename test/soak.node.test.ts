/**
 * Long-running services (issue 13): disposing a WebGPU recognizer releases its native memory, and a failed
 * createRecognizer releases the device it acquired. The small create/dispose soak runs in `npm test`; the large
 * one (200 cycles, and 100,000 faces through one recognizer) is `npm run soak` (scripts/soak.ts).
 */
import { afterEach, describe, expect, it, vi } from 'vitest';
import { createDisposeSoak } from '../scripts/soak.js';
import { Gallery } from '../src/api/gallery.js';
import { createRecognizer } from '../src/api/recognizer.js';
import { GpuError } from '../src/errors.js';
import { randomWeights } from '../src/model/random-weights.js';
import { writeWeights } from '../src/model/weights-format.js';
import { acquireDevice, buildOnDevice } from '../src/runtime/gpu/device.js';
import { GpuSearch } from '../src/runtime/gpu/similarity-topk.js';

const weights = writeWeights(randomWeights(3));

afterEach(() => vi.restoreAllMocks());

describe('WebGPU recognizer create/embed/dispose', () => {
  it('grows RSS by at most 3 MiB per cycle over 12 cycles (a leaked device is ~30 MiB)', async () => {
    // Mesa llvmpipe (Dawn's OpenGL ES backend) creates recognizers ~20× faster than SwiftShader and leaked alike.
    const r = await createDisposeSoak({
      backend: 'webgpu',
      webgpu: { featureLevel: 'compatibility' },
      cycles: 12,
      weights,
    });
    console.log(
      `create/dispose ×${r.cycles} on ${r.adapter}: ${r.startRss.toFixed(1)} → ${r.endRss.toFixed(1)} MiB, ${r.mbPerCycle.toFixed(2)} MiB/cycle`,
    );
    expect(r.mbPerCycle).toBeLessThanOrEqual(3);
    // Allocator noise and one-off growth aside (30 MiB), the total stays within the per-cycle bound too.
    expect(r.endRss - r.startRss).toBeLessThanOrEqual(3 * r.cycles + 30);
  });

  it('removes its uncapturederror listener before destroying the device', async () => {
    const rec = await createRecognizer({ backend: 'webgpu', weights });
    const device = (rec as unknown as { backend: { device: GPUDevice } }).backend.device;
    const order: string[] = [];
    const remove = device.removeEventListener.bind(device);
    const destroy = device.destroy.bind(device);
    vi.spyOn(device, 'removeEventListener').mockImplementation((type, listener) => {
      order.push(`remove ${type}`);
      remove(type, listener);
    });
    vi.spyOn(device, 'destroy').mockImplementation(() => {
      order.push('destroy');
      destroy();
    });
    rec.dispose();
    expect(order).toEqual(['remove uncapturederror', 'destroy']);
  });
});

describe('a failed GPU set-up', () => {
  it('destroys the device it acquired (buildOnDevice), and never one the caller owns', async () => {
    const { device } = await acquireDevice();
    const destroy = vi.spyOn(device, 'destroy');
    const failing = () => Promise.reject(new GpuError('validation', 'kernel failed to compile'));
    await expect(buildOnDevice(device, false, failing)).rejects.toThrow(/compile/);
    expect(destroy).not.toHaveBeenCalled();
    await expect(buildOnDevice(device, true, failing)).rejects.toThrow(/compile/);
    expect(destroy).toHaveBeenCalledTimes(1);
  });

  it('when pipelines fail to compile: the WebGPU device is destroyed and the error is typed', async () => {
    const destroyed: GPUDevice[] = [];
    const proto = GPUDevice.prototype;
    const destroy = proto.destroy;
    vi.spyOn(proto, 'createComputePipelineAsync').mockRejectedValue(new Error('injected compile failure'));
    vi.spyOn(proto, 'destroy').mockImplementation(function (this: GPUDevice) {
      destroyed.push(this);
      destroy.call(this);
    });
    const error = await createRecognizer({ backend: 'webgpu', weights }).then(
      () => undefined,
      (e: unknown) => e,
    );
    expect(error).toBeInstanceOf(GpuError);
    expect(destroyed).toHaveLength(1);
    // 'auto' falls back to the CPU, and also leaves no device behind.
    const rec = await createRecognizer({ weights });
    expect(rec.info.backend).toBe('cpu');
    expect(destroyed).toHaveLength(2);
  });

  it('a gallery whose GPU searcher cannot be built destroys the device it acquired and searches on the CPU', async () => {
    const destroyed: GPUDevice[] = [];
    const destroy = GPUDevice.prototype.destroy;
    vi.spyOn(GpuSearch, 'create').mockRejectedValue(new GpuError('validation', 'injected failure'));
    vi.spyOn(GPUDevice.prototype, 'destroy').mockImplementation(function (this: GPUDevice) {
      destroyed.push(this);
      destroy.call(this);
    });
    const gallery = new Gallery({ dim: 4, gpuMinRows: 1 });
    gallery.add('a', Float32Array.from([1, 0, 0, 0]));
    expect((await gallery.search(Float32Array.from([1, 0, 0, 0]), 1))[0].label).toBe('a');
    expect(gallery.lastSearchBackend).toBe('cpu');
    expect(destroyed).toHaveLength(1);
  });
});
