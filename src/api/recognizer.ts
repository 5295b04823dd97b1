/**
 * The public entry point: load weights, pick a backend, embed faces, compare embeddings.
 */
import { CalibrationError, InputError, NonFiniteOutputError } from '../errors.js';
import { parameterCount } from '../model/architecture.js';
import { buildNetwork } from '../model/network.js';
import { type StudentWeights, type Thresholds, readWeights } from '../model/weights-format.js';
import type { Backend, BackendKind } from '../runtime/backend.js';
import { CpuBackend, type CpuOptions } from '../runtime/cpu/backend.js';
import { WebGpuBackend, type WebGpuOptions } from '../runtime/gpu/backend.js';
import { type RgbaImage, checkImage } from '../runtime/image.js';
import { type FaceSource, toRgba } from './image-input.js';
import { cosine } from './similarity.js';
import { type WeightsSource, loadWeightsBytes } from './weights-source.js';
import { chooseAuto } from './backend-choice.js';

export interface RecognizerOptions {
  /**
   * 'auto' (default): the faster backend here — the CPU where WebGPU is missing or a software adapter, else the
   * winner of a short timed probe (once per page or process); `info.fallbackReason` says why it chose the CPU.
   */
  backend?: BackendKind | 'auto';
  /** Weights bytes, a URL, or (Node) a path; default: the shipped student in weights/. */
  weights?: WeightsSource;
  /** WebGPU only: faces per dispatch chain (default 128) and adapter preference. */
  webgpu?: Omit<WebGpuOptions, 'device'>;
  /** CPU only: which kernels (`kernels: 'js'` skips WebAssembly) and how many threads (see CpuOptions). */
  cpu?: CpuOptions;
}

export interface RecognizerInfo {
  backend: BackendKind;
  /** The adapter that runs the network, e.g. "google swiftshader (core)". */
  adapter: string;
  inputSize: number;
  embeddingDim: number;
  parameters: number;
  /** Multiply–accumulates per face. */
  macsPerFace: number;
  /** Whether the weights header says the network was trained (the seeded placeholder says false). */
  trained: boolean;
  thresholds: Thresholds;
  /** Why 'auto' chose the CPU, when it did (no adapter, a software adapter, or the probe's times). */
  fallbackReason?: string;
}

/**
 * A face to embed: RGBA8 pixels (`ImageData` qualifies) with an optional face box, or in browsers an
 * ImageBitmap, HTMLImageElement, HTMLCanvasElement, HTMLVideoElement, OffscreenCanvas or VideoFrame, optionally
 * wrapped as `{ image, box }` (see README, "Face boxes").
 */
export type FaceInput = FaceSource;

/** False-accept rates the weights calibrate thresholds for. */
export type Far = 1e-2 | 1e-3;

export interface VerifyOptions {
  /** The false-accept rate whose calibrated threshold decides `match` (default 1e-2). */
  far?: Far;
}

export interface Verification {
  /** Cosine similarity of the two embeddings. */
  similarity: number;
  /** similarity ≥ threshold. */
  match: boolean;
  threshold: number;
  far: Far;
}

/** What a recognizer exposes of its weights file (everything but the tensors). */
export type RecognizerWeights = Pick<StudentWeights, 'input' | 'thresholds' | 'provenance' | 'warnings'>;

/**
 * The recognizer API, implemented by `Recognizer` (this thread) and `WorkerRecognizer` (a Web Worker), so the
 * compiler checks that the worker mirrors it.
 */
export interface FaceRecognizer {
  readonly info: RecognizerInfo;
  readonly weights: RecognizerWeights;
  embed(faces: readonly FaceInput[] | Float32Array): Promise<Float32Array[]>;
  verify(a: FaceInput | Float32Array, b: FaceInput | Float32Array, options?: VerifyOptions): Promise<Verification>;
  similarity(a: Float32Array, b: Float32Array): number;
  dispose(): void;
}

export class Recognizer implements FaceRecognizer {
  private disposed = false;

  constructor(
    readonly info: RecognizerInfo,
    readonly weights: StudentWeights,
    private readonly backend: Backend,
  ) {}

  /**
   * Embeds a batch: RGBA images of any size, or an N×3×S×S float tensor that is already preprocessed.
   * Returns one unit-length Float32Array per face, in input order.
   */
  async embed(faces: readonly FaceInput[] | Float32Array): Promise<Float32Array[]> {
    this.checkAlive();
    const { inputSize: size, embeddingDim: dim } = this.info;
    let flat: Float32Array;
    let count: number;
    if (faces instanceof Float32Array) {
      const perFace = 3 * size * size;
      if (faces.length === 0) throw new InputError('empty-batch', 'the input tensor is empty');
      if (faces.length % perFace !== 0) {
        throw new InputError('bad-shape', `tensor length ${faces.length} is not a multiple of 3×${size}×${size} = ${perFace}`);
      }
      const bad = faces.findIndex((v) => !Number.isFinite(v));
      if (bad >= 0) throw new InputError('non-finite', `tensor value at index ${bad} is ${faces[bad]}`);
      count = faces.length / perFace;
      flat = await this.backend.embedTensor(faces, count);
    } else {
      if (!Array.isArray(faces)) throw new InputError('bad-shape', 'faces must be an array of RGBA images or a Float32Array');
      if (faces.length === 0) throw new InputError('empty-batch', 'no faces to embed');
      const images: RgbaImage[] = faces.map(toRgba);
      images.forEach(checkImage);
      count = images.length;
      flat = await this.backend.embedImages(images);
    }
    const bad = flat.findIndex((v) => !Number.isFinite(v));
    if (bad >= 0) {
      throw new NonFiniteOutputError('non-finite-output', `the ${this.info.backend} backend produced ${flat[bad]} for face ${Math.floor(bad / dim)}`);
    }
    return Array.from({ length: count }, (_, i) => flat.slice(i * dim, (i + 1) * dim));
  }

