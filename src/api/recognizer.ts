/**
 * The public entry point: load weights, pick a backend, embed faces, compare embeddings.
 */

import type { DetectOptions, FaceDetector, FrameSource } from '../detect/detector.js';
import type { Detection } from '../detect/nms.js';
import { InputError, NonFiniteOutputError } from '../errors.js';
import { parameterCount } from '../model/architecture.js';
import { buildNetwork } from '../model/network.js';
import { type StudentWeights, type Thresholds, readWeights } from '../model/weights-format.js';
import type { Backend, BackendKind } from '../runtime/backend.js';
import { CpuBackend, type CpuOptions } from '../runtime/cpu/backend.js';
import { WebGpuBackend, type WebGpuOptions } from '../runtime/gpu/backend.js';
import { type RgbaImage, checkImage } from '../runtime/image.js';
import { chooseAuto } from './backend-choice.js';
import {
  type FaceSize,
  type Far,
  type Identification,
  type Verification,
  checkCalibrated,
  checkFaceSize,
  operatingPoint,
  verification,
} from './decision.js';
import type { GalleryMatch } from './gallery.js';
import { checkOptions, decisionSize, identifyFrameFaces, identifyProbe } from './identify.js';
import { type FaceSource, toRgba } from './image-input.js';
import { meanOfMirrorPairs, mirrorImage, withMirroredTensor } from './mirror.js';
import { embeddingSimilarity } from './similarity.js';
import { type WeightsSource, loadWeightsBytes } from './weights-source.js';

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

export interface VerifyOptions {
  /** The false-accept rate whose calibrated threshold decides `match` (default 1e-2). */
  far?: Far;
  /** The face size the threshold is chosen for; required when both inputs are embeddings (see decision.ts). */
  size?: FaceSize;
}

export interface IdentifyOptions {
  /** The per-comparison false-accept rate (default 1e-3: a gallery multiplies the chances of an impostor match). */
  far?: Far;
  /** The probe's face size; required when the probe is an embedding. */
  size?: FaceSize;
  /** Candidates returned (default 5). */
  k?: number;
}

export interface IdentifyFacesOptions extends DetectOptions {
  /** Candidates per face (default 5). */
  k?: number;
  /** The per-comparison false-accept rate of the threshold between a name and "unknown" (default 1e-3, as `identify`). */
  far?: Far;
  /** The detector (default: the shared BlazeFace detector of `detectFaces`). */
  detector?: FaceDetector;
  /** false: crop the loose box from the detector box instead of aligning by the landmarks (default true). */
  align?: boolean;
}

/** What `identifyFaces` searches: a `Gallery` (anything that searches several probes in one pass and lists its labels). */
export interface FaceGallery {
  searchMany(probes: readonly Float32Array[], k?: number): Promise<GalleryMatch[][]>;
  labels(): string[] | Promise<string[]>;
}

/**
 * One face of a frame: where it is (the detection), how it was cropped, what the network saw, and the decision
 * `identify` makes for it (`outcome` 'match' with `label`, or 'unknown'; `candidates`; the operating point for
 * its size).
 */
export interface IdentifiedFace extends Detection, Identification {
  /** How the face was cropped: by its landmarks onto the aligned convention, or by the loose box. */
  alignment: 'landmarks' | 'box';
  /** The face as the network saw it, at the face's own resolution (side = its face size). */
  chip: RgbaImage;
  embedding: Float32Array;
}

/** What `identify` searches: a `Gallery`, or the worker's `WorkerGallery`. */
export interface SearchableGallery {
  search(embedding: Float32Array, k?: number): Promise<GalleryMatch[]>;
  labels(): string[] | Promise<string[]>;
}

/** N embeddings in one row-major N×D array. */
export interface EmbeddingMatrix {
  data: Float32Array;
  count: number;
  dim: number;
}

export interface EmbedOptions {
  /**
   * Also embed each face mirrored left–right and return the normalised mean of the two embeddings (test-time
   * augmentation; twice the network work). The calibrated thresholds were set on plain embeddings.
   */
  mirror?: boolean;
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
  embed(faces: readonly FaceInput[] | Float32Array, options?: EmbedOptions): Promise<Float32Array[]>;
  verify(a: FaceInput | Float32Array, b: FaceInput | Float32Array, options?: VerifyOptions): Promise<Verification>;
  identify(
    probe: FaceInput | Float32Array,
    gallery: SearchableGallery,
    options?: IdentifyOptions,
  ): Promise<Identification>;
  identifyFaces(frame: FrameSource, gallery: FaceGallery, options?: IdentifyFacesOptions): Promise<IdentifiedFace[]>;
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
  async embed(faces: readonly FaceInput[] | Float32Array, options: EmbedOptions = {}): Promise<Float32Array[]> {
    const { data, count, dim } = await this.embedMatrix(faces, options);
    return Array.from({ length: count }, (_, i) => data.slice(i * dim, (i + 1) * dim));
  }

