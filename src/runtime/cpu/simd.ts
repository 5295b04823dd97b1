/**
 * The CPU backend's fast path: hand-written WebAssembly SIMD kernels (wasm/kernels.wat) for the 1×1 layers
 * (and the stem, as im2col columns) and the 3×3 depthwise layers, instead of the JavaScript reference loops.
 * Weights are copied into the module's memory once. The backend keeps a run's activations in the module's
 * memory too (`arena`), so the kernels read and write them in place; arrays from elsewhere are copied in and
 * out. Shapes a kernel does not take stay on the reference path.
 */
import type { ActCode } from '../../model/network.js';
import { KERNELS_WASM_BASE64 } from './wasm/kernels-module.js';

interface KernelExports {
  memory: WebAssembly.Memory;
  pointwise(x: number, w: number, b: number, out: number, C: number, O: number, P: number, act: number, alpha: number, res: number): void;
  conv3x3_s1(input: number, C: number, size: number, pad: number, w: number, b: number, out: number, O: number, act: number, alpha: number): void;
  depthwise3x3_planes(
    input: number, planes: number, channels: number, inSize: number, outSize: number, stride: number,
    pad: number, out: number, w: number, b: number, alpha: number, act: number,
  ): void;
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

/** A 3×3 depthwise layer resident in wasm memory: weights [C][9], biases [C], PReLU slopes [C] (zeros if none). */
export interface SimdDepthwise {
  channels: number;
  weight: number;
  bias: number;
  alpha: number;
  act: ActCode;
}

const PAGE = 65536;

/** Whether the 1×1 kernel takes a layer with these output channels and pixels per face. */
export function pointwiseFits(outChannels: number, pixels: number): boolean {
  return outChannels % 4 === 0 && pixels % 8 === 0;
}

/** Whether the stem kernel takes a dense 3×3 layer (stride 1, padding 1) with these output channels and size. */
export function stemFits(stride: number, outChannels: number, outSize: number): boolean {
  return stride === 1 && outChannels % 4 === 0 && outSize % 8 === 0;
}

/** Whether the depthwise kernel takes a 3×3, padding-1 layer with this output size. */
export function depthwiseFits(kernel: number, pad: number, outSize: number): boolean {
  return kernel === 3 && pad === 1 && outSize % 4 === 0;
}

export class SimdKernels {
  private readonly exports: KernelExports;
  /** Bytes used by resident weights; a run's arena starts here. */
  private top = 0;
  /** Start of the scratch area: after the current arena, if any. */
  private scratchBase = 0;

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

  /** Copies a 3×3 depthwise layer (weights [C][1][3][3], bias, PReLU slopes if any) into module memory. */
  addDepthwise(weight: Float32Array, bias: Float32Array, channels: number, act: ActCode, alpha?: Float32Array): SimdDepthwise {
    const at = this.resident(channels * 11);
    const f = this.floats();
    f.set(weight.subarray(0, channels * 9), at / 4);
    f.set(bias, at / 4 + channels * 9);
    if (alpha) f.set(alpha, at / 4 + channels * 10);
    return { channels, weight: at, bias: at + channels * 36, alpha: at + channels * 40, act };
  }

  /**
   * A run's working memory: `floats` floats in module memory, followed by `scratchFloats` of scratch for the
   * depthwise kernel's padded planes. Views stay valid until the next call to `arena` (which may grow memory).
   */
  arena(floats: number, scratchFloats: number): Float32Array {
    const at = this.reserve(this.top, (floats + scratchFloats) * 4 + 16);
    this.scratchBase = at + floats * 4;
    return new Float32Array(this.exports.memory.buffer, at, floats);
  }

  /**
   * out[n][o][p] = act(bias[o] + Σk W[o][k] · x[n][k][p]) (+ residual[n][o][p]) for `batch` faces of `pixels`
   * each (x is [batch][K][P], like an NCHW map); `out` receives [batch][O][P].
   */
  pointwise(m: SimdMatrix, batch: number, pixels: number, x: Float32Array, out: Float32Array, residual?: Float32Array): void {
    const inFloats = m.k * pixels;
    const outFloats = m.outChannels * pixels;
    const scratch = this.scratchAllocator();
    const xAt = this.place(x, batch * inFloats, scratch, true);
    const outAt = this.place(out, batch * outFloats, scratch, false);
    const resAt = residual ? this.place(residual, batch * outFloats, scratch, true) : 0;
    for (let n = 0; n < batch; n++) {
      const res = residual ? resAt + n * outFloats * 4 : 0;
      this.exports.pointwise(xAt + n * inFloats * 4, m.weight, m.bias, outAt + n * outFloats * 4, m.k, m.outChannels, pixels, m.act, m.alpha, res);
    }
    if (!this.inModule(out)) out.set(new Float32Array(this.exports.memory.buffer, outAt, batch * outFloats));
  }

