/**
 * Messages between worker-client.ts (the page) and worker.ts (the Web Worker).
 *
 * Hand-written rather than Comlink: Comlink's error handler carries only name, message and stack, so the typed
 * errors would need this file's serialisation anyway; the page must preprocess faces itself (elements become
 * ImageBitmaps of the face region, with a transfer list) before any call; and a Comlink proxy of `Gallery` would
 * trade the explicit gallery ids and `dispose` for proxy lifetimes (`releaseProxy`). What remains here is a
 * request id map, so a dependency would save little. The mirror is checked by the `FaceRecognizer` interface.
 */
import { BridgefaceError, ERROR_CLASSES } from '../errors.js';
import type { RecognizerInfo, RecognizerWeights } from './recognizer.js';

export interface WorkerRequest {
  id: number;
  method: 'create' | 'embed' | 'verify' | 'dispose' | 'gallery';
  args: unknown[];
}

/** Gallery operations a worker runs: `args` of a 'gallery' request are [galleryId, op, ...opArgs]. */
export const GALLERY_OPS = [
  'create',
  'load',
  'add',
  'remove',
  'search',
  'searchMany',
  'save',
  'labels',
  'has',
  'count',
  'stats',
  'dispose',
] as const;
export type GalleryOp = (typeof GALLERY_OPS)[number];

/** The worker's answer to 'create'. */
export interface CreatedRecognizer {
  info: RecognizerInfo;
  weights: RecognizerWeights;
}

export type WorkerResponse =
  | { id: number; ok: true; value: unknown }
  | { id: number; ok: false; error: SerializedError };

export interface SerializedError {
  name: string;
  code?: string;
  message: string;
}

export function serializeError(e: unknown): SerializedError {
  if (e instanceof BridgefaceError) return { name: e.name, code: e.code, message: e.message };
  const error = e as Error | undefined;
  return { name: error?.name ?? 'Error', message: error?.message ?? String(e) };
}

/** Rebuilds the typed error the worker threw, so `instanceof`, `name` and `code` work across the boundary. */
export function deserializeError(s: SerializedError): Error {
  const Kind = Object.hasOwn(ERROR_CLASSES, s.name) ? ERROR_CLASSES[s.name as keyof typeof ERROR_CLASSES] : undefined;
  if (Kind && s.code !== undefined) return new Kind(s.code as never, s.message);
  return Object.assign(new Error(s.message), { name: s.name });
}
