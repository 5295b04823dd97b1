/**
 * The CPU backend's fast path: 1×1 convolutions (and the stem, as im2col patches) run by a hand-written
 * WebAssembly SIMD kernel (wasm/pointwise.wat) instead of the JavaScript reference loops. Weights are
 * transposed into the module's memory once; each call copies the batch in, runs one face at a time, and
 * copies the result out. Shapes the kernel does not take (output channels not a multiple of 4, pixels not a
 * multiple of 8) stay on the reference path.
 */
import { POINTWISE_WASM_BASE64 } from './wasm/pointwise-module.js';

interface PointwiseExports {
  memory: WebAssembly.Memory;
  pointwise(x: number, w: number, b: number, out: number, C: number, O: number, P: number): void;
}

/** A weight matrix resident in wasm memory, transposed to [K][O], with its bias. */
export interface SimdMatrix {
  outChannels: number;
  k: number;
  weight: number;
  bias: number;
}

const PAGE = 65536;

/** Whether the SIMD kernel can compute a layer with these output channels and pixels per face. */
export function simdFits(outChannels: number, pixels: number): boolean {
  return outChannels % 4 === 0 && pixels % 8 === 0;
}

export class SimdPointwise {
  private readonly exports: PointwiseExports;
  /** Bytes used by resident weights; the per-call scratch area starts here. */
  private top = 0;

  /** Returns undefined where WebAssembly SIMD is unavailable. */
  static create(): SimdPointwise | undefined {
    try {
      const bytes = Uint8Array.from(atob(POINTWISE_WASM_BASE64), (c) => c.charCodeAt(0));
      // 0.5 KB: small enough for synchronous compilation on a browser's main thread.
      const instance = new WebAssembly.Instance(new WebAssembly.Module(bytes));
      return new SimdPointwise(instance.exports as unknown as PointwiseExports);
    } catch {
      return undefined;
    }
  }

  private constructor(exports: PointwiseExports) {
    this.exports = exports;
  }

  /** Copies W [O][K] (transposed to [K][O]) and the bias into module memory, for the life of the module. */
  addMatrix(weight: Float32Array, bias: Float32Array, outChannels: number, k: number): SimdMatrix {
    const at = this.reserve(this.top, (k * outChannels + outChannels) * 4);
    const f = new Float32Array(this.exports.memory.buffer);
    const w = at / 4;
    for (let o = 0; o < outChannels; o++) for (let c = 0; c < k; c++) f[w + c * outChannels + o] = weight[o * k + c];
    f.set(bias, w + k * outChannels);
    this.top = at + (k * outChannels + outChannels) * 4;
    return { outChannels, k, weight: at, bias: at + k * outChannels * 4 };
  }

  /**
   * out[n][o][p] = bias[o] + Σk W[o][k] · x[n][k][p] for `batch` faces of `pixels` each (x is NCHW-like:
   * [batch][K][P]). `out` receives [batch][O][P].
   */
  run(m: SimdMatrix, batch: number, pixels: number, x: Float32Array, out: Float32Array): void {
    const inFloats = m.k * pixels;
    const outFloats = m.outChannels * pixels;
    const xAt = this.reserve(this.top, batch * (inFloats + outFloats) * 4);
    const outAt = xAt + batch * inFloats * 4;
    new Float32Array(this.exports.memory.buffer, xAt, batch * inFloats).set(x.subarray(0, batch * inFloats));
    for (let n = 0; n < batch; n++) {
      this.exports.pointwise(xAt + n * inFloats * 4, m.weight, m.bias, outAt + n * outFloats * 4, m.k, m.outChannels, pixels);
    }
    out.set(new Float32Array(this.exports.memory.buffer, outAt, batch * outFloats));
  }

  /** Grows memory so that [at, at + bytes) exists (16-byte aligned) and returns `at` aligned. */
  private reserve(at: number, bytes: number): number {
    const start = Math.ceil(at / 16) * 16;
    const missing = start + bytes - this.exports.memory.buffer.byteLength;
    if (missing > 0) this.exports.memory.grow(Math.ceil(missing / PAGE));
    return start;
  }
}
