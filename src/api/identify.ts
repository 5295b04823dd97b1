/**
 * `identify` and `identifyFaces`, once for the recognizer and the worker client (which embeds in its worker and
 * decides on the page): the options and the calibration are checked before any work, the faces embedded (a probe
 * only unless it is an embedding), the gallery searched, and each answer decided by decision.ts's open-set rule.
 */
import { type FrameSource, defaultDetector } from '../detect/detector.js';
import { InputError } from '../errors.js';
import {
  type FaceSize,
  type Identification,
  checkCalibrated,
  checkFaceSize,
  faceSizeOf,
  identification,
  operatingPoint,
} from './decision.js';
import { cropFaces } from './detect-faces.js';
import { type FaceSource, toRgba } from './image-input.js';
import type {
  FaceGallery,
  FaceRecognizer,
  IdentifiedFace,
  IdentifyFacesOptions,
  IdentifyOptions,
  SearchableGallery,
} from './recognizer.js';
import { checkEmbedding } from './similarity.js';

/** An options argument is an object when given (JavaScript callers can pass null or a string). */
export function checkOptions(options: unknown): void {
  if (typeof options !== 'object' || options === null || Array.isArray(options)) {
    throw new InputError('bad-option', `options must be an object, got ${JSON.stringify(options)}`);
  }
}

/** The face size a decision is made for: `size` when given, else the smallest face among the inputs. */
export function decisionSize(inputs: ReadonlyArray<FaceSource | Float32Array>, size: FaceSize | undefined): FaceSize {
  if (size !== undefined) return checkFaceSize(size);
  const sizes = inputs.filter((x): x is FaceSource => !(x instanceof Float32Array)).map(faceSizeOf);
  if (sizes.length === 0) {
    throw new InputError(
      'bad-option',
      "pass { size }: the face size (pixels, or 'hr') the embeddings were made from; thresholds depend on it",
    );
  }
  return Math.min(...sizes);
}

/**
 * What identifying needs of a recognizer: its calibration and embedding length (`info`) and its batch `embed`
 * (in this thread, or in the worker).
 */
type IdentifyModel = Pick<FaceRecognizer, 'info' | 'embed'>;

export async function identifyProbe(
  model: IdentifyModel,
  probe: FaceSource | Float32Array,
  gallery: SearchableGallery,
  options: IdentifyOptions,
): Promise<Identification> {
  checkOptions(options);
  const far = options.far ?? 1e-3;
  if (options.size !== undefined) checkFaceSize(options.size);
  const { thresholds, embeddingDim } = model.info;
  checkCalibrated(thresholds, far);
  const embedding = probe instanceof Float32Array ? probe : (await model.embed([probe]))[0];
  checkEmbedding(embedding, embeddingDim, 'the probe embedding');
  const point = operatingPoint(thresholds, far, decisionSize([probe], options.size));
  const [candidates, labels] = await Promise.all([gallery.search(embedding, options.k ?? 5), gallery.labels()]);
  return identification(candidates, labels.length, point);
}

/**
 * Detection and cropping run on the calling thread (the detector is an ONNX Runtime session there); only
 * `model.embed` may leave it, for all the chips in one batch.
 */
export async function identifyFrameFaces(
  model: IdentifyModel,
  frame: FrameSource,
  gallery: FaceGallery,
  options: IdentifyFacesOptions,
): Promise<IdentifiedFace[]> {
  checkOptions(options);
  const far = options.far ?? 1e-3;
  const { thresholds } = model.info;
  checkCalibrated(thresholds, far);
  const detector = options.detector ?? (await defaultDetector());
  const image = toRgba(frame, 0);
  const detections = await detector.detect(image, options);
  if (detections.length === 0) return [];
  const crops = cropFaces(image, detections, detector.info.family, options.align ?? true);
  const embeddings = await model.embed(crops.map((c) => c.chip));
  const [matches, labels] = await Promise.all([gallery.searchMany(embeddings, options.k ?? 5), gallery.labels()]);
  return crops.map((c, i) => ({
    ...c.detection,
    // The face size of a chip is its side: cropFaces cuts it at the face's own resolution.
    ...identification(matches[i], labels.length, operatingPoint(thresholds, far, c.chip.width)),
    alignment: c.alignment,
    chip: c.chip,
    embedding: embeddings[i],
  }));
}