  /** Cosine similarity of two embeddings, in [-1, 1]. */
  similarity(a: Float32Array, b: Float32Array): number {
    if (!(a instanceof Float32Array) || !(b instanceof Float32Array) || a.length !== b.length || a.length === 0) {
      throw new InputError('bad-shape', 'similarity needs two non-empty Float32Arrays of the same length');
    }
    return cosine(a, b);
  }

  /**
   * Decides whether two faces (or two embeddings from `embed`) are the same person, using the cosine threshold
   * calibrated in the weights for the false-accept rate `far`. Throws `CalibrationError` when the weights carry
   * no such threshold (the untrained placeholder has none): a guessed threshold would give meaningless decisions.
   */
  async verify(a: FaceInput | Float32Array, b: FaceInput | Float32Array, options: VerifyOptions = {}): Promise<Verification> {
    this.checkAlive();
    const far = options.far ?? 1e-2;
    const threshold = this.threshold(far);
    const faces = [a, b].filter((x): x is FaceInput => !(x instanceof Float32Array));
    const embedded = faces.length > 0 ? await this.embed(faces) : [];
    const [ea, eb] = [a, b].map((x) => (x instanceof Float32Array ? x : embedded.shift()!));
    for (const e of [ea, eb]) {
      if (e.length !== this.info.embeddingDim) {
        throw new InputError('bad-shape', `an embedding passed to verify has length ${e.length}; this model's embeddings have ${this.info.embeddingDim}`);
      }
    }
    const similarity = this.similarity(ea, eb);
    return { similarity, match: similarity >= threshold, threshold, far };
  }

  /** The calibrated cosine threshold for a false-accept rate, or `CalibrationError` when the weights have none. */
  threshold(far: Far): number {
    if (far !== 1e-2 && far !== 1e-3) throw new InputError('bad-option', `far must be 1e-2 or 1e-3, got ${String(far)}`);
    const key = far === 1e-2 ? 'far_1e-2' : 'far_1e-3';
    // Until thresholds are looked up per face size, verify uses the full-resolution ('hr') calibration.
    const value = this.info.thresholds.sizes.hr?.[key]?.threshold;
    if (typeof value !== 'number' || !Number.isFinite(value)) {
      const why = this.info.trained ? `these weights carry no "${key}" threshold` : 'these weights are untrained and carry no thresholds';
      throw new CalibrationError('no-thresholds', `cannot verify at FAR ${far}: ${why}; load trained weights whose header has thresholds.sizes.hr["${key}"] (docs/weights-format.md)`);
    }
    return value;
  }

  /** GPU memory held in buffers now, in bytes (0 on the CPU backend); grows with the batch sizes seen. */
  gpuBufferBytes(): number {
    this.checkAlive();
    return this.backend.gpuBufferBytes();
  }

  /** Releases GPU buffers and the device. Later calls throw `InputError('disposed')`. */
  dispose(): void {
    if (this.disposed) return;
    this.disposed = true;
    this.backend.dispose();
  }

  private checkAlive(): void {
    if (this.disposed) throw new InputError('disposed', 'this recognizer was disposed; create a new one');
  }
}

/** Loads weights, builds the network and the chosen backend. */
export async function createRecognizer(options: RecognizerOptions = {}): Promise<Recognizer> {
  const choice = options.backend ?? 'auto';
  if (!['auto', 'webgpu', 'cpu'].includes(choice)) {
    throw new InputError('bad-option', `backend must be 'webgpu', 'cpu' or 'auto', got ${JSON.stringify(choice)}`);
  }
  const weights = readWeights(await loadWeightsBytes(options.weights));
  const network = buildNetwork(weights);
  const model = { network, input: weights.input, tensors: weights.tensors };

  let backend: Backend;
  let fallbackReason: string | undefined;
  if (choice === 'cpu') {
    backend = await CpuBackend.create(model, options.cpu);
  } else if (choice === 'webgpu') {
    backend = await WebGpuBackend.create(model, options.webgpu);
  } else {
    ({ backend, fallbackReason } = await chooseAuto(model, options.webgpu, options.cpu));
  }
  const { architecture } = weights;
  return new Recognizer(
    {
      backend: backend.kind,
      adapter: backend.adapter,
      inputSize: architecture.inputSize,
      embeddingDim: architecture.embeddingDim,
      parameters: parameterCount(architecture),
      macsPerFace: network.macsPerFace,
      trained: weights.provenance.trained === true,
      thresholds: weights.thresholds,
      fallbackReason,
    },
    weights,
    backend,
  );
}

