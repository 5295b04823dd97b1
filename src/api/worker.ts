/**
 * Web Worker entry: runs a Recognizer off the main thread. Pair it with `createWorkerRecognizer` from
 * 'bridgeface/worker' (worker-client.ts), which mirrors the Recognizer API. In the package this file is
 * dist/worker.js; with a bundler, `new Worker(new URL('bridgeface/dist/worker.js', import.meta.url), { type: 'module' })`.
 */
import { InputError } from '../errors.js';
import { Gallery, type GalleryOptions } from './gallery.js';
import { type Recognizer, type RecognizerOptions, createRecognizer } from './recognizer.js';
import {
  type CreatedRecognizer,
  GALLERY_OPS,
  type GalleryOp,
  type WorkerRequest,
  type WorkerResponse,
  serializeError,
} from './worker-protocol.js';

declare const self: DedicatedWorkerGlobalScope;

let recognizer: Recognizer | undefined;
const galleries = new Map<number, Gallery>();

/** Runs a gallery operation; galleries live in the worker, so large searches never block the page. */
async function galleryOp(id: number, op: GalleryOp, args: unknown[]): Promise<unknown> {
  if (!GALLERY_OPS.includes(op)) throw new InputError('bad-option', `unknown gallery operation ${String(op)}`);
  if (op === 'create' || op === 'load') {
    galleries.get(id)?.dispose();
    const options = args[op === 'load' ? 1 : 0] as GalleryOptions | undefined;
    galleries.set(id, op === 'load' ? Gallery.load(args[0] as Uint8Array, options) : new Gallery(options));
    return undefined;
  }
  const g = galleries.get(id);
  if (!g) throw new InputError('disposed', 'this gallery was disposed');
  switch (op) {
    case 'add':
      return g.add(args[0] as string, args[1] as Float32Array[]);
    case 'remove':
      return g.remove(args[0] as string);
    case 'search':
      return g.search(args[0] as Float32Array, args[1] as number);
    case 'searchMany':
      return g.searchMany(args[0] as Float32Array[], args[1] as number);
    case 'save':
      return g.save();
    case 'labels':
      return g.labels();
    case 'has':
      return g.has(args[0] as string);
    case 'count':
      return g.count(args[0] as string);
    case 'stats':
      return { size: g.size, rows: g.rows, dim: g.dim, lastSearchBackend: g.lastSearchBackend, warnings: g.warnings };
    case 'dispose':
      g.dispose();
      galleries.delete(id);
      return undefined;
  }
}

async function handle({ method, args }: WorkerRequest): Promise<unknown> {
  switch (method) {
    case 'create': {
      recognizer?.dispose();
      recognizer = await createRecognizer(args[0] as RecognizerOptions);
      const { input, thresholds, provenance, warnings } = recognizer.weights;
      return {
        info: recognizer.info,
        weights: { input, thresholds, provenance, warnings },
      } satisfies CreatedRecognizer;
    }
    case 'embed':
      return live().embed(...(args as Parameters<Recognizer['embed']>));
    case 'verify':
      return live().verify(...(args as Parameters<Recognizer['verify']>));
    case 'gallery':
      return galleryOp(args[0] as number, args[1] as GalleryOp, args.slice(2));
    case 'dispose':
      recognizer?.dispose();
      recognizer = undefined;
      for (const g of galleries.values()) g.dispose();
      galleries.clear();
      return undefined;
  }
}

function live(): Recognizer {
  if (!recognizer) throw new InputError('disposed', 'the worker has no recognizer: call create first');
  return recognizer;
}

self.addEventListener('message', async (event: MessageEvent<WorkerRequest>) => {
  const request = event.data;
  let response: WorkerResponse;
  try {
    response = { id: request.id, ok: true, value: await handle(request) };
  } catch (e) {
    response = { id: request.id, ok: false, error: serializeError(e) };
  }
  // Embeddings are transferred, not copied.
  const value = response.ok ? response.value : undefined;
  const transfer =
    Array.isArray(value) && value.length > 0 && value.every((e) => e instanceof Float32Array)
      ? value.map((e: Float32Array) => e.buffer as ArrayBuffer)
      : [];
  self.postMessage(response, transfer);
});
