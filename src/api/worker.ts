/**
 * Web Worker entry: runs a Recognizer off the main thread. Pair it with `createWorkerRecognizer` from
 * 'bridgeface/worker' (worker-client.ts), which mirrors the Recognizer API. In the package this file is
 * dist/worker.js; with a bundler, `new Worker(new URL('bridgeface/dist/worker.js', import.meta.url), { type: 'module' })`.
 */
import { type Recognizer, type RecognizerOptions, createRecognizer } from './recognizer.js';
import { type WorkerRequest, type WorkerResponse, serializeError } from './worker-protocol.js';

declare const self: DedicatedWorkerGlobalScope;

let recognizer: Recognizer | undefined;

async function handle({ method, args }: WorkerRequest): Promise<unknown> {
  switch (method) {
    case 'create': {
      recognizer?.dispose();
      recognizer = await createRecognizer(args[0] as RecognizerOptions);
      const { input, thresholds, provenance } = recognizer.weights;
      return { info: recognizer.info, weights: { input, thresholds, provenance } };
    }
    case 'embed':
      return live().embed(args[0] as Parameters<Recognizer['embed']>[0]);
    case 'verify':
      return live().verify(...(args as Parameters<Recognizer['verify']>));
    case 'dispose':
      recognizer?.dispose();
      recognizer = undefined;
      return undefined;
  }
}

function live(): Recognizer {
  if (!recognizer) throw new Error('the worker has no recognizer: call create first');
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
  const transfer = Array.isArray(response.ok && response.value) ? (response as { value: Float32Array[] }).value.map((e) => e.buffer as ArrayBuffer) : [];
  self.postMessage(response, transfer);
});
