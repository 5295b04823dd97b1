/**
 * bridgeface: low-resolution face recognition on WebGPU.
 *
 * Layers, bottom up: kernels/ (WGSL) → runtime/ (WebGPU and CPU backends) → model/ (the student network and
 * its weights format) → api/ (what applications call). Weights-file and evaluation tooling is in 'bridgeface/tools'.
 */

export type { FaceSize, Far, Identification, OperatingDecision, Verification } from './api/decision.js';
export { FaceTracker, type TrackedFace, type TrackerOptions, meanEmbedding, trackVideo } from './api/detect-video.js';
export { Gallery, type GalleryMatch, type GalleryOptions, type SearchBackend } from './api/gallery.js';
export type { ImageSource } from './api/image-input.js';
export {
  type EmbedOptions,
  type EmbeddingMatrix,
  type FaceGallery,
  type FaceInput,
  type FaceRecognizer,
  type IdentifiedFace,
  type IdentifyFacesOptions,
  type IdentifyOptions,
  Recognizer,
  type RecognizerInfo,
  type RecognizerOptions,
  type RecognizerWeights,
  type SearchableGallery,
  type VerifyOptions,
  createRecognizer,
} from './api/recognizer.js';
export { cosine } from './api/similarity.js';
export type { WeightsSource } from './api/weights-source.js';
export { type Alignment, type Similarity, alignFace, warpChip } from './detect/align.js';
export {
  type DetectOptions,
  type Detection,
  type DetectorBackend,
  type DetectorFamily,
  type DetectorInfo,
  type DetectorOptions,
  FaceDetector,
  type FrameSource,
  createDetector,
  detectFaces,
} from './detect/detector.js';
export type { OrtModule } from './detect/ort.js';
export {
  BridgefaceError,
  CalibrationError,
  DetectorError,
  GalleryFormatError,
  GpuError,
  InputError,
  NonFiniteOutputError,
  WeightsFormatError,
  WorkerError,
} from './errors.js';
export type { FaceBox, RgbaImage } from './runtime/image.js';
