/**
 * The Recognizer API, run in a Web Worker so embedding never blocks the page:
 *
 *   import { createWorkerRecognizer } from 'bridgeface/worker';
 *   const rec = await createWorkerRecognizer({ backend: 'auto' });
 *   const [a, b] = await rec.embed([imageElement, { image: videoFrame, box }]);
 *   await rec.verify(a, b, { far: 1e-3 });   rec.similarity(a, b);   rec.dispose();
 *
 * Browser sources the worker cannot receive (image, canvas and video elements, OffscreenCanvas) are turned
 * into ImageBitmaps of just the face region here and transferred; ImageData, RGBA buffers, ImageBitmap and
 * VideoFrame are copied by structured clone (the caller keeps them).
 */
import type { FrameSource } from '../detect/detector.js';
import { InputError, WorkerError } from '../errors.js';
import type { FaceBox, RgbaImage } from '../runtime/image.js';
import type { Identification, Verification } from './decision.js';
import type { GalleryMatch, GalleryOptions, SearchBackend } from './gallery.js';
import { identifyFrameFaces, identifyProbe } from './identify.js';
import { type FaceSource, type ImageSource, isImageSource, readRegion, sourceSize } from './image-input.js';
import type {
  EmbedOptions,
  FaceGallery,
  FaceInput,
  FaceRecognizer,
  IdentifiedFace,
  IdentifyFacesOptions,
  IdentifyOptions,
  RecognizerInfo,
  RecognizerOptions,
  RecognizerWeights,
  SearchableGallery,
  VerifyOptions,
} from './recognizer.js';
import { embeddingSimilarity } from './similarity.js';
import {
  type CreatedRecognizer,
  type GalleryOp,
  type WorkerRequest,
  type WorkerResponse,
  deserializeError,
} from './worker-protocol.js';

export interface WorkerRecognizerOptions extends RecognizerOptions {
  /** The worker running dist/worker.js (or src/api/worker.ts under a bundler); default: dist/worker.js beside this module. */
  worker?: Worker;
}

export class WorkerRecognizer implements FaceRecognizer {
  private nextId = 1;
  private readonly pending = new Map<number, { resolve: (v: unknown) => void; reject: (e: Error) => void }>();
  info!: RecognizerInfo;
  weights!: RecognizerWeights;

  constructor(private readonly worker: Worker) {
    worker.addEventListener('message', (event: MessageEvent<WorkerResponse>) => {
      const r = event.data;
      const waiter = this.pending.get(r.id);
      if (!waiter) return;
      this.pending.delete(r.id);
      if (r.ok) waiter.resolve(r.value);
      else waiter.reject(deserializeError(r.error));
    });
    worker.addEventListener('error', (event) => {
      const error = new WorkerError('worker-failed', `bridgeface worker failed: ${event.message}`);
      for (const w of this.pending.values()) w.reject(error);
      this.pending.clear();
    });
  }

  call<T>(method: WorkerRequest['method'], args: unknown[], transfer: Transferable[] = []): Promise<T> {
    const id = this.nextId++;
    return new Promise<T>((resolve, reject) => {
      this.pending.set(id, { resolve: resolve as (v: unknown) => void, reject });
      this.worker.postMessage({ id, method, args } satisfies WorkerRequest, transfer);
    });
  }

  async embed(faces: readonly FaceInput[] | Float32Array, options: EmbedOptions = {}): Promise<Float32Array[]> {
    if (faces instanceof Float32Array) return this.call('embed', [faces, options]);
    if (!Array.isArray(faces)) throw new InputError('bad-shape', 'faces must be an array or a Float32Array');
    const transfer: Transferable[] = [];
    const sendable = await Promise.all(faces.map((f, i) => toSendable(f, i, transfer)));
    return this.call('embed', [sendable, options], transfer);
  }

  async verify(
    a: FaceInput | Float32Array,
    b: FaceInput | Float32Array,
    options: VerifyOptions = {},
  ): Promise<Verification> {
    const transfer: Transferable[] = [];
    const [x, y] = await Promise.all(
      [a, b].map((f, i) => (f instanceof Float32Array ? f : toSendable(f, i, transfer))),
    );
    return this.call('verify', [x, y, options], transfer);
  }

  /**
   * `Recognizer.identify`: the probe is embedded in the worker, the gallery (a `WorkerGallery` or a page-side
   * `Gallery`) searched, and the decision made here with the same rule.
   */
  async identify(
    probe: FaceInput | Float32Array,
    gallery: SearchableGallery,
    options: IdentifyOptions = {},
  ): Promise<Identification> {
    return identifyProbe(this, probe, gallery, options);
  }

  /**
   * `Recognizer.identifyFaces`: the faces are detected and cropped here, on the calling thread — the detector is an
   * ONNX Runtime session of this page (`options.detector`, default the shared BlazeFace detector) — and only the
   * chips are embedded in the worker, in one batch; the gallery (a `WorkerGallery` or a page-side `Gallery`) is
   * searched once and each face decided here with the same rule.
   */
  async identifyFaces(
    frame: FrameSource,
    gallery: FaceGallery,
    options: IdentifyFacesOptions = {},
  ): Promise<IdentifiedFace[]> {
    return identifyFrameFaces(this, frame, gallery, options);
  }

