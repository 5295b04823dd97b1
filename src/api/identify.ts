/**
 * `identify`, once for the recognizer and the worker client (which embeds in its worker and decides on the page):
 * the options and the calibration are checked before any work, the probe embedded unless it is an embedding, the
 * gallery searched, and the answer decided by decision.ts's open-set rule.
 */
import { InputError } from '../errors.js';
import type { Thresholds } from '../model/thresholds.js';
import {
  type FaceSize,
  type Identification,
  checkCalibrated,
  checkFaceSize,
  faceSizeOf,
  identification,
  operatingPoint,
} from './decision.js';
import type { FaceSource } from './image-input.js';
import type { IdentifyOptions, SearchableGallery } from './recognizer.js';
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

/** What `identify` needs of the model: its calibration, its embedding length, and a way to embed one face. */
export interface IdentifyModel {
  thresholds: Thresholds | undefined;
  embeddingDim: number;
  embed(face: FaceSource): Promise<Float32Array>;
}

export async function identifyProbe(
  model: IdentifyModel,
  probe: FaceSource | Float32Array,
  gallery: SearchableGallery,
  options: IdentifyOptions,
): Promise<Identification> {
  checkOptions(options);
  const far = options.far ?? 1e-3;
  if (options.size !== undefined) checkFaceSize(options.size);
  checkCalibrated(model.thresholds, far);
  const embedding = probe instanceof Float32Array ? probe : await model.embed(probe);
  checkEmbedding(embedding, model.embeddingDim, 'the probe embedding');
  const point = operatingPoint(model.thresholds, far, decisionSize([probe], options.size));
  const [candidates, labels] = await Promise.all([gallery.search(embedding, options.k ?? 5), gallery.labels()]);
  return identification(candidates, labels.length, point);
}