  /**
   * Dense 3×3 convolution, stride 1, padding 1, then the activation, of `batch` faces of `channels` planes of
   * size² (m holds W as [C·9][O]); no im2col copy: the kernel reads shifted rows of zero-bordered planes.
   */
  conv3x3(m: SimdMatrix, batch: number, channels: number, size: number, x: Float32Array, out: Float32Array): void {
    const [inFloats, outFloats] = [channels * size * size, m.outChannels * size * size];
    const scratch = this.scratchAllocator();
    const inAt = this.place(x, batch * inFloats, scratch, true);
    const outAt = this.place(out, batch * outFloats, scratch, false);
    const padFloats = SimdKernels.stemScratch(channels, size);
    const padAt = scratch(padFloats);
    this.floats().fill(0, padAt / 4, padAt / 4 + padFloats);
    for (let n = 0; n < batch; n++) {
      this.exports.conv3x3_s1(inAt + n * inFloats * 4, channels, size, padAt, m.weight, m.bias, outAt + n * outFloats * 4, m.outChannels, m.act, m.alpha);
    }
    if (!this.inModule(out)) out.set(new Float32Array(this.exports.memory.buffer, outAt, batch * outFloats));
  }

  /** Scratch floats the stem kernel needs: one face's zero-bordered planes. */
  static stemScratch(channels: number, size: number): number {
    return channels * (size + 2) ** 2;
  }

  /** 3×3 depthwise convolution, padding 1, then the activation, of `batch` NCHW maps of `channels` planes. */
  depthwise(d: SimdDepthwise, batch: number, inSize: number, outSize: number, stride: number, x: Float32Array, out: Float32Array): void {
    const planes = batch * d.channels;
    const scratch = this.scratchAllocator();
    const inAt = this.place(x, planes * inSize * inSize, scratch, true);
    const outAt = this.place(out, planes * outSize * outSize, scratch, false);
    const padAt = scratch(SimdKernels.depthwiseScratch(inSize));
    this.exports.depthwise3x3_planes(inAt, planes, d.channels, inSize, outSize, stride, padAt, outAt, d.weight, d.bias, d.alpha, d.act);
    if (!this.inModule(out)) out.set(new Float32Array(this.exports.memory.buffer, outAt, planes * outSize * outSize));
  }

  /** Scratch floats the depthwise kernel needs: one zero-bordered plane of (inSize + 2)². */
  static depthwiseScratch(inSize: number): number {
    return (inSize + 2) ** 2;
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

  private inModule(a: Float32Array): boolean {
    return a.buffer === this.exports.memory.buffer;
  }

  /** Byte offset of `a` in module memory: itself when it lives there, else a scratch copy (if `copyIn`). */
  private place(a: Float32Array, floats: number, scratch: (floats: number) => number, copyIn: boolean): number {
    if (this.inModule(a)) return a.byteOffset;
    const at = scratch(floats);
    if (copyIn) this.floats().set(a.subarray(0, floats), at / 4);
    return at;
  }

  /**
   * Hands out consecutive scratch regions after the arena. Growing memory here would detach the arena's views,
   * so an arena's scratch must have been sized for the run (the backend does); plain arrays may grow it.
   */
  private scratchAllocator(): (floats: number) => number {
    let next = Math.max(this.scratchBase, this.top);
    return (floats) => {
      const at = this.reserve(next, floats * 4);
      next = at + floats * 4;
      return at;
    };
  }

  /** Grows memory so that [at, at + bytes) exists (16-byte aligned, with 64 bytes of slack) and returns `at` aligned. */
  private reserve(at: number, bytes: number): number {
    const start = Math.ceil(at / 16) * 16;
    const missing = start + bytes + 64 - this.exports.memory.buffer.byteLength;
    if (missing > 0) this.exports.memory.grow(Math.ceil(missing / PAGE));
    return start;
  }
}