  /** A Gallery that lives in the worker (the same API as `Gallery`, every call asynchronous; dim defaults to the model's). */
  async createGallery(options: Omit<GalleryOptions, 'device'> = {}): Promise<WorkerGallery> {
    const gallery = new WorkerGallery(this, this.nextGallery++);
    await this.call('gallery', [gallery.id, 'create', { dim: this.info.embeddingDim, ...options }]);
    return gallery;
  }

  /** `Gallery.load` in the worker. */
  async loadGallery(
    bytes: Uint8Array | ArrayBuffer,
    options: Omit<GalleryOptions, 'device' | 'dim'> = {},
  ): Promise<WorkerGallery> {
    const gallery = new WorkerGallery(this, this.nextGallery++);
    await this.call('gallery', [gallery.id, 'load', bytes, options]);
    return gallery;
  }

  private nextGallery = 1;

  /** Cosine similarity, computed here (no round trip). */
  similarity(a: Float32Array, b: Float32Array): number {
    return embeddingSimilarity(a, b, this.info.embeddingDim);
  }

  dispose(): void {
    void this.call('dispose', []).finally(() => this.worker.terminate());
  }
}

/** `Gallery` running in the worker: the same methods, all returning promises; `stats()` replaces the getters. */
export class WorkerGallery {
  constructor(
    private readonly owner: WorkerRecognizer,
    readonly id: number,
  ) {}

  private op<T>(op: GalleryOp, ...args: unknown[]): Promise<T> {
    return this.owner.call<T>('gallery', [this.id, op, ...args]);
  }

  add(label: string, embeddings: Float32Array | readonly Float32Array[]): Promise<number> {
    return this.op('add', label, embeddings);
  }
  remove(label: string): Promise<void> {
    return this.op('remove', label);
  }
  search(embedding: Float32Array, k = 5): Promise<GalleryMatch[]> {
    return this.op('search', embedding, k);
  }
  searchMany(embeddings: readonly Float32Array[], k = 5): Promise<GalleryMatch[][]> {
    return this.op('searchMany', embeddings, k);
  }
  save(): Promise<Uint8Array> {
    return this.op('save');
  }
  labels(): Promise<string[]> {
    return this.op('labels');
  }
  has(label: string): Promise<boolean> {
    return this.op('has', label);
  }
  count(label: string): Promise<number> {
    return this.op('count', label);
  }
  /** Identities, embeddings, dimension, where the last search ran, and what loading the file noticed (`Gallery.warnings`). */
  stats(): Promise<{
    size: number;
    rows: number;
    dim: number;
    lastSearchBackend?: SearchBackend;
    warnings: readonly string[];
  }> {
    return this.op('stats');
  }
  dispose(): Promise<void> {
    return this.op('dispose');
  }
}

/** A face the worker can receive: cloneable as is, or the face region as a transferred ImageBitmap. */
async function toSendable(face: FaceSource, index: number, transfer: Transferable[]): Promise<unknown> {
  const wrapped = face as { image?: unknown; box?: FaceBox };
  const source = isImageSource(face)
    ? face
    : isImageSource(wrapped?.image)
      ? (wrapped.image as ImageSource)
      : undefined;
  if (!source) return face as RgbaImage;
  const box = isImageSource(face) ? undefined : wrapped.box;
  const cloneable =
    (typeof ImageBitmap !== 'undefined' && source instanceof ImageBitmap) ||
    (typeof VideoFrame !== 'undefined' && source instanceof VideoFrame);
  if (cloneable) return face;
  const { width, height } = sourceSize(source);
  if (!(width > 0 && height > 0))
    throw new InputError('bad-image', `faces[${index}] has no pixels yet; wait until it has loaded`);
  const r = readRegion(box, width, height);
  let bitmap: ImageBitmap;
  try {
    bitmap = await createImageBitmap(source, r.x, r.y, r.width, r.height, {
      premultiplyAlpha: 'none',
      colorSpaceConversion: 'none',
    });
  } catch (e) {
    throw new InputError('bad-image', `faces[${index}] cannot be read: ${(e as Error).message}`);
  }
  transfer.push(bitmap);
  return box ? { image: bitmap, box: { ...box, x: box.x - r.x, y: box.y - r.y } } : bitmap;
}

/** Starts a worker (or uses `options.worker`) and creates a Recognizer inside it. */
export async function createWorkerRecognizer(options: WorkerRecognizerOptions = {}): Promise<WorkerRecognizer> {
  const { worker, ...rest } = options;
  // A literal `new Worker(new URL('./worker.js', import.meta.url), …)`: application bundlers (Vite, webpack) bundle
  // dist/worker.js from it; @vite-ignore only keeps this library's own build from doing so (see default-weights.ts).
  const rec = new WorkerRecognizer(
    worker ?? new Worker(new URL(/* @vite-ignore */ './worker.js', import.meta.url), { type: 'module' }),
  );
  // Weights given as a URL relative to the page must be made absolute: the worker resolves against its own URL.
  const raw = rest.weights instanceof URL ? rest.weights.href : rest.weights;
  const weights = typeof raw === 'string' && typeof location !== 'undefined' ? new URL(raw, location.href).href : raw;
  const created = await rec.call<CreatedRecognizer>('create', [{ ...rest, weights }]);
  rec.info = created.info;
  rec.weights = created.weights;
  return rec;
}
