/**
 * The CPU backend's WebAssembly SIMD kernels (wasm/kernels.wat): loading the module, choosing its variant, and
 * keeping layer weights resident in its memory. A run's tensors live in the same memory after the weights (the
 * backend's plan lays them out), so the kernels read and write them in place; every call is a list of i32
 * arguments, which is what lets a worker replay the same calls on its own instance.
 */
import { ACT, type ActCode } from '../../model/network.js';
import { KERNELS_RELAXED_BASE64, KERNELS_SIMD128_BASE64 } from './wasm/kernels-module.js';

/** relaxed: relaxed SIMD's fused multiply-add; simd128: multiply + add, for engines without relaxed SIMD. */
export type WasmVariant = 'relaxed' | 'simd128';

/** The exports of kernels.wat; arguments are byte offsets into memory and counts (preprocess: six f32 too). */
type KernelName =
  | 'preprocess'
  | 'fill_zero'
  | 'pointwise'
  | 'stem3x3'
  | 'border_planes'
  | 'depthwise3x3_s1'
  | 'depthwise3x3_s2'
  | 'gdc'
  | 'fc'
  | 'avgpool'
  | 'maxpool2x2'
  | 'im2col3x3'
  | 'l2norm';

/** One kernel call: what a plan step hands the module (here or in a worker). */
export interface WasmCall {
  fn: KernelName;
  args: number[];
}

const PAGE = 65536;
const decode = (base64: string) => Uint8Array.from(atob(base64), (c) => c.charCodeAt(0));
const BYTES: Record<WasmVariant, Uint8Array<ArrayBuffer>> = {
  relaxed: decode(KERNELS_RELAXED_BASE64),
  simd128: decode(KERNELS_SIMD128_BASE64),
};

/** The variants this engine validates, best first. */
export function supportedVariants(): WasmVariant[] {
  if (typeof WebAssembly === 'undefined') return [];
  return (['relaxed', 'simd128'] as const).filter((v) => WebAssembly.validate(BYTES[v]));
}

/** A layer's parameters in module memory (byte offsets): weights in the kernel's layout, biases, slopes. */
export interface ResidentLayer {
  weight: number;
  bias: number;
  slopes: number;
}

export class WasmKernels {
  /** Bytes of resident data (weights, the zero row); a run's arena starts after them. */
  private top = 16;

  /** The best variant this engine validates (or `variant`), or undefined where none does. */
  static create(variant?: WasmVariant): WasmKernels | undefined {
    const chosen = variant ?? supportedVariants()[0];
    if (chosen === undefined || !WebAssembly.validate(BYTES[chosen])) return undefined;
    // ~9 KB: small enough for synchronous compilation on a browser's main thread.
    return new WasmKernels(chosen, new WebAssembly.Instance(new WebAssembly.Module(BYTES[chosen])));
  }

  private constructor(
    readonly variant: WasmVariant,
    private readonly instance: WebAssembly.Instance,
  ) {}

  /** The module's bytes, for workers that instantiate their own copy. */
  get bytes(): Uint8Array<ArrayBuffer> {
    return BYTES[this.variant];
  }

  get memory(): WebAssembly.Memory {
    return this.instance.exports.memory as WebAssembly.Memory;
  }

  /** Bytes [0, residentBytes) hold every resident layer: a worker's memory starts as a copy of them. */
  get residentBytes(): number {
    return this.top;
  }

  /**
   * A 1×1, dense 3×3 (K = C·9, im2col order) or fully connected layer, W [O][K] stored so four output channels of
   * one input are one vector: 'blocked' [O/4][K][4] (a block's weights contiguous: pointwise, stem3x3) or
   * 'transposed' [K][O] (fc); biases [O]; slopes [O].
   */
  addMatrix(
    weight: Float32Array,
    bias: Float32Array,
    outChannels: number,
    k: number,
    act: ActCode,
    alpha: Float32Array | undefined,
    layout: 'blocked' | 'transposed',
  ): ResidentLayer {
    const packed = new Float32Array(k * outChannels);
    for (let o = 0; o < outChannels; o++) {
      for (let c = 0; c < k; c++) {
        const at = layout === 'transposed' ? c * outChannels + o : ((o >> 2) * k + c) * 4 + (o & 3);
        packed[at] = weight[o * k + c];
      }
    }
    return this.addLayer(packed, bias, outChannels, act, alpha);
  }

  /** A depthwise layer: weights [C][K·K] as stored, biases [C], slopes [C]. */
  addDepthwise(
    weight: Float32Array,
    bias: Float32Array,
    channels: number,
    act: ActCode,
    alpha?: Float32Array,
  ): ResidentLayer {
    return this.addLayer(weight, bias, channels, act, alpha);
  }

  /** `floats` resident zeros (the depthwise kernels' missing rows); returns their byte offset. */
  addZeros(floats: number): number {
    return this.resident(new Float32Array(floats));
  }

  /**
   * Makes [residentBytes, residentBytes + bytes) exist and returns a float view of all memory. Views stay valid
   * until the next call (growing memory detaches them).
   */
  reserve(bytes: number): Float32Array {
    const missing = this.top + bytes + 64 - this.memory.buffer.byteLength;
    if (missing > 0) this.memory.grow(Math.ceil(missing / PAGE));
    return new Float32Array(this.memory.buffer);
  }

  call(c: WasmCall): void {
    (this.instance.exports[c.fn] as (...args: number[]) => void)(...c.args);
  }

  private addLayer(
    weight: Float32Array,
    bias: Float32Array,
    channels: number,
    act: ActCode,
    alpha?: Float32Array,
  ): ResidentLayer {
    // act(v) = v < 0 ? v · slope : v for every layer: PReLU's slopes, 0 for ReLU, 1 for none.
    const slopes = act === ACT.prelu ? alpha! : new Float32Array(channels).fill(act === ACT.relu ? 0 : 1);
    return {
      weight: this.resident(weight),
      bias: this.resident(bias.subarray(0, channels)),
      slopes: this.resident(slopes.subarray(0, channels)),
    };
  }

  /** Copies `data` after the previous resident data (16-byte aligned) for the life of the module. */
  private resident(data: Float32Array): number {
    const at = Math.ceil(this.top / 16) * 16;
    this.top = at;
    this.reserve(data.byteLength).set(data, at / 4);
    this.top = at + data.byteLength;
    return at;
  }
}
