/** Messages between worker-client.ts (the page) and worker.ts (the Web Worker). */
import { BridgefaceError, CalibrationError, GalleryFormatError, GpuError, InputError, NonFiniteOutputError, WeightsFormatError } from '../errors.js';

export interface WorkerRequest {
  id: number;
  method: 'create' | 'embed' | 'verify' | 'dispose' | 'gallery';
  args: unknown[];
}

/** Gallery operations a worker runs: `args` of a 'gallery' request are [galleryId, op, ...opArgs]. */
export const GALLERY_OPS = ['create', 'load', 'add', 'remove', 'search', 'searchMany', 'save', 'labels', 'has', 'count', 'stats', 'dispose'] as const;
export type GalleryOp = (typeof GALLERY_OPS)[number];

export type WorkerResponse = { id: number; ok: true; value: unknown } | { id: number; ok: false; error: SerializedError };

export interface SerializedError {
  name: string;
  code?: string;
  message: string;
}

/** Stable names (class names do not survive minification, so `error.name` cannot be trusted). */
const KINDS: Array<[string, abstract new (...args: never[]) => Error]> = [
  ['InputError', InputError],
  ['GpuError', GpuError],
  ['WeightsFormatError', WeightsFormatError],
  ['GalleryFormatError', GalleryFormatError],
  ['CalibrationError', CalibrationError],
  ['NonFiniteOutputError', NonFiniteOutputError],
  ['BridgefaceError', BridgefaceError],
];

export function serializeError(e: unknown): SerializedError {
  const error = e as Error & { code?: string };
  const name = KINDS.find(([, kind]) => e instanceof kind)?.[0] ?? error?.name ?? 'Error';
  return { name, code: error?.code, message: error?.message ?? String(e) };
}

/** Rebuilds the typed error the worker threw, so `instanceof` and `code` work across the boundary. */
export function deserializeError(s: SerializedError): Error {
  const withCode = <T extends Error>(error: T): T => {
    Object.defineProperty(error, 'message', { value: s.message });
    return error;
  };
  const strip = (m: string) => (s.code && m.startsWith(`${s.code}: `) ? m.slice(s.code.length + 2) : m);
  switch (s.name) {
    case 'InputError':
      return withCode(new InputError(s.code as InputError['code'], strip(s.message)));
    case 'GpuError':
      return withCode(new GpuError(s.code as GpuError['code'], strip(s.message)));
    case 'WeightsFormatError':
      return withCode(new WeightsFormatError(s.code as WeightsFormatError['code'], strip(s.message)));
    case 'GalleryFormatError':
      return withCode(new GalleryFormatError(s.code as GalleryFormatError['code'], strip(s.message)));
    case 'CalibrationError':
      return new CalibrationError(s.message);
    case 'NonFiniteOutputError':
      return new NonFiniteOutputError(s.message);
    case 'BridgefaceError':
      return new BridgefaceError(s.message);
    default:
      return Object.assign(new Error(s.message), { name: s.name });
  }
}
