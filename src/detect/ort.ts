/**
 * ONNX Runtime, loaded on first use so that recognition-only users never load it (it is an optional peer
 * dependency: `onnxruntime-node` in Node, `onnxruntime-web` in browsers). Only the few members the detectors use
 * are typed here, so either package — or one the application passes in, e.g. `onnxruntime-web/webgpu` — fits.
 */
import { DetectorError } from '../errors.js';

export interface OrtTensor {
  readonly data: unknown;
  readonly dims: readonly number[];
}

export interface OrtSession {
  readonly inputNames: readonly string[];
  readonly outputNames: readonly string[];
  run(feeds: Record<string, OrtTensor>): Promise<Record<string, OrtTensor>>;
  release?(): Promise<void>;
}

/** The part of `onnxruntime-node` / `onnxruntime-web` the detectors use. */
export interface OrtModule {
  InferenceSession: { create(model: Uint8Array, options?: Record<string, unknown>): Promise<OrtSession> };
  Tensor: new (type: 'float32', data: Float32Array, dims: readonly number[]) => OrtTensor;
}

const inNode = typeof process !== 'undefined' && process.versions?.node !== undefined;

let loaded: Promise<OrtModule> | undefined;

/** `onnxruntime-node` in Node, `onnxruntime-web` elsewhere; a clear `DetectorError` when neither is installed. */
export function loadOrt(): Promise<OrtModule> {
  loaded ??= (async () => {
    const name = inNode ? 'onnxruntime-node' : 'onnxruntime-web';
    try {
      // The Node package is named through a variable so browser bundlers do not try to resolve it.
      const mod = (inNode ? await import(/* @vite-ignore */ name) : await import('onnxruntime-web')) as OrtModule & { default?: OrtModule };
      return mod.InferenceSession ? mod : mod.default!;
    } catch (e) {
      loaded = undefined;
      throw new DetectorError(
        'runtime-missing',
        `face detection runs on ONNX Runtime: install ${name} (npm install ${name}) or pass { ort } to createDetector (${(e as Error).message.split('\n')[0]})`,
      );
    }
  })();
  return loaded;
}
