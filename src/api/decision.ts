/**
 * Decisions with a stated meaning: which calibrated operating point (threshold, measured TAR and FAR) applies to a
 * face of a given size, and what a verify or identify answer means at that point. Pure functions over the
 * weights header's `thresholds`, so the recognizer, the worker client and the CLI decide identically.
 *
 * Size lookup rule (documented in README, "Decisions"): a face's size is the shorter side of its face box in source
 * pixels, or of the whole image when there is no box; a pair uses the smaller of its two faces. The calibrated
 * sizes are the numeric keys of `thresholds.sizes` (8, 12, 16, 24, 32) and "hr". A face uses the largest calibrated
 * size not above it; a face larger than every numeric size uses "hr" (when calibrated); a face smaller than the
 * smallest uses the smallest, with a warning.
 */
import { CalibrationError, InputError } from '../errors.js';
import type { FarKey, OperatingPoint, Thresholds } from '../model/thresholds.js';
import type { GalleryMatch } from './gallery.js';
import { type FaceSource, isImageSource, sourceSize } from './image-input.js';

/** False-accept rates the weights calibrate thresholds for. */
export type Far = 1e-2 | 1e-3;

/** A face size in pixels (the shorter side of the face box), or 'hr' for full resolution. */
export type FaceSize = number | 'hr';

/** The operating point a decision used and what it means. */
export interface OperatingDecision {
  /** The false-accept rate asked for. */
  far: Far;
  /** The face size the decision was made for (measured from the input, or the `size` option). */
  faceSize: FaceSize;
  /** The calibrated size whose threshold applies: "8", "12", "16", "24", "32" or "hr". */
  calibratedSize: string;
  /** match iff similarity >= threshold. */
  threshold: number;
  /** Share of genuine (same-person) pairs this threshold accepts, measured on people the model never saw; null when not measured (version 1 weights). */
  tar: number | null;
  /** Share of impostor pairs it accepts, measured there (close to `far`). */
  measuredFar: number;
  /** One sentence: what this threshold does at this size. */
  meaning: string;
  /** Set when the face size is outside the calibrated range. */
  warning?: string;
}

export interface Verification extends OperatingDecision {
  /** Cosine similarity of the two embeddings. */
  similarity: number;
  /** similarity >= threshold. */
  match: boolean;
}

export interface Identification extends OperatingDecision {
  /** 'match': the best candidate reaches the threshold; 'unknown': nobody enrolled does (or the gallery is empty). */
  outcome: 'match' | 'unknown';
  /** The matched label (only when outcome is 'match'). */
  label?: string;
  /** The best candidate's similarity (NaN for an empty gallery). */
  similarity: number;
  /** The top candidates, best first, whatever the outcome. */
  candidates: GalleryMatch[];
  /** Identities in the gallery. */
  enrolled: number;
  /**
   * Estimated chance that a person who is not enrolled is named as someone: 1 − (1 − measuredFar)^enrolled
   * (each enrolled identity is one more chance of an impostor match).
   */
  openSetFar: number;
}

const FAR_KEYS: Record<string, FarKey> = { '0.01': 'far_1e-2', '0.001': 'far_1e-3' };

function farKey(far: Far): FarKey {
  const key = FAR_KEYS[String(far)];
  if (!key) throw new InputError('bad-option', `far must be 1e-2 or 1e-3, got ${String(far)}`);
  return key;
}

/** Checks a `size` option: a positive face size in pixels or 'hr'. */
export function checkFaceSize(size: unknown): FaceSize {
  if (size === 'hr' || (typeof size === 'number' && Number.isFinite(size) && size > 0)) return size;
  throw new InputError('bad-option', `size must be a face size in pixels (> 0) or 'hr', got ${JSON.stringify(size)}`);
}

/** A face's size in source pixels: the shorter side of its face box, or of the whole image without one. */
export function faceSizeOf(face: FaceSource): number {
  const size = sizeOfSource(face);
  if (!(size > 0)) throw new InputError('bad-shape', 'cannot tell the face size of this input; pass { size }');
  return size;
}

function sizeOfSource(face: FaceSource): number {
  const f = face as { box?: { width: number; height: number }; image?: unknown; width?: number; height?: number };
  if (f.box) return Math.min(f.box.width, f.box.height);
  const image = isImageSource(face) ? face : isImageSource(f.image) ? f.image : (f.image ?? face);
  const { width, height } = isImageSource(image) ? sourceSize(image) : (image as { width: number; height: number });
  return Math.min(width, height);
}