  /** `embed`, as one row-major N×D array (for writing files, bulk scoring, or a gallery). */
  async embedMatrix(faces: readonly FaceInput[] | Float32Array, options: EmbedOptions = {}): Promise<EmbeddingMatrix> {
    this.checkAlive();
    checkOptions(options);
    const mirror = options.mirror ?? false;
    if (typeof mirror !== 'boolean')
      throw new InputError('bad-option', `mirror must be a boolean, got ${JSON.stringify(options.mirror)}`);
    const { inputSize: size, embeddingDim: dim } = this.info;
    let flat: Float32Array;
    let count: number;
    if (faces instanceof Float32Array) {
      const perFace = 3 * size * size;
      if (faces.length === 0) throw new InputError('empty-batch', 'the input tensor is empty');
      if (faces.length % perFace !== 0) {
        throw new InputError(
          'bad-shape',
          `tensor length ${faces.length} is not a multiple of 3×${size}×${size} = ${perFace}`,
        );
      }
      const bad = faces.findIndex((v) => !Number.isFinite(v));
      if (bad >= 0) throw new InputError('non-finite', `tensor value at index ${bad} is ${faces[bad]}`);
      count = faces.length / perFace;
      flat = mirror
        ? meanOfMirrorPairs(
            await this.whileAlive(this.backend.embedTensor(withMirroredTensor(faces, size), 2 * count)),
            count,
            dim,
          )
        : await this.whileAlive(this.backend.embedTensor(faces, count));
    } else {
      if (!Array.isArray(faces))
        throw new InputError('bad-shape', 'faces must be an array of RGBA images or a Float32Array');
      if (faces.length === 0) throw new InputError('empty-batch', 'no faces to embed');
      // map() skips holes: a sparse array would reach the backend with faces missing.
      for (let i = 0; i < faces.length; i++) {
        if (!(i in faces)) throw new InputError('bad-shape', `faces[${i}] is missing (a hole in a sparse array)`);
      }
      const images: RgbaImage[] = faces.map(toRgba);
      images.forEach(checkImage);
      count = images.length;
      flat = mirror
        ? meanOfMirrorPairs(
            await this.whileAlive(this.backend.embedImages([...images, ...images.map(mirrorImage)])),
            count,
            dim,
          )
        : await this.whileAlive(this.backend.embedImages(images));
    }
    const bad = flat.findIndex((v) => !Number.isFinite(v));
    if (bad >= 0) {
      throw new NonFiniteOutputError(
        'non-finite-output',
        `the ${this.info.backend} backend produced ${flat[bad]} for face ${Math.floor(bad / dim)}`,
      );
    }
    return { data: flat, count, dim };
  }

  /** Cosine similarity of two embeddings of this model, in [-1, 1]; `InputError` for NaN, zero or wrong-length vectors. */
  similarity(a: Float32Array, b: Float32Array): number {
    return embeddingSimilarity(a, b, this.info.embeddingDim);
  }

  /**
   * Decides whether two faces (or two embeddings from `embed`) are the same person, with the threshold calibrated
   * in the weights for the false-accept rate `far` at the faces' size (the smaller of the two; `options.size` when
   * both are embeddings). The answer says what the threshold means (`meaning`, `tar`, `measuredFar`). Throws
   * `CalibrationError` when the weights carry no such threshold: a guessed threshold would give meaningless decisions.
   */
  async verify(
    a: FaceInput | Float32Array,
    b: FaceInput | Float32Array,
    options: VerifyOptions = {},
  ): Promise<Verification> {
    this.checkAlive();
    checkOptions(options);
    const far = options.far ?? 1e-2;
    if (options.size !== undefined) checkFaceSize(options.size);
    checkCalibrated(this.info.thresholds, far); // the options and the calibration are checked before any work
    const faces = [a, b].filter((x): x is FaceInput => !(x instanceof Float32Array));
    const embedded = faces.length > 0 ? await this.embed(faces) : [];
    const [ea, eb] = [a, b].map((x) => (x instanceof Float32Array ? x : embedded.shift()!));
    return verification(
      this.similarity(ea, eb),
      operatingPoint(this.info.thresholds, far, decisionSize([a, b], options.size)),
    );
  }

  /**
   * From a frame to names: detects the faces (`options.minFace` etc. as `detectFaces`), aligns each by its
   * landmarks, embeds them in one batch, searches `gallery` once for all of them, and decides each as `identify`
   * does: a name when the best candidate reaches the threshold calibrated for `far` at the face's size (its chip
   * side in pixels), else 'unknown'.
   */
  async identifyFaces(
    frame: FrameSource,
    gallery: FaceGallery,
    options: IdentifyFacesOptions = {},
  ): Promise<IdentifiedFace[]> {
    this.checkAlive();
    return identifyFrameFaces(this, frame, gallery, options);
  }

  /**
   * Names the enrolled identity a face (or an embedding) belongs to, or answers `outcome: 'unknown'` when no
   * candidate reaches the calibrated threshold for `far` (default 1e-3) at the probe's size. `openSetFar` estimates
   * how often someone never enrolled would be named, given the gallery's size.
   */
  async identify(
    probe: FaceInput | Float32Array,
    gallery: SearchableGallery,
    options: IdentifyOptions = {},
  ): Promise<Identification> {
    this.checkAlive();
    return identifyProbe(this, probe, gallery, options);
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

  /** A backend call's result, or `InputError('disposed')` when `dispose()` ran while it was in flight. */
  private async whileAlive<T>(call: Promise<T>): Promise<T> {
    try {
      return await call;
    } catch (e) {
      if (this.disposed) throw new InputError('disposed', 'this recognizer was disposed while the call ran');
      throw e;
    }
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
