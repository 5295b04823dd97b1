/**
 * Runs single kernels on a real WebGPU device so each can be compared with its CPU reference. Uses the same
 * Plan and pipelines as the backend, with one layer instead of the whole network.
 */
import { inject } from 'vitest';
import type { WgslFile } from '../../src/kernels/index.js';
import type { InputSpec } from '../../src/model/architecture.js';
import type { Layer, Network } from '../../src/model/network.js';
import { compilePipelines } from '../../src/runtime/gpu/compile.js';
import { type AcquiredDevice, acquireDevice } from '../../src/runtime/gpu/device.js';
import { packImages } from '../../src/runtime/gpu/image-records.js';
import { type LayerKernel, kernelFor } from '../../src/runtime/gpu/kernels.js';
import { Plan } from '../../src/runtime/gpu/plan.js';
import { StagingPool } from '../../src/runtime/gpu/staging.js';
import { packWeights } from '../../src/runtime/gpu/weights-layout.js';
import type { RgbaImage } from '../../src/runtime/image.js';
import { planMemory } from '../../src/runtime/memory-plan.js';

declare module 'vitest' {
  export interface ProvidedContext {
    featureLevel: 'core' | 'compatibility';
  }
}

export interface GpuContext extends AcquiredDevice {
  pipelines: Map<WgslFile, GPUComputePipeline>;
}

/** The adapter level this test project targets (browser-llvmpipe: compatibility). */
export const featureLevel = (): 'core' | 'compatibility' => inject('featureLevel');

export async function openGpu(level: 'core' | 'compatibility' = featureLevel()): Promise<GpuContext> {
  const acquired = await acquireDevice({ featureLevel: level });
  return { ...acquired, pipelines: await compilePipelines(acquired.device) };
}

function upload(device: GPUDevice, data: Float32Array | Uint8Array | ArrayBuffer, minBytes = 16): GPUBuffer {
  const bytes = data instanceof ArrayBuffer ? data.byteLength : data.byteLength;
  const buffer = device.createBuffer({
    size: Math.max(minBytes, Math.ceil(bytes / 4) * 4, 16),
    usage: GPUBufferUsage.STORAGE | GPUBufferUsage.COPY_DST | GPUBufferUsage.COPY_SRC,
  });
  if (bytes > 0) device.queue.writeBuffer(buffer, 0, data as BufferSource);
  return buffer;
}

async function read(device: GPUDevice, source: GPUBuffer, floats: number): Promise<Float32Array> {
  const pool = new StagingPool(device, 'test-readback');
  const staging = pool.take(floats * 4);
  const encoder = device.createCommandEncoder();
  encoder.copyBufferToBuffer(source, 0, staging, 0, floats * 4);
  device.queue.submit([encoder.finish()]);
  const out = new Float32Array(await pool.read(staging, floats * 4));
  pool.destroy();
  return out;
}

async function checked<T>(device: GPUDevice, work: () => Promise<T>): Promise<T> {
  device.pushErrorScope('validation');
  const result = await work();
  const error = await device.popErrorScope();
  if (error) throw new Error(`WebGPU validation error: ${error.message}`);
  return result;
}

/** Uploads the packed weights and the input, and submits one pass of `layers` on `kernels` writing `slots`. */
function encodeOnce(
  gpu: GpuContext,
  batch: number,
  layers: readonly Layer[],
  packed: ReturnType<typeof packWeights>,
  input: Float32Array,
  slots: GPUBuffer[],
  slotOf: number[],
  kernels: readonly LayerKernel[],
): void {
  const { device } = gpu;
  const resources = {
    device,
    pipelines: gpu.pipelines,
    weights: upload(device, packed.data),
    offsets: packed.offsets,
    input: upload(device, input),
    slots,
    slotOf,
  };
  const encoder = device.createCommandEncoder();
  new Plan(batch, layers, resources, kernels).encode(encoder);
  device.queue.submit([encoder.finish()]);
}

/**
 * Runs one layer on `kernel` (its first fit by default; another must read the weight in the same layout, as the
 * entries of kernelCandidates do). The layer must read tensor 0 (input), write tensor 1, and read tensor 2 as its
 * residual if any.
 */
export async function runLayer(
  gpu: GpuContext,
  layer: Layer,
  batch: number,
  params: Map<string, Float32Array>,
  input: Float32Array,
  outFloats: number,
  residual?: Float32Array,
  kernel: LayerKernel = kernelFor(layer),
): Promise<Float32Array> {
  const { device } = gpu;
  return checked(device, async () => {
    const out = upload(device, new Float32Array(outFloats));
    const slots = residual ? [out, upload(device, residual)] : [out];
    encodeOnce(gpu, batch, [layer], packWeights([layer], params), input, slots, [-1, 0, 1], [kernel]);
    return read(device, out, outFloats);
  });
}

/**
 * Runs a whole network from a float input (N×3×S×S) on the given kernel of each layer, which must read its weight
 * in the layout of the layer's first fit (as every entry of kernelCandidates does); returns the output tensor.
 */
export async function runNetwork(
  gpu: GpuContext,
  network: Network,
  tensors: ReadonlyMap<string, Float32Array>,
  input: Float32Array,
  batch: number,
  kernels: readonly LayerKernel[],
): Promise<Float32Array> {
  const { device } = gpu;
  return checked(device, async () => {
    const memory = planMemory(network);
    const slots = memory.slotFloats.map((floats) => upload(device, new Float32Array(batch * floats)));
    encodeOnce(gpu, batch, network.layers, packWeights(network.layers, tensors), input, slots, memory.slotOf, kernels);
    const floats = batch * network.tensorSizes[network.output];
    return read(device, slots[memory.slotOf[network.output]], floats);
  });
}

/** Runs the preprocessing kernel alone and returns the N×3×S×S tensor it writes. */
export async function runPreprocess(
  gpu: GpuContext,
  images: RgbaImage[],
  size: number,
  spec: InputSpec,
): Promise<Float32Array> {
  const { device } = gpu;
  return checked(device, async () => {
    const { pixels, records } = packImages(images);
    const outFloats = images.length * 3 * size * size;
    const input = upload(device, new Float32Array(outFloats));
    const plan = new Plan(images.length, [], {
      device,
      pipelines: gpu.pipelines,
      weights: upload(device, new Float32Array(4)),
      offsets: new Map(),
      input,
      slots: [],
      slotOf: [],
    });
    const encoder = device.createCommandEncoder();
    plan.encode(encoder, plan.preprocessStep(upload(device, pixels), upload(device, records), size, spec));
    device.queue.submit([encoder.finish()]);
    return read(device, input, outFloats);
  });
}
