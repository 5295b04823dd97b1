/**
 * The CPU backend: runs the plan (plan.ts) of the network, each layer on the kernel chosen for it at load —
 * WebAssembly SIMD where the module validates and the kernel takes the shape, else the tuned JavaScript ops — after
 * the input pass (preprocessing in wasm too, wasm-preprocess.ts, or the JavaScript reference without wasm). It is
 * a complete backend (used where WebGPU is missing or slower). With more than one thread, a batch is split over
 * workers (worker-pool.ts) running the same wasm calls on their own module instances, so every face's embedding
 * is the same bits as on one thread.
 */

import { layerInputs } from '../../model/network.js';
import type { Backend, BackendModel } from '../backend.js';
import type { RgbaImage } from '../image.js';
import { nodeImport } from '../node-import.js';
import { type CpuStep, type WasmStep, planCpu } from './plan.js';
import { preprocess } from './preprocess.js';
import { type WasmCall, WasmKernels, type WasmVariant } from './wasm-kernels.js';
import { packFaces } from './wasm-preprocess.js';
import { type ShardJob, WorkerPool } from './worker-pool.js';

/**
 * Faces per pass through the network on one thread: larger batches gain nothing, and a pass's memory (all
 * activations, ~0.6 MB per face for the default student) stays ~40 MB.
 */
const CHUNK = 64;
/** The most threads the default uses: the network is small, and a server has other work. */
const MAX_DEFAULT_THREADS = 4;

/** A backend dropped without dispose() still ends its workers, once it is collected (they hold no reference to it). */
const abandoned = new FinalizationRegistry<WorkerPool>((pool) => pool.terminate());

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

/** A batch as the backend receives it: RGBA images to preprocess, or an N×3×S×S tensor already preprocessed. */
export type Faces = { images: readonly RgbaImage[] } | { tensor: Float32Array };

/** Told each step's time (and the input pass's) by `profile`. */
export type Observer = (what: CpuStep | 'input', ms: number) => void;

/** Where a pass's tensors and scratch live in module memory (byte offsets), for `batch` faces. */
interface Layout {
  at: number[];
  scratch: number;
  bytes: number;
}

/** A layout and each step's module calls, from a tensor and from images, for one batch size. */
interface Pass {
  layout: Layout;
  tensorCalls: WasmCall[][];
  imageCalls: WasmCall[][];
}

/** Batch sizes whose passes are kept (the chunk size, a remainder, batch 1, …). */
const PASSES_KEPT = 8;

export class CpuBackend implements Backend {
  readonly kind = 'cpu';
  readonly adapter: string;
  private readonly fusedStem: WasmStep['bordered'];
  private readonly passes = new Map<number, Pass>();

  private constructor(
    private readonly model: BackendModel,
    /** Each layer's kernel, decided once. */
    readonly steps: readonly CpuStep[],
    private readonly wasm: WasmKernels | undefined,
    private readonly pool: WorkerPool | undefined,
  ) {
    // Images are preprocessed straight into the stem's bordered planes when the stem is the wasm kernel and no
    // other layer reads the network input.
    const first = steps[0];
    const alone = model.network.layers.slice(1).every((l) => !layerInputs(l).includes(0));
    this.fusedStem = first?.engine === 'wasm' && first.layer.input === 0 && alone ? first.bordered : undefined;
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
    const backend = new CpuBackend(model, steps, wasm, pool);
    if (pool) abandoned.register(backend, pool, pool);
    return backend;
  }

  async embedImages(images: readonly RgbaImage[]): Promise<Float32Array> {
    return this.run({ images }, images.length);
  }

  async embedTensor(input: Float32Array, count: number): Promise<Float32Array> {
    return this.run({ tensor: input }, count);
  }

  gpuBufferBytes(): number {
    return 0;
  }

  dispose(): void {
    if (!this.pool) return;
    abandoned.unregister(this.pool);
    this.pool.terminate();
  }

  /**
   * One pass of up to 64 faces on this thread, calling `observe` after the input pass and after each step with its
   * time (for bench/profile.ts: the plan the backend runs, timed step by step); returns the embeddings.
   */
  profile(faces: Faces, batch: number, observe: Observer): Float32Array {
    if (batch > CHUNK) throw new RangeError(`profile runs one pass of at most ${CHUNK} faces`);
    return this.runHere(faces, batch, observe).slice();
  }

  /** Executes the network for `count` faces; returns N×D. */
  private async run(faces: Faces, count: number): Promise<Float32Array> {
    const dim = this.model.network.tensorSizes[this.model.network.output];
    const out = new Float32Array(count * dim);
    const threads = (this.pool?.size ?? 0) + 1;
    for (let start = 0; start < count; start += CHUNK * threads) {
      // Shards of near-equal size: the first on this thread, the rest on workers, all at once.
      const n = Math.min(CHUNK * threads, count - start);
      const shards = Math.min(threads, n);
      const bounds = Array.from({ length: shards + 1 }, (_, i) => start + Math.round((i * n) / shards));
      const shard = (i: number) => this.slice(faces, bounds[i], bounds[i + 1]);
      const remote = this.pool?.run(
        bounds.slice(1, -1).map((_, i) => this.job(shard(i + 1), bounds[i + 2] - bounds[i + 1])),
      );
      out.set(this.runHere(shard(0), bounds[1] - bounds[0]), start * dim);
      (await remote)?.forEach((e, i) => out.set(e, bounds[i + 1] * dim));
    }
    return out;
  }

