/**
 * The CPU backend: runs the plan (plan.ts) of the network, each layer on the kernel chosen for it at load —
 * WebAssembly SIMD where the module validates and the kernel takes the shape, else the tuned JavaScript ops. It is
 * a complete backend (used where WebGPU is missing or slower). With more than one thread, a batch is split over
 * workers (worker-pool.ts) running the same wasm calls on their own module instances, so every face's embedding
 * is the same bits as on one thread.
 */
import type { Backend, BackendModel } from '../backend.js';
import type { RgbaImage } from '../image.js';
import { type CpuStep, planCpu } from './plan.js';
import { preprocess } from './preprocess.js';
import { type WasmCall, WasmKernels, type WasmVariant } from './wasm-kernels.js';
import { type ShardJob, WorkerPool } from './worker-pool.js';

/**
 * Faces per pass through the network on one thread: larger batches gain nothing, and a pass's memory (all
 * activations, ~0.6 MB per face for the default student) stays ~40 MB.
 */
const CHUNK = 64;
/** The most threads the default uses: the network is small, and a server has other work. */
const MAX_DEFAULT_THREADS = 4;

export interface CpuOptions {
  /**
   * The kernels: 'auto' (default) is WebAssembly with relaxed SIMD where the engine validates it, else SIMD128,
   * else JavaScript; 'relaxed' and 'simd128' ask for one module (JavaScript where it does not validate); 'js'
   * runs the tuned JavaScript ops only.
   */
  kernels?: 'auto' | WasmVariant | 'js';
  /**
   * Threads a batch is split over (the calling thread and threads − 1 workers); default: the available cores,
   * at most 4. Needs the WebAssembly kernels for every layer; otherwise one thread runs.
   */
  threads?: number;
}

/** Where a pass's tensors and scratch live in module memory (byte offsets), for `batch` faces. */
interface Layout {
  at: number[];
  scratch: number;
  bytes: number;
}

export class CpuBackend implements Backend {
  readonly kind = 'cpu';
  readonly adapter: string;

  private constructor(
    private readonly model: BackendModel,
    /** Each layer's kernel, decided once. */
    readonly steps: readonly CpuStep[],
    private readonly wasm: WasmKernels | undefined,
    private readonly pool: WorkerPool | undefined,
  ) {
    const engine = wasm ? `WebAssembly ${wasm.variant === 'relaxed' ? 'relaxed SIMD' : 'SIMD128'}` : 'JavaScript';
    const js = wasm ? steps.filter((s) => s.engine === 'js').length : 0;
    const threads = pool ? `${pool.size + 1} threads` : 'single thread';
    this.adapter = `${engine} (${threads}${js > 0 ? `; ${js} layers in JavaScript` : ''})`;
  }

  static async create(model: BackendModel, options: CpuOptions = {}): Promise<CpuBackend> {
    const choice = options.kernels ?? 'auto';
    const wasm = choice === 'js' ? undefined : WasmKernels.create(choice === 'auto' ? undefined : choice);
    const steps = planCpu(model.network, model.tensors, wasm);
    const threads = options.threads ?? Math.min(MAX_DEFAULT_THREADS, await availableCores());
    let pool: WorkerPool | undefined;
    if (wasm && threads > 1 && steps.every((s) => s.engine === 'wasm')) {
      const resident = new Uint8Array(wasm.memory.buffer, 0, wasm.residentBytes).slice();
      pool = await WorkerPool.start(threads - 1, wasm.bytes, resident);
    }
    return new CpuBackend(model, steps, wasm, pool);
  }

  async embedImages(images: readonly RgbaImage[]): Promise<Float32Array> {
    const size = this.model.network.architecture.inputSize;
    const input = new Float32Array(images.length * 3 * size * size);
    preprocess(images, size, this.model.input, input);
    return this.run(input, images.length);
  }

  async embedTensor(input: Float32Array, count: number): Promise<Float32Array> {
    return this.run(input, count);
  }

