/**
 * Counts WebGPU buffer bytes by wrapping GPUDevice.prototype.createBuffer and GPUBuffer.prototype.destroy, so
 * every WebGPU row (bridgeface, ORT's WebGPU EP, tfjs-webgpu) is measured the same way without their help.
 */
let live = 0;
let peak = 0;
let installed = false;
const sizes = new WeakMap<object, number>();

export function installGpuMemoryTracker(): boolean {
  if (installed) return true;
  const g = globalThis as unknown as { GPUDevice?: { prototype: GPUDevice }; GPUBuffer?: { prototype: GPUBuffer } };
  if (!g.GPUDevice?.prototype?.createBuffer || !g.GPUBuffer?.prototype?.destroy) return false;
  const device = g.GPUDevice.prototype;
  const buffer = g.GPUBuffer.prototype;
  const create = device.createBuffer;
  const destroy = buffer.destroy;
  device.createBuffer = function (this: GPUDevice, descriptor: GPUBufferDescriptor) {
    const b = create.call(this, descriptor);
    sizes.set(b, descriptor.size);
    live += descriptor.size;
    peak = Math.max(peak, live);
    return b;
  };
  buffer.destroy = function (this: GPUBuffer) {
    const size = sizes.get(this);
    if (size !== undefined) {
      live -= size;
      sizes.delete(this);
    }
    return destroy.call(this);
  };
  installed = true;
  return true;
}

export function gpuMemory(): { live: number; peak: number } {
  return { live, peak };
}

/** Starts a new measurement: the peak restarts from what is live now; returns that baseline. */
export function resetGpuPeak(): number {
  peak = live;
  return live;
}
