import type { InputSpec } from '../model/architecture.js';
import type { Network } from '../model/network.js';
import type { RgbaImage } from './image.js';

export type BackendKind = 'webgpu' | 'cpu';

/** What both backends offer the recognizer. Inputs are already validated; outputs are N×D row-major. */
export interface Backend {
  readonly kind: BackendKind;
  /** Human-readable adapter description, e.g. "SwiftShader (core)" or "JavaScript (single thread)". */
  readonly adapter: string;
  embedImages(images: readonly RgbaImage[]): Promise<Float32Array>;
  /** `input` holds `count` faces as N×3×S×S floats. */
  embedTensor(input: Float32Array, count: number): Promise<Float32Array>;
  /** Bytes of GPU memory held in buffers (0 for the CPU backend). */
  gpuBufferBytes(): number;
  dispose(): void;
}

/** What a backend is built from. */
export interface BackendModel {
  network: Network;
  input: InputSpec;
  tensors: Map<string, Float32Array>;
}