  /** Executes the network for `count` faces; returns N×D. */
  async run(input: Float32Array, count: number): Promise<Float32Array> {
    const { network } = this.model;
    const [perFace, dim] = [network.tensorSizes[0], network.tensorSizes[network.output]];
    const out = new Float32Array(count * dim);
    const threads = (this.pool?.size ?? 0) + 1;
    for (let start = 0; start < count; start += CHUNK * threads) {
      // Shards of near-equal size: the first on this thread, the rest on workers, all at once.
      const n = Math.min(CHUNK * threads, count - start);
      const shards = Math.min(threads, n);
      const bounds = Array.from({ length: shards + 1 }, (_, i) => start + Math.round((i * n) / shards));
      const slice = (i: number) => input.subarray(bounds[i] * perFace, bounds[i + 1] * perFace);
      const remote = this.pool?.run(bounds.slice(1, -1).map((_, i) => this.job(slice(i + 1).slice(), bounds[i + 2] - bounds[i + 1])));
      out.set(this.runHere(slice(0), bounds[1] - bounds[0]), start * dim);
      (await remote)?.forEach((e, i) => out.set(e, bounds[i + 1] * dim));
    }
    return out;
  }

  gpuBufferBytes(): number {
    return 0;
  }

  dispose(): void {
    this.pool?.terminate();
  }

  /** Every step's wasm calls for `batch` faces laid out as `layout` (the whole plan is wasm). */
  calls(batch: number, layout: Layout): WasmCall[] {
    return this.steps.flatMap((s) => (s.engine === 'wasm' ? s.calls(batch, layout.at, layout.scratch) : []));
  }

  /** Tensors one after another after the resident data (16 bytes apart, so a kernel's x − 1 load stays in memory), then scratch. */
  private layout(batch: number): Layout {
    const { network } = this.model;
    let next = Math.ceil(this.wasm!.residentBytes / 16) * 16 + 16;
    const at = network.tensorSizes.map((floats) => {
      const here = next;
      next += Math.ceil((batch * floats * 4) / 16) * 16 + 16;
      return here;
    });
    const scratch = Math.max(0, ...this.steps.map((s) => (s.engine === 'wasm' ? s.scratchFloats(batch) : 0)));
    return { at, scratch: next, bytes: next + scratch * 4 };
  }

  private job(input: Float32Array, batch: number): ShardJob {
    const layout = this.layout(batch);
    const { network } = this.model;
    const outputFloats = batch * network.tensorSizes[network.output];
    return { input, inputAt: layout.at[0], calls: this.calls(batch, layout), bytes: layout.bytes, outputAt: layout.at[network.output], outputFloats };
  }

  /**
   * One pass of up to 64 faces on this thread, calling `observe` after each step with its time (for
   * bench/profile.ts: the plan the backend runs, timed step by step); returns the embeddings.
   */
  profile(input: Float32Array, batch: number, observe: (step: CpuStep, ms: number) => void): Float32Array {
    if (batch > CHUNK) throw new RangeError(`profile runs one pass of at most ${CHUNK} faces`);
    return this.runHere(input, batch, observe).slice();
  }

  /** One pass of `batch` faces on this thread; returns a view the next pass reuses (the caller copies it). */
  private runHere(input: Float32Array, batch: number, observe?: (step: CpuStep, ms: number) => void): Float32Array {
    const { network } = this.model;
    let t: Float32Array[];
    let layout: Layout | undefined;
    if (this.wasm) {
      layout = this.layout(batch);
      const memory = this.wasm.reserve(layout.bytes);
      t = network.tensorSizes.map((floats, i) => memory.subarray(layout!.at[i] / 4, layout!.at[i] / 4 + batch * floats));
    } else {
      t = network.tensorSizes.map((floats) => new Float32Array(batch * floats));
    }
    t[0].set(input);
    for (const step of this.steps) {
      const start = observe && performance.now();
      if (step.engine === 'js') step.run(batch, t);
      else for (const c of step.calls(batch, layout!.at, layout!.scratch)) this.wasm!.call(c);
      if (observe) observe(step, performance.now() - start!);
    }
    return t[network.output];
  }
}

async function availableCores(): Promise<number> {
  if (typeof navigator !== 'undefined' && navigator.hardwareConcurrency > 0) return navigator.hardwareConcurrency;
  if (typeof process !== 'undefined' && process.versions?.node !== undefined) return (await import('node:os')).availableParallelism();
  return 1;
}
