/**
 * The WebGPU backend. At creation it compiles every kernel in parallel, uploads the weights once, allocates the
 * input and activation buffers for a batch capacity, and then records one static plan per batch size it meets.
 * A call uploads its input, replays plans chunk by chunk (larger batches are split at the capacity), and reads
 * all embeddings back with a single mapAsync from a pooled staging buffer.
 */
import { GpuError, InputError } from '../../errors.js';
import type { WgslFile } from '../../kernels/index.js';
import type { Backend, BackendModel } from '../backend.js';
import type { RgbaImage } from '../image.js';
import { planMemory } from '../memory-plan.js';
import { compilePipelines } from './compile.js';
import { type AcquiredDevice, type DeviceOptions, acquireDevice, buildOnDevice } from './device.js';
import { checkedSubmit, toGpuError } from './gpu-errors.js';
import { IMAGE_RECORD_BYTES, packImages, pixelWords } from './image-records.js';
import { chooseKernels } from './kernel-choice.js';
import type { LayerKernel } from './kernels.js';
import { Plan, type PlanResources } from './plan.js';
import { StagingPool } from './staging.js';
import { packWeights } from './weights-layout.js';

export interface WebGpuOptions extends DeviceOptions {
  /** Faces per dispatch chain; larger batches are split. Default 128, lowered to fit the binding limit. */
  batchCapacity?: number;
  /** Use this device instead of acquiring one (the caller keeps ownership). */
  device?: AcquiredDevice;
  /**
   * Time the kernel variants that can run each layer on this adapter at load and keep the fastest
   * (kernel-choice.ts). Default: on for hardware adapters; software ones keep the table's order, tuned on them.
   */
  timeKernels?: boolean;
}

/** Recorded plans kept per batch size; callers rarely use more than a handful of sizes. */
const MAX_PLANS = 8;

export class WebGpuBackend implements Backend {
  readonly kind = 'webgpu';
  readonly adapter: string;
  /** Why the adapter is software rendering, if it is (see AcquiredDevice). */
  readonly software?: string;
  readonly capacity: number;
  private readonly device: GPUDevice;
  private readonly ownsDevice: boolean;
  private readonly plans = new Map<number, Plan>();
  private readonly staging: StagingPool;
  private readonly buffers: GPUBuffer[] = [];
  private pixels: GPUBuffer;
  private readonly images: GPUBuffer;
  private readonly input: GPUBuffer;
  private readonly slots: GPUBuffer[];
  private readonly weights: GPUBuffer;
  private readonly offsets: Map<string, number>;
  private readonly slotOf: number[];
  /** Each layer's kernel: the table's first fit, or the fastest timed at load (set by `create`). */
  private kernels: readonly LayerKernel[] = [];
  /** Calls run one after another: they share the activation buffers. */
  private tail: Promise<unknown> = Promise.resolve();
  private failure?: GpuError;

  static async create(model: BackendModel, options: WebGpuOptions = {}): Promise<WebGpuBackend> {
    const acquired = options.device ?? (await acquireDevice(options));
    return buildOnDevice(acquired.device, options.device === undefined, async () => {
      const pipelines = await compilePipelines(acquired.device);
      const backend = new WebGpuBackend(model, acquired, pipelines, options);
      backend.kernels = await chooseKernels(
        acquired,
        model.network.layers,
        backend.resources(),
        backend.capacity,
        options.timeKernels,
      );
      return backend;
    });
  }

