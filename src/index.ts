/**
 * bridgeface: low-resolution face recognition on WebGPU.
 *
 * Layers, bottom up: kernels/ (WGSL) → runtime/ (WebGPU and CPU backends) → model/ (the student network and
 * its weights format) → api/ (what applications call).
 */
export {
  createRecognizer,
  Recognizer,
  type RecognizerOptions,
  type RecognizerInfo,
  type FaceRecognizer,
  type RecognizerWeights,
  type FaceInput,
  type Far,
  type VerifyOptions,
  type Verification,
} from './api/recognizer.js';
export { Gallery, type GalleryOptions, type GalleryMatch, type SearchBackend } from './api/gallery.js';
export { type ImageSource, type FaceSource, readRegion } from './api/image-input.js';
export { prepareFace, type PrepareOptions, type Framing } from './api/prepare.js';
export { framedFaceBox } from './api/face-box.js';
export { cosine } from './api/similarity.js';
export type { WeightsSource } from './api/weights-source.js';
export type { RgbaImage, FaceBox } from './runtime/image.js';
export { readWeights, writeWeights, type StudentWeights, type Thresholds } from './model/weights-format.js';
export type { FarKey, FarPoints, OperatingPoint } from './model/thresholds.js';
export { DEFAULT_ARCHITECTURE, parameterCount, type Architecture, type InputSpec } from './model/architecture.js';
export { randomWeights } from './model/random-weights.js';
export {
  BridgefaceError,
  WeightsFormatError,
  InputError,
  GpuError,
  NonFiniteOutputError,
  CalibrationError,
  GalleryFormatError,
  WorkerError,
} from './errors.js';