/** The calibrated size a face of `faceSize` uses (the rule in this module's header), with a warning when outside. */
function calibratedSizeFor(thresholds: Thresholds | undefined, faceSize: FaceSize): { key: string; warning?: string } {
  const keys = Object.keys(thresholds?.sizes ?? {});
  const numeric = keys
    .filter((k) => k !== 'hr')
    .map(Number)
    .filter(Number.isFinite)
    .sort((a, b) => a - b);
  const hasHr = keys.includes('hr');
  if (numeric.length === 0 && !hasHr)
    throw new CalibrationError('no-thresholds', 'these weights carry no calibrated thresholds');
  if (faceSize === 'hr' || numeric.length === 0) {
    return hasHr ? { key: 'hr' } : { key: String(numeric[numeric.length - 1]) };
  }
  const largest = numeric[numeric.length - 1];
  if (faceSize > largest) return hasHr ? { key: 'hr' } : { key: String(largest) };
  if (faceSize < numeric[0]) {
    return {
      key: String(numeric[0]),
      warning: `the face is ${round(faceSize)} px, below the smallest calibrated size (${numeric[0]} px): the decision is less reliable than stated`,
    };
  }
  return { key: String(numeric.filter((k) => k <= faceSize).pop()) };
}

/** Checks, before any work, that `far` is valid and that the weights carry thresholds for it at some size. */
export function checkCalibrated(thresholds: Thresholds | undefined, far: Far): void {
  const key = farKey(far);
  if (!Object.values(thresholds?.sizes ?? {}).some((points) => points?.[key] !== undefined)) {
    throw new CalibrationError(
      'no-thresholds',
      `cannot decide at FAR ${far}: these weights carry no "${key}" thresholds (an untrained or uncalibrated file; see training/calibrate.ts)`,
    );
  }
}

/** The operating point for `far` at `faceSize`, or `CalibrationError` when the weights carry none. */
export function operatingPoint(thresholds: Thresholds | undefined, far: Far, faceSize: FaceSize): OperatingDecision {
  const key = farKey(far);
  const { key: size, warning } = calibratedSizeFor(thresholds, faceSize);
  const point: OperatingPoint | undefined = thresholds?.sizes?.[size]?.[key];
  if (!point || !Number.isFinite(point.threshold)) {
    throw new CalibrationError(
      'no-thresholds',
      `cannot decide at FAR ${far}: these weights carry no "${key}" threshold for ${size === 'hr' ? 'full-resolution' : `${size}-px`} faces`,
    );
  }
  const at = size === 'hr' ? 'at full resolution' : `at ${size} px`;
  const meaning =
    point.tar === null
      ? `${at} this threshold (${point.threshold.toFixed(4)}) accepts ${percent(point.far)} of impostors (nominal; its share of genuine pairs was not measured)`
      : `${at} this threshold (${point.threshold.toFixed(4)}) accepts ~${percent(point.tar)} of genuine pairs and ${percent(point.far)} of impostors (measured on people the model never saw)`;
  return {
    far,
    faceSize,
    calibratedSize: size,
    threshold: point.threshold,
    tar: point.tar,
    measuredFar: point.far,
    meaning,
    ...(warning ? { warning } : {}),
  };
}

/** A verify answer: the similarity against the operating point. */
export function verification(similarity: number, point: OperatingDecision): Verification {
  return { ...point, similarity, match: similarity >= point.threshold };
}

/** An identify answer: the best candidate if it reaches the threshold, else 'unknown'. */
export function identification(candidates: GalleryMatch[], enrolled: number, point: OperatingDecision): Identification {
  const best = candidates[0];
  const match = best !== undefined && best.similarity >= point.threshold;
  const openSetFar = 1 - (1 - point.measuredFar) ** enrolled;
  const meaning =
    `${point.meaning}; with ${enrolled} ${enrolled === 1 ? 'identity' : 'identities'} enrolled, someone not enrolled is named as one of them ` +
    `~${percent(openSetFar)} of the time (estimate)`;
  return {
    ...point,
    meaning,
    outcome: match ? 'match' : 'unknown',
    ...(match ? { label: best.label } : {}),
    similarity: best?.similarity ?? Number.NaN,
    candidates,
    enrolled,
    openSetFar,
  };
}

function percent(x: number): string {
  const p = 100 * x;
  return `${p >= 10 ? p.toFixed(0) : p >= 1 ? p.toFixed(1) : p.toPrecision(2)} %`;
}

function round(x: number): string {
  return Number.isInteger(x) ? String(x) : x.toFixed(1);
}
