/**
 * ONNX Runtime, loaded on first use so that recognition-only users never load it (an optional peer dependency:
 * `onnxruntime-node` in Node, `onnxruntime-web` in browsers, passed in by the application). Only the few members
 * the detectors use are typed here, so either package, or e.g. `onnxruntime-web/webgpu`, fits.
 */
import { DetectorError } from '../errors.js';
import { nodeImport } from '../runtime/node-import.js';

interface OrtTensor {
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

/**
 * `onnxruntime-node` in Node. In browsers the application passes its own import (`import * as ort from
 * 'onnxruntime-web'; createDetector({ ort })`), so its bundler places ONNX Runtime's wasm files; bridgeface
 * names no ONNX Runtime package in a static import, so apps that never detect build without one installed. The
 * bare name is still tried in browsers (it resolves under an import map).
 */
export function loadOrt(): Promise<OrtModule> {
  loaded ??= (async () => {
    const name = inNode ? 'onnxruntime-node' : 'onnxruntime-web';
    try {
      const mod = (await nodeImport(name)) as OrtModule & { default?: OrtModule };
      return mod.InferenceSession ? mod : mod.default!;
    } catch (e) {
      loaded = undefined;
      const how = inNode
        ? 'npm install onnxruntime-node, or pass { ort } to createDetector'
        : "import * as ort from 'onnxruntime-web' in your app and pass createDetector({ ort })";
      throw new DetectorError(
        'runtime-missing',
        `face detection runs on ONNX Runtime: ${how} (${(e as Error).message.split('\n')[0]})`,
      );
    }
  })();
  return loaded;
}
