/**
 * bridgeface: low-resolution face recognition on WebGPU.
 *
 * Layers, bottom up: kernels/ (WGSL) → runtime/ (WebGPU and CPU backends) → model/ (the student network and
 * its weights format) → api/ (what applications call). Weights-file and evaluation tooling is in 'bridgeface/tools'.
 */
export {
  createRecognizer,
  Recognizer,
  type RecognizerOptions,
  type RecognizerInfo,
  type FaceRecognizer,
  type RecognizerWeights,
  type FaceInput,
  type VerifyOptions,
  type EmbedOptions,
  type IdentifyOptions,
  type SearchableGallery,
  type EmbeddingMatrix,
  type IdentifyFacesOptions,
  type IdentifiedFace,
  type FaceGallery,
} from './api/recognizer.js';
export type { Far, FaceSize, OperatingDecision, Verification, Identification } from './api/decision.js';
export {
  createDetector,
  detectFaces,
  FaceDetector,
  type DetectorOptions,
  type DetectOptions,
  type DetectorInfo,
  type DetectorFamily,
  type Detection,
  type FrameSource,
} from './detect/detector.js';
export type { OrtModule } from './detect/ort.js';
export { alignFace, warpChip, type Alignment, type Similarity } from './detect/align.js';
export { FaceTracker, trackVideo, meanEmbedding, type TrackerOptions, type TrackedFace } from './api/detect-video.js';
export { Gallery, type GalleryOptions, type GalleryMatch, type SearchBackend } from './api/gallery.js';
export type { ImageSource } from './api/image-input.js';
export { cosine } from './api/similarity.js';
export type { WeightsSource } from './api/weights-source.js';
export type { RgbaImage, FaceBox } from './runtime/image.js';
export {
  BridgefaceError,
  WeightsFormatError,
  InputError,
  GpuError,
  NonFiniteOutputError,
  CalibrationError,
  GalleryFormatError,
  WorkerError,
  DetectorError,
} from './errors.js';