  private constructor(
    private readonly model: BackendModel,
    acquired: AcquiredDevice,
    private readonly pipelines: Map<WgslFile, GPUComputePipeline>,
    options: WebGpuOptions,
  ) {
    const device = acquired.device;
    this.device = device;
    this.adapter = acquired.adapter;
    this.software = acquired.software;
    this.ownsDevice = options.device === undefined;
    this.staging = new StagingPool(device, 'staging');

    const { network } = model;
    const memory = planMemory(network);
    this.slotOf = memory.slotOf;
    const perFace = Math.max(network.tensorSizes[0], ...memory.slotFloats) * 4;
    const fits = Math.floor(device.limits.maxStorageBufferBindingSize / perFace);
    this.capacity = Math.max(1, Math.min(options.batchCapacity ?? 128, fits));

    const create = (size: number, usage: number, label: string) => {
      const buffer = device.createBuffer({ size: Math.max(16, Math.ceil(size / 4) * 4), usage, label });
      this.buffers.push(buffer);
      return buffer;
    };
    const storage = GPUBufferUsage.STORAGE | GPUBufferUsage.COPY_DST | GPUBufferUsage.COPY_SRC;

    const packed = packWeights(network.layers, model.tensors);
    this.offsets = packed.offsets;
    this.weights = create(packed.data.byteLength, storage, 'weights');
    device.queue.writeBuffer(this.weights, 0, packed.data);

    this.input = create(this.capacity * network.tensorSizes[0] * 4, storage, 'input');
    this.slots = memory.slotFloats.map((f, i) => create(this.capacity * f * 4, storage, `slot-${i}`));
    this.images = create(this.capacity * IMAGE_RECORD_BYTES, storage, 'image-records');
    this.pixels = create(1 << 16, storage, 'pixels');

    // Added last, so a constructor that throws leaves no listener behind (events arrive asynchronously anyway).
    device.lost.then((info) => {
      this.failure ??= new GpuError(
        'device-lost',
        `WebGPU device lost (${info.reason}): ${info.message}; create a new recognizer`,
      );
    });
    device.addEventListener('uncapturederror', this.onUncapturedError);
  }

  private readonly onUncapturedError = (event: Event): void => {
    this.failure ??= toGpuError((event as GPUUncapturedErrorEvent).error, 'uncaptured WebGPU error');
  };

  embedImages(images: readonly RgbaImage[]): Promise<Float32Array> {
    return this.serialised(() => {
      const chunks = this.imageChunks(images);
      this.ensurePixelCapacity(Math.max(...chunks.map(([start, n]) => pixelWords(images.slice(start, start + n)))) * 4);
      return this.execute(images.length, chunks, (plan, start) => {
        const { pixels, records } = packImages(images.slice(start, start + plan.batch));
        this.device.queue.writeBuffer(this.pixels, 0, pixels);
        this.device.queue.writeBuffer(this.images, 0, records);
        return plan.preprocessStep(
          this.pixels,
          this.images,
          this.model.network.architecture.inputSize,
          this.model.input,
        );
      });
    });
  }

  embedTensor(input: Float32Array, count: number): Promise<Float32Array> {
    const perFace = this.model.network.tensorSizes[0];
    return this.serialised(() =>
      this.execute(count, this.chunks(count), (plan, start) => {
        this.device.queue.writeBuffer(
          this.input,
          0,
          input as Float32Array<ArrayBuffer>,
          start * perFace,
          plan.batch * perFace,
        );
        return undefined;
      }),
    );
  }

  /** Bytes of every GPU buffer this backend holds now (weights, activations, inputs, uniforms, staging). */
  gpuBufferBytes(): number {
    const buffers = [...this.buffers, ...[...this.plans.values()].map((p) => p.uniforms)];
    return buffers.reduce((sum, b) => sum + b.size, 0) + this.staging.bytes();
  }

  dispose(): void {
    for (const plan of this.plans.values()) plan.destroy();
    this.plans.clear();
    for (const b of this.buffers) b.destroy();
    this.staging.destroy();
    // The listener must go before the device: while it is registered, Dawn keeps the device's native objects
    // alive after destroy() (~30 MB per recognizer, issue 13).
    this.device.removeEventListener('uncapturederror', this.onUncapturedError);
    if (this.ownsDevice) this.device.destroy();
  }

