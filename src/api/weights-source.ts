import { InputError } from '../errors.js';
import { defaultWeightsUrl } from '../default-weights.js';

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
    const { readFile } = await import('node:fs/promises');
    try {
      return new Uint8Array(await readFile(url ?? source));
    } catch (e) {
      throw new InputError('unreadable', `cannot read weights from ${String(source)}: ${(e as Error).message}`);
    }
  }
  const response = await fetch(url ?? source).catch((e: Error) => {
    throw new InputError('unreadable', `cannot fetch weights from ${String(source)}: ${e.message}`);
  });
  if (!response.ok) throw new InputError('unreadable', `cannot fetch weights from ${String(source)}: HTTP ${response.status}`);
  return new Uint8Array(await response.arrayBuffer());
}
