/**
 * Verification thresholds in the weights header (docs/weights-format.md, "Thresholds"): per face size, per
 * false-accept rate, each with the operating point it was measured to give on the calibration data.
 */
import { WeightsFormatError } from '../errors.js';

export type FarKey = 'far_1e-2' | 'far_1e-3';
const FAR_KEYS: readonly FarKey[] = ['far_1e-2', 'far_1e-3'];

/** A threshold with what it was measured to do on the calibration data: match iff similarity >= threshold. */
export interface OperatingPoint {
  /** Cosine similarity, in [-1, 1]. */
  threshold: number;
  /** True-accept rate on the calibration data's genuine pairs, in [0, 1]; null when not measured (version 1 files). */
  tar: number | null;
  /** False-accept rate on the calibration data's impostor pairs, in [0, 1]. */
  far: number;
}
export type FarPoints = Partial<Record<FarKey, OperatingPoint>>;
export interface Thresholds {
  /** What the thresholds were calibrated on (data, people, pair counts), free text. */
  calibration: string;
  /** By face size in pixels ("8", "12", "16", "24", "32", any positive integer string) and "hr" (full resolution). */
  sizes: Record<string, FarPoints>;
}

/** Weights with no calibration (the seeded placeholder): verify refuses to decide. */
export const NO_THRESHOLDS: Thresholds = { calibration: 'none', sizes: {} };

/** What a version 1 header's flat `{ "far_1e-2": t }` becomes (docs/weights-format.md, "Version 1"). */
export const V1_CALIBRATION =
  'version 1 header: one threshold per false-accept rate for every face size, stored under "hr"; tar not recorded, far is the nominal rate';

const SIZE_KEY = /^(hr|[1-9][0-9]{0,4})$/;

const fail = (message: string): never => {
  throw new WeightsFormatError('bad-thresholds', message);
};
const isObject = (v: unknown): v is Record<string, unknown> => typeof v === 'object' && v !== null && !Array.isArray(v);

function rate(v: unknown, what: string): number {
  if (typeof v !== 'number' || !Number.isFinite(v) || v < 0 || v > 1)
    fail(`${what} must be a rate in [0, 1], got ${JSON.stringify(v)}`);
  return v as number;
}

function cosineThreshold(v: unknown, what: string): number {
  if (typeof v !== 'number' || !Number.isFinite(v) || v < -1 || v > 1)
    fail(`${what} must be a cosine in [-1, 1], got ${JSON.stringify(v)}`);
  return v as number;
}

function parsePoint(raw: unknown, what: string): OperatingPoint {
  if (!isObject(raw)) fail(`${what} must be { threshold, tar, far }, got ${JSON.stringify(raw)}`);
  const r = raw as Record<string, unknown>;
  return {
    threshold: cosineThreshold(r.threshold, `${what}.threshold`),
    tar: r.tar === null ? null : rate(r.tar, `${what}.tar`),
    far: rate(r.far, `${what}.far`),
  };
}

/** Checks a version 2 `thresholds` section value by value; absent means uncalibrated. */
export function parseThresholds(raw: unknown): Thresholds {
  if (raw === undefined) return NO_THRESHOLDS;
  if (!isObject(raw)) fail(`thresholds must be { calibration, sizes }, got ${JSON.stringify(raw)}`);
  const r = raw as Record<string, unknown>;
  if (typeof r.calibration !== 'string') fail('thresholds.calibration must be a string');
  if (!isObject(r.sizes)) fail('thresholds.sizes must be an object keyed by face size');
  const sizes: Record<string, FarPoints> = {};
  for (const [size, points] of Object.entries(r.sizes as Record<string, unknown>)) {
    if (!SIZE_KEY.test(size))
      fail(`thresholds.sizes key ${JSON.stringify(size)} is neither a face size in pixels nor "hr"`);
    if (!isObject(points)) fail(`thresholds.sizes["${size}"] must be an object keyed by far_1e-2 / far_1e-3`);
    const out: FarPoints = {};
    for (const [key, point] of Object.entries(points as Record<string, unknown>)) {
      if (!FAR_KEYS.includes(key as FarKey))
        fail(`thresholds.sizes["${size}"] has unknown key ${JSON.stringify(key)} (expected ${FAR_KEYS.join(' or ')})`);
      out[key as FarKey] = parsePoint(point, `thresholds.sizes["${size}"]["${key}"]`);
    }
    sizes[size] = out;
  }
  return { calibration: r.calibration as string, sizes };
}

/** A version 1 header's flat `{ "far_1e-2": t, "far_1e-3": t }`, checked and mapped to the version 2 form. */
export function parseV1Thresholds(raw: unknown): Thresholds {
  if (raw === undefined) return NO_THRESHOLDS;
  if (!isObject(raw)) fail(`thresholds must be an object, got ${JSON.stringify(raw)}`);
  const hr: FarPoints = {};
  for (const key of FAR_KEYS) {
    const t = (raw as Record<string, unknown>)[key];
    if (t !== undefined)
      hr[key] = {
        threshold: cosineThreshold(t, `thresholds["${key}"]`),
        tar: null,
        far: key === 'far_1e-2' ? 1e-2 : 1e-3,
      };
  }
  return Object.keys(hr).length === 0 ? NO_THRESHOLDS : { calibration: V1_CALIBRATION, sizes: { hr } };
}