  private slice(faces: Faces, from: number, to: number): Faces {
    if ('images' in faces) return { images: faces.images.slice(from, to) };
    const perFace = this.model.network.tensorSizes[0];
    return { tensor: faces.tensor.subarray(from * perFace, to * perFace) };
  }

  /**
   * A pass's layout and each step's calls for `batch` faces, from a tensor and from images (the stem's calls
   * differ), built once per batch size: most passes repeat a size, and building them was ~3 % of a one-face pass.
   */
  private pass(batch: number): Pass {
    let pass = this.passes.get(batch);
    if (!pass) {
      if (this.passes.size >= PASSES_KEPT) this.passes.clear();
      const layout = this.layout(batch);
      const calls = (images: boolean) => this.steps.map((_, i) => this.stepCalls(i, images, batch, layout));
      pass = { layout, tensorCalls: calls(false), imageCalls: calls(true) };
      this.passes.set(batch, pass);
    }
    return pass;
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
    return { at, scratch: next, bytes: Math.ceil((next + scratch * 4) / 16) * 16 };
  }

  /**
   * The input pass in module memory: a tensor is copied to tensor 0; images are packed (pixels the taps read, and
   * the tap tables) after the scratch, and the `preprocess` kernel writes tensor 0 from them.
   */
  private inputPass(
    faces: Faces,
    batch: number,
    layout: Layout,
  ): { bytes: Uint8Array<ArrayBuffer>; at: number; calls: WasmCall[] } {
    if ('tensor' in faces) return { bytes: new Uint8Array(faces.tensor.slice().buffer), at: layout.at[0], calls: [] };
    const size = this.model.network.architecture.inputSize;
    const packed = packFaces(faces.images, size, this.model.input);
    const stem = this.fusedStem?.layout(batch, layout.scratch);
    const out = stem ?? { at: layout.at[0], rowPitch: size * 4, planePitch: size * size * 4 };
    const zero: WasmCall[] = stem ? [{ fn: 'fill_zero', args: [layout.scratch, stem.zeroBytes] }] : [];
    return { bytes: packed.bytes, at: layout.bytes, calls: [...zero, ...packed.calls(layout.bytes, out)] };
  }

  /** The wasm calls of step `i` for `batch` faces (the stem's without its copy when images were preprocessed into its planes). */
  private stepCalls(i: number, images: boolean, batch: number, layout: Layout): WasmCall[] {
    const step = this.steps[i];
    if (step.engine !== 'wasm') return [];
    const fused = i === 0 && images && this.fusedStem;
    return (fused ? this.fusedStem! : step).calls(batch, layout.at, layout.scratch);
  }

  private callsOf(pass: Pass, faces: Faces): WasmCall[][] {
    return 'images' in faces ? pass.imageCalls : pass.tensorCalls;
  }

  /** A worker's shard: the input pass and every step's calls (the whole plan is wasm when there are workers). */
  private job(faces: Faces, batch: number): ShardJob {
    const { network } = this.model;
    const pass = this.pass(batch);
    const { layout } = pass;
    const input = this.inputPass(faces, batch, layout);
    const steps = this.callsOf(pass, faces).flat();
    return {
      input: input.bytes,
      inputAt: input.at,
      calls: [...input.calls, ...steps],
      bytes: Math.max(layout.bytes, input.at + input.bytes.length),
      outputAt: layout.at[network.output],
      outputFloats: batch * network.tensorSizes[network.output],
    };
  }

  /** One pass of `batch` faces on this thread; returns a view the next pass reuses (the caller copies it). */
  private runHere(faces: Faces, batch: number, observe?: Observer): Float32Array {
    const { network } = this.model;
    const timed = (what: CpuStep | 'input', run: () => void) => {
      const start = observe && performance.now();
      run();
      if (observe) observe(what, performance.now() - start!);
    };
    let t: Float32Array[];
    let calls: WasmCall[][] = [];
    if (this.wasm) {
      const wasm = this.wasm;
      const pass = this.pass(batch);
      const l = pass.layout;
      calls = this.callsOf(pass, faces);
      const input = this.inputPass(faces, batch, l);
      const memory = wasm.reserve(Math.max(l.bytes, input.at + input.bytes.length));
      t = network.tensorSizes.map((floats, i) => memory.subarray(l.at[i] / 4, l.at[i] / 4 + batch * floats));
      timed('input', () => {
        new Uint8Array(memory.buffer).set(input.bytes, input.at);
        for (const c of input.calls) wasm.call(c);
      });
    } else {
      t = network.tensorSizes.map((floats) => new Float32Array(batch * floats));
      timed('input', () =>
        'tensor' in faces
          ? t[0].set(faces.tensor)
          : preprocess(faces.images, network.architecture.inputSize, this.model.input, t[0]),
      );
    }
    this.steps.forEach((step, i) => {
      timed(step, () => {
        if (step.engine === 'js') step.run(batch, t);
        else for (const c of calls[i]) this.wasm!.call(c);
      });
    });
    return t[network.output];
  }
}

async function availableCores(): Promise<number> {
  if (typeof navigator !== 'undefined' && navigator.hardwareConcurrency > 0) return navigator.hardwareConcurrency;
  if (typeof process !== 'undefined' && process.versions?.node !== undefined)
    return (await nodeImport<typeof import('node:os')>('node:os')).availableParallelism();
  return 1;
}
