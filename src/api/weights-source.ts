import { InputError, WeightsFormatError } from '../errors.js';
import { defaultWeightsUrl } from '../default-weights.js';
import { nodeImport } from '../runtime/node-import.js';

/** Bytes, a URL (browsers and Node), or a file path (Node). */
export type WeightsSource = ArrayBuffer | Uint8Array | string | URL;

const inNode = typeof process !== 'undefined' && process.versions?.node !== undefined;

/** Fetches or reads the weights file; without a source, the shipped default. */
export async function loadWeightsBytes(source: WeightsSource = defaultWeightsUrl()): Promise<Uint8Array> {
  if (source instanceof Uint8Array) return source;
  if (source instanceof ArrayBuffer) return new Uint8Array(source);
  const isUrl = source instanceof URL || /^[a-z][a-z0-9+.-]*:\/\//i.test(source);
  const url = isUrl ? new URL(source) : undefined;
  if (inNode && (!url || url.protocol === 'file:')) {
    const { readFile } = await nodeImport<typeof import('node:fs/promises')>('node:fs/promises');
    try {
      return new Uint8Array(await readFile(url ?? source));
    } catch (e) {
      throw new InputError('unreadable', `cannot read weights from ${String(source)}: ${(e as Error).message}`);
    }
  }
  const response = await fetch(url ?? source).catch((e: Error) => {
    throw new InputError('unreadable', `cannot fetch weights from ${String(source)}: ${e.message}`);
  });
  const where = response.url || String(url ?? source);
  const hint = 'serve weights/student.bfw as a static file, or pass createRecognizer({ weights }) (README, "Install")';
  if (!response.ok) throw new InputError('unreadable', `cannot fetch weights from ${where}: HTTP ${response.status}; ${hint}`);
  const bytes = new Uint8Array(await response.arrayBuffer());
  if (bytes.length === 0) throw new WeightsFormatError('truncated', `${where} returned an empty response, not a weights file; ${hint}`);
  const type = response.headers.get('content-type') ?? '';
  if (/text\/html/i.test(type) || /^\s*<(!doctype|html)/i.test(new TextDecoder().decode(bytes.subarray(0, 64)))) {
    throw new WeightsFormatError('bad-magic', `${where} returned an HTML page, not a weights file (a dev server's fallback page?); ${hint}`);
  }
  return bytes;
}
