import { defaultWeightsUrl } from '../default-weights.js';
import { InputError, WeightsFormatError } from '../errors.js';
import { nodeImport } from '../runtime/node-import.js';

/** Bytes, a URL (browsers and Node; `data:` URLs included), or a file path (Node). */
export type WeightsSource = ArrayBuffer | Uint8Array | string | URL;

/**
 * The largest weights file read from a path or URL: 64 MiB (the shipped student is 0.8 MB). A larger file, a
 * response that grows past it, or a path that is not a regular file (`/dev/zero`, a FIFO) gives
 * `InputError('unreadable')` before more than this is read.
 */
export const MAX_WEIGHTS_BYTES = 64 * 2 ** 20;

const inNode = typeof process !== 'undefined' && process.versions?.node !== undefined;
/** The URL schemes a weights string may use; anything else (`C:\…`, `my:file.bfw`) is a path. */
const URL_SCHEME = /^(https?|file|data|blob):/i;

/** Fetches or reads the weights file; without a source, the shipped default. */
export async function loadWeightsBytes(source: WeightsSource = defaultWeightsUrl()): Promise<Uint8Array> {
  if (source instanceof Uint8Array) return source;
  if (source instanceof ArrayBuffer) return new Uint8Array(source);
  if (typeof source !== 'string' && !(source instanceof URL)) {
    // Named by type only: a typed array of weights must not be stringified into the message.
    const kind = ArrayBuffer.isView(source)
      ? `${(source as object).constructor.name} of ${(source as ArrayBufferView).byteLength} bytes`
      : typeof source;
    throw new InputError(
      'bad-option',
      `weights must be a Uint8Array or ArrayBuffer of the .bfw file, a URL or a path; got ${kind}`,
    );
  }
  const url = source instanceof URL ? source : URL_SCHEME.test(source) ? parseUrl(source) : undefined;
  if (inNode && (!url || url.protocol === 'file:')) return readFileBounded(url ?? source);
  return fetchBounded(url ?? source);
}

function parseUrl(text: string): URL {
  try {
    return new URL(text);
  } catch {
    throw new InputError(
      'bad-option',
      `weights ${text.startsWith('data:') ? 'data: URL' : JSON.stringify(text.slice(0, 200))} is not a valid URL`,
    );
  }
}

const tooLarge = (what: string, bytes: number | string) =>
  new InputError(
    'unreadable',
    `${what} is ${bytes} bytes, more than the ${MAX_WEIGHTS_BYTES}-byte limit for a weights file`,
  );

/** Reads a regular file of at most MAX_WEIGHTS_BYTES; never blocks on a FIFO, never reads a device. */
async function readFileBounded(path: string | URL): Promise<Uint8Array> {
  const fs = await nodeImport<typeof import('node:fs/promises')>('node:fs/promises');
  const { constants } = await nodeImport<typeof import('node:fs')>('node:fs');
  const what = `weights file ${String(path)}`;
  let handle: Awaited<ReturnType<typeof fs.open>> | undefined;
  try {
    // O_NONBLOCK: opening a FIFO for reading would otherwise wait for a writer.
    handle = await fs.open(path, constants.O_RDONLY | constants.O_NONBLOCK);
    const stat = await handle.stat();
    if (!stat.isFile()) throw new InputError('unreadable', `${what} is not a regular file`);
    if (stat.size > MAX_WEIGHTS_BYTES) throw tooLarge(what, stat.size);
    // Read one byte past the limit so a file that grows while we read is caught too.
    const buffer = new Uint8Array(Math.min(stat.size, MAX_WEIGHTS_BYTES) + 1);
    let length = 0;
    for (;;) {
      const { bytesRead } = await handle.read(buffer, length, buffer.length - length, null);
      if (bytesRead === 0) break;
      length += bytesRead;
      if (length > MAX_WEIGHTS_BYTES) throw tooLarge(what, `over ${MAX_WEIGHTS_BYTES}`);
      if (length === buffer.length) break;
    }
    if (length === buffer.length) throw new InputError('unreadable', `${what} grew while it was read`);
    return buffer.subarray(0, length);
  } catch (e) {
    if (e instanceof InputError) throw e;
    throw new InputError('unreadable', `cannot read ${what}: ${(e as Error).message}`);
  } finally {
    await handle?.close();
  }
}

const HINT = 'serve weights/student.bfw as a static file, or pass createRecognizer({ weights }) (README, "Install")';

/**
 * Fetches at most MAX_WEIGHTS_BYTES, refusing early on a larger Content-Length and cancelling a longer body; an
 * empty response or an HTML page (a dev server's fallback) is named for what it is.
 */
async function fetchBounded(url: string | URL): Promise<Uint8Array> {
  // A data: URL names its whole content: keep it out of messages.
  const place = (u: string) => (u.startsWith('data:') ? 'a data: URL' : u);
  const response = await fetch(url).catch((e: Error) => {
    throw new InputError('unreadable', `cannot fetch weights from ${place(String(url))}: ${e.message}`);
  });
  const where = place(response.url || String(url));
  const what = `weights from ${where}`;
  if (!response.ok) throw new InputError('unreadable', `cannot fetch ${what}: HTTP ${response.status}; ${HINT}`);
  const declared = Number(response.headers.get('content-length') ?? NaN);
  if (declared > MAX_WEIGHTS_BYTES) {
    await response.body?.cancel();
    throw tooLarge(what, declared);
  }
  const reader = response.body?.getReader(); // null for a response without a body (then it is empty)
  const chunks: Uint8Array[] = [];
  let length = 0;
  try {
    while (reader) {
      const { done, value } = await reader.read();
      if (done) break;
      length += value.byteLength;
      if (length > MAX_WEIGHTS_BYTES) {
        await reader.cancel();
        throw tooLarge(what, `over ${MAX_WEIGHTS_BYTES}`);
      }
      chunks.push(value);
    }
  } catch (e) {
    if (e instanceof InputError) throw e;
    throw new InputError('unreadable', `cannot fetch ${what}: ${(e as Error).message}`);
  }
  const bytes = new Uint8Array(length);
  let offset = 0;
  for (const chunk of chunks) {
    bytes.set(chunk, offset);
    offset += chunk.byteLength;
  }
  if (bytes.length === 0)
    throw new WeightsFormatError('truncated', `${where} returned an empty response, not a weights file; ${HINT}`);
  const type = response.headers.get('content-type') ?? '';
  if (/text\/html/i.test(type) || /^\s*<(!doctype|html)/i.test(new TextDecoder().decode(bytes.subarray(0, 64)))) {
    throw new WeightsFormatError(
      'bad-magic',
      `${where} returned an HTML page, not a weights file (a dev server's fallback page?); ${HINT}`,
    );
  }
  return bytes;
}
