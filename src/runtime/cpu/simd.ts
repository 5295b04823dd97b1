/**
 * The CPU backend's fast path: hand-written WebAssembly SIMD kernels (wasm/kernels.wat) for the 1×1 layers
 * (and the stem, as im2col columns) and the 3×3 depthwise layers, instead of the JavaScript reference loops.
 * Weights are copied into the module's memory once; each call copies the batch in, runs one face (or plane)
 * at a time, and copies the result out. Shapes a kernel does not take stay on the reference path.
 */
import type { ActCode } from '../../model/network.js';
import { KERNELS_WASM_BASE64 } from './wasm/kernels-module.js';

interface KernelExports {
  memory: WebAssembly.Memory;
  pointwise(x: number, w: number, b: number, out: number, C: number, O: number, P: number, act: number, alpha: number, res: number): void;
  depthwise3x3(input: number, side: number, out: number, outSize: number, stride: number, w: number, bias: number, act: number, slope: number): void;
}

/** A 1×1 layer resident in wasm memory: weights transposed to [K][O], bias, PReLU slopes, activation code. */
export interface SimdMatrix {
  outChannels: number;
  k: number;
  weight: number;
  bias: number;
  alpha: number;
  act: ActCode;
}

/** A 3×3 depthwise layer: weights resident in wasm memory ([C][9]); bias and slopes are passed per plane. */
export interface SimdDepthwise {
  channels: number;
  weight: number;
  bias: Float32Array;
  alpha?: Float32Array;
  act: ActCode;
}

const PAGE = 65536;

/** Whether the 1×1 kernel takes a layer with these output channels and pixels per face. */
export function pointwiseFits(outChannels: number, pixels: number): boolean {
  return outChannels % 4 === 0 && pixels % 8 === 0;
}

/** Whether the depthwise kernel takes a 3×3, padding-1 layer with this output size. */
export function depthwiseFits(kernel: number, pad: number, outSize: number): boolean {
  return kernel === 3 && pad === 1 && outSize % 4 === 0;
}

export class SimdKernels {
  private readonly exports: KernelExports;
  /** Bytes used by resident weights; the per-call scratch area starts here. */
  private top = 0;

  /** Returns undefined where WebAssembly SIMD is unavailable. */
  static create(): SimdKernels | undefined {
    try {
      const bytes = Uint8Array.from(atob(KERNELS_WASM_BASE64), (c) => c.charCodeAt(0));
      // About 1 KB: small enough for synchronous compilation on a browser's main thread.
      const instance = new WebAssembly.Instance(new WebAssembly.Module(bytes));
      return new SimdKernels(instance.exports as unknown as KernelExports);
    } catch {
      return undefined;
    }
  }

  private constructor(exports: KernelExports) {
    this.exports = exports;
  }

  /**
   * Copies a 1×1 layer (W [O][K], transposed to [K][O]; bias; PReLU slopes if any) into module memory, for the
   * life of the module.
   */
  addMatrix(weight: Float32Array, bias: Float32Array, outChannels: number, k: number, act: ActCode, alpha?: Float32Array): SimdMatrix {
    const at = this.resident((k + 2) * outChannels);
    const f = this.floats();
    const w = at / 4;
    for (let o = 0; o < outChannels; o++) for (let c = 0; c < k; c++) f[w + c * outChannels + o] = weight[o * k + c];
    f.set(bias, w + k * outChannels);
    if (alpha) f.set(alpha, w + (k + 1) * outChannels);
    return { outChannels, k, weight: at, bias: at + k * outChannels * 4, alpha: at + (k + 1) * outChannels * 4, act };
  }

  /** Copies a 3×3 depthwise layer's weights [C][1][3][3] into module memory. */
  addDepthwise(weight: Float32Array, bias: Float32Array, channels: number, act: ActCode, alpha?: Float32Array): SimdDepthwise {
    const at = this.resident(channels * 9);
    this.floats().set(weight.subarray(0, channels * 9), at / 4);
    return { channels, weight: at, bias, alpha, act };
  }

  /**
   * out[n][o][p] = act(bias[o] + Σk W[o][k] · x[n][k][p]) (+ residual[n][o][p]) for `batch` faces of `pixels`
   * each (x is [batch][K][P], like an NCHW map); `out` receives [batch][O][P].
   */
  pointwise(m: SimdMatrix, batch: number, pixels: number, x: Float32Array, out: Float32Array, residual?: Float32Array): void {
    const inFloats = m.k * pixels;
    const outFloats = m.outChannels * pixels;
    const xAt = this.scratch(batch * (inFloats + 2 * outFloats));
    const outAt = xAt + batch * inFloats * 4;
    const resAt = outAt + batch * outFloats * 4;
    this.floats().set(x.subarray(0, batch * inFloats), xAt / 4);
    if (residual) this.floats().set(residual.subarray(0, batch * outFloats), resAt / 4);
    for (let n = 0; n < batch; n++) {
      const res = residual ? resAt + n * outFloats * 4 : 0;
      this.exports.pointwise(xAt + n * inFloats * 4, m.weight, m.bias, outAt + n * outFloats * 4, m.k, m.outChannels, pixels, m.act, m.alpha, res);
    }
    out.set(new Float32Array(this.exports.memory.buffer, outAt, batch * outFloats));
  }

  /** 3×3 depthwise convolution, padding 1, then the activation, of `batch` NCHW maps of `channels` planes. */
  depthwise(d: SimdDepthwise, batch: number, inSize: number, outSize: number, stride: number, x: Float32Array, out: Float32Array): void {
    const side = inSize + 2;
    const planes = batch * d.channels;
    const [padded, outPlane] = [side * side, outSize * outSize];
    const inAt = this.scratch(planes * (padded + outPlane));
    const outAt = inAt + planes * padded * 4;
    const f = this.floats();
    const base = inAt / 4;
    f.fill(0, base, base + planes * padded);
    for (let plane = 0; plane < planes; plane++) {
      for (let y = 0; y < inSize; y++) {
        const from = (plane * inSize + y) * inSize;
        f.set(x.subarray(from, from + inSize), base + plane * padded + (y + 1) * side + 1);
      }
    }
    for (let plane = 0; plane < planes; plane++) {
      const c = plane % d.channels;
      const at = [inAt + plane * padded * 4, side, outAt + plane * outPlane * 4, outSize, stride] as const;
      this.exports.depthwise3x3(...at, d.weight + c * 36, d.bias[c], d.act, d.alpha ? d.alpha[c] : 0);
    }
    out.set(new Float32Array(this.exports.memory.buffer, outAt, planes * outPlane));
  }

  private floats(): Float32Array {
    return new Float32Array(this.exports.memory.buffer);
  }

  /** Reserves `floats` resident floats after the previous ones; returns their byte offset. */
  private resident(floats: number): number {
    const at = this.reserve(this.top, floats * 4);
    this.top = at + floats * 4;
    return at;
  }

  /** The per-call scratch area (reused by every call) of at least `floats` floats; returns its byte offset. */
  private scratch(floats: number): number {
    return this.reserve(this.top, floats * 4);
  }

  /** Grows memory so that [at, at + bytes) exists (16-byte aligned, with 64 bytes of slack) and returns `at` aligned. */
  private reserve(at: number, bytes: number): number {
    const start = Math.ceil(at / 16) * 16;
    const missing = start + bytes + 64 - this.exports.memory.buffer.byteLength;
    if (missing > 0) this.exports.memory.grow(Math.ceil(missing / PAGE));
    return start;
  }
}
