/**
 * What every command gets: where to write, and how to open the recognizer with the notes a user should see.
 */
import { type Recognizer, createRecognizer } from '../api/recognizer.js';
import { BridgefaceError } from '../errors.js';
import type { CommonOptions } from './options.js';
import { sizeWarning } from './options.js';

/** A command-line failure that is not about one input file: a missing optional package, an output it cannot write. */
export class CliError extends BridgefaceError<'missing-dependency' | 'unwritable-output'> {
  override readonly name = 'CliError';
}

export interface CliIo {
  stdout: (text: string) => void;
  stderr: (text: string) => void;
  /** A terminal to draw progress bars on; absent when stderr is piped or captured. */
  progress?: NodeJS.WritableStream;
}

export function warn(io: CliIo, message: string): void {
  io.stderr(`bridgeface: warning: ${message}\n`);
}

/** Creates the recognizer and says what the user should know about it (placeholder weights, CPU fallback, size). */
export async function openRecognizer(o: CommonOptions, io: CliIo): Promise<Recognizer> {
  const w = sizeWarning(o.size);
  if (w) warn(io, w);
  const rec = await createRecognizer({ backend: o.backend, weights: o.weights });
  if (!rec.info.trained)
    warn(io, 'these weights are an UNTRAINED placeholder; embeddings carry no identity information');
  if (rec.info.fallbackReason) io.stderr(`bridgeface: no WebGPU adapter, using the CPU (${rec.info.fallbackReason})\n`);
  return rec;
}

/** "cpu (WebAssembly SIMD)" or "webgpu (google swiftshader (core))": the backend a result came from. */
export function backendLine(rec: Recognizer): string {
  const fallback = rec.info.fallbackReason ? ', no WebGPU adapter' : '';
  return `${rec.info.backend} (${rec.info.adapter}${fallback})`;
}