  /**
   * Chunks of at most `capacity` images whose packed pixels also fit one storage binding; an image that alone
   * exceeds it is refused (crop it, or pass its face box on a smaller image).
   */
  private imageChunks(images: readonly RgbaImage[]): Array<[number, number]> {
    const limit = this.device.limits.maxStorageBufferBindingSize;
    const out: Array<[number, number]> = [];
    let [start, bytes] = [0, 0];
    images.forEach((im, i) => {
      const size = im.width * im.height * 4;
      if (size > limit) {
        throw new InputError(
          'bad-size',
          `faces[${i}] is ${im.width}×${im.height}: ${size} bytes of RGBA exceed this adapter's ${limit}-byte storage binding`,
        );
      }
      if (i - start === this.capacity || bytes + size > limit) {
        out.push([start, i - start]);
        [start, bytes] = [i, 0];
      }
      bytes += size;
    });
    out.push([start, images.length - start]);
    return out;
  }

  private chunks(count: number): Array<[number, number]> {
    const out: Array<[number, number]> = [];
    for (let start = 0; start < count; start += this.capacity)
      out.push([start, Math.min(this.capacity, count - start)]);
    return out;
  }

  private serialised<T>(work: () => Promise<T>): Promise<T> {
    const run = this.tail.then(work, work);
    this.tail = run.catch(() => undefined);
    return run;
  }

  private ensurePixelCapacity(bytes: number): void {
    if (bytes <= this.pixels.size) return;
    const grown = this.device.createBuffer({
      size: Math.min(2 ** Math.ceil(Math.log2(bytes)), this.device.limits.maxStorageBufferBindingSize),
      usage: GPUBufferUsage.STORAGE | GPUBufferUsage.COPY_DST,
      label: 'pixels',
    });
    // Work already submitted keeps the old buffer alive until it finishes; destroy() waits for that.
    this.buffers.splice(this.buffers.indexOf(this.pixels), 1, grown);
    this.pixels.destroy();
    this.pixels = grown;
  }

  private plan(batch: number): Plan {
    let plan = this.plans.get(batch);
    if (!plan) {
      if (this.plans.size >= MAX_PLANS) {
        const [oldest, old] = this.plans.entries().next().value!;
        old.destroy();
        this.plans.delete(oldest);
      }
      plan = new Plan(batch, this.model.network.layers, this.resources(), this.kernels);
      this.plans.set(batch, plan);
    }
    return plan;
  }

  /** The kernel each layer runs, by name (after the timing at load, where it ran). */
  get kernelNames(): string[] {
    return this.kernels.map((k) => k.name);
  }

  private resources(): PlanResources {
    const { device, pipelines, weights, offsets, input, slots, slotOf } = this;
    return { device, pipelines, weights, offsets, input, slots, slotOf };
  }

  /**
   * Runs every chunk (upload, then the recorded plan, then a copy of its embeddings into one staging buffer)
   * and maps that buffer once.
   */
  private async execute(
    count: number,
    chunks: Array<[number, number]>,
    upload: (plan: Plan, start: number) => ReturnType<Plan['preprocessStep']> | undefined,
  ): Promise<Float32Array> {
    if (this.failure) throw this.failure;
    const { network } = this.model;
    const dim = network.tensorSizes[network.output];
    const outputSlot = this.slots[this.slotOf[network.output]];
    const bytes = count * dim * 4;
    const staging = this.staging.take(bytes);
    try {
      await checkedSubmit(this.device, 'embedding', () => {
        for (const [start, n] of chunks) {
          const plan = this.plan(n);
          const first = upload(plan, start);
          const encoder = this.device.createCommandEncoder();
          plan.encode(encoder, first);
          encoder.copyBufferToBuffer(outputSlot, 0, staging, start * dim * 4, n * dim * 4);
          this.device.queue.submit([encoder.finish()]);
        }
      });
    } catch (e) {
      this.staging.release(staging);
      throw e;
    }
    const result = new Float32Array(await this.staging.read(staging, bytes, () => this.failure));
    if (this.failure) throw this.failure;
    return result;
  }
}
