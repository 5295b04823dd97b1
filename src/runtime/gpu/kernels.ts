/**
 * The kernel table: one descriptor per WGSL kernel that runs a layer, saying when it fits a layer, the layout
 * it reads that layer's weight in, its uniform struct and how the layer fills it, its bindings, its dispatch
 * grid and the CPU reference it is judged by. `kernelFor`, the plan (plan.ts), the weight packing
 * (weights-layout.ts) and the parity tests (test/kernels.shared.test.ts) all read this table, so adding a
 * kernel or a variant is one entry here plus its .wgsl file; docs/kernels.md walks through it.
 *
 * Numbers both sides use (workgroup size, tile sizes, KMAX, activation codes) and the uniform structs are
 * declared here once and injected ahead of every module's WGSL at load.
 */
import { WGSL, type WgslFile } from '../../kernels/index.js';
import { ACT, type Layer } from '../../model/network.js';
import {
  type ReferenceOp,
  avgPoolReference,
  convReference,
  l2NormReference,
  pointwiseReference,
} from '../reference.js';
import { type FieldType, type StructValues, type ValuesOf, WgslStruct } from './wgsl-struct.js';

/** Declared in WGSL as `const NAME: u32 = …u;` ahead of every module. */
export const KERNEL_CONSTANTS = {
  /** Invocations per workgroup of every one-dimensional kernel (WG in WGSL). */
  WG: 64,
  /** pointwise.wgsl: side of the output tile a workgroup computes, and the depth of each staged slice. */
  TILE: 32,
  KT: 16,
  /** The vec4 kernels: output-channel quads (of 4) per invocation, i.e. 16 output channels. */
  QUADS_OUT: 4,
  /** similarity_topk.wgsl: the largest k one pass keeps. */
  KMAX: 64,
  /** similarity_topk.wgsl: row index of an empty candidate slot. */
  EMPTY_ROW: 0xffffffff,
  ACT_NONE: ACT.none,
  ACT_RELU: ACT.relu,
  ACT_PRELU: ACT.prelu,
} as const;
const { WG, TILE, QUADS_OUT } = KERNEL_CONSTANTS;
/** Output values one invocation of a vec4 kernel computes: 16 channels × 4 pixels. */
const VEC4_OUTPUTS = QUADS_OUT * 4 * 4;
const MAX_WORKGROUPS_X = 65535;

/** Uniforms of the convolution kernels (conv2d, conv3x3_vec4, depthwise3x3). Offsets are floats into the weights. */
const CONV_PARAMS = new WgslStruct('ConvParams', {
  batch: 'u32',
  in_channels: 'u32',
  out_channels: 'u32',
  in_size: 'u32',
  out_size: 'u32',
  kernel: 'u32',
  stride: 'u32',
  pad: 'u32',
  groups: 'u32',
  act: 'u32',
  weight: 'u32',
  bias: 'u32',
  alpha: 'u32',
});

/** Uniforms of the 1×1 / fully connected kernels (pointwise, pointwise_vec4, fully_connected). */
const MATMUL_PARAMS = new WgslStruct('MatmulParams', {
  batch: 'u32',
  in_channels: 'u32',
  out_channels: 'u32',
  /** Per face; 1 for the fully connected layer. */
  pixels: 'u32',
  act: 'u32',
  has_residual: 'u32',
  weight: 'u32',
  bias: 'u32',
  alpha: 'u32',
});

const POOL_PARAMS = new WgslStruct('PoolParams', { rows: 'u32', pixels: 'u32' });
const NORM_PARAMS = new WgslStruct('NormParams', { batch: 'u32', dim: 'u32' });

/** Uniforms of preprocess.wgsl. */
export const PREPROCESS_PARAMS = new WgslStruct('PreprocessParams', {
  count: 'u32',
  size: 'u32',
  bilinear: 'u32',
  mean: 'vec4<f32>',
  inv_std: 'vec4<f32>',
});

/** One image of preprocess.wgsl's `images` array (written by image-records.ts). */
export const IMAGE_RECORD = new WgslStruct('Image', {
  /** First pixel (u32 word) of the image in `pixels`. */
  offset: 'u32',
  width: 'u32',
  height: 'u32',
  /** x, y, width, height of the source box, in source pixels. */
  box: 'vec4<f32>',
});

/** Uniforms of similarity_topk.wgsl (both passes). */
export const TOPK_PARAMS = new WgslStruct('TopkParams', {
  /** Rows in this shard (pass 1) / candidate lists in the input (pass 2). */
  rows: 'u32',
  /** D / 4: u32 words of int8 codes per row. */
  words: 'u32',
  k: 'u32',
  /** Invocations per query (pass 1) / output lists per query (pass 2). */
  threads: 'u32',
  /** Global index of this shard's row 0. */
  row_base: 'u32',
  /** Pass 2: candidate lists merged per invocation. */
  fan_in: 'u32',
  queries: 'u32',
});

/** One entry of similarity_topk.wgsl's candidate lists, read back by gallery search. */
export const CANDIDATE = new WgslStruct('Candidate', { score: 'f32', index: 'u32' });

const STRUCTS: ReadonlyArray<WgslStruct<Record<string, FieldType>>> = [
  CONV_PARAMS,
  MATMUL_PARAMS,
  POOL_PARAMS,
  NORM_PARAMS,
  PREPROCESS_PARAMS,
  IMAGE_RECORD,
  TOPK_PARAMS,
  CANDIDATE,
];

/** The text every module starts with: the constants, the structs and common.wgsl. */
const HEADER = [
  ...Object.entries(KERNEL_CONSTANTS).map(([name, value]) => `const ${name}: u32 = ${value}u;`),
  '',
  ...STRUCTS.map((s) => s.wgsl),
  WGSL.common,
].join('\n');

/** A complete WGSL module: the header, then the given files in order. */
export function wgslModule(...files: WgslFile[]): string {
  return [HEADER, ...files.map((f) => WGSL[f])].join('\n');
}

/**
 * What a layer kernel binds, in binding order, and the WGSL variable each role is declared as. Binding `residual`
 * is bound to the weights buffer when the layer has no residual (never read then: a read-only alias is valid).
 */
export const BINDING_VARIABLES = {
  params: 'P',
  weights: 'weights',
  input: 'x',
  residual: 'residual',
  output: 'y',
} as const;
export type BindingRole = keyof typeof BINDING_VARIABLES;

type LayerOf<K extends Layer['kind']> = Extract<Layer, { kind: K }>;

/**
 * How a kernel reads the layer's `weight` tensor from the packed buffer (bias and PReLU slopes are always as in
 * the file): 'file' as in the weights file, [O][…]; 'transposed' as […][O] (for a conv [C·K·K][O]), so four
 * consecutive output channels of one input tap are one vec4.
 */
type WeightLayout = 'file' | 'transposed';

/** One kernel, as written in the table below (typed by the layer kind it runs and its uniform fields). */
interface KernelSpec<K extends Layer['kind'], F extends Record<string, FieldType>> {
  /** The file src/kernels/<name>.wgsl; also its pipeline's name. */
  name: WgslFile;
  layer: K;
  /** Whether the kernel computes this layer correctly (and is worth it: the first fitting entry runs it). */
  fits(layer: LayerOf<K>): boolean;
  weightLayout: WeightLayout;
  uniforms: WgslStruct<F>;
  /** The uniform values for `batch` faces; `at` gives a weight tensor's float offset in the packed buffer. */
  params(layer: LayerOf<K>, batch: number, at: (tensor: string | undefined) => number): StructValues<F>;
  bindings: readonly BindingRole[];
  /** Workgroups to dispatch for `batch` faces. */
  grid(layer: LayerOf<K>, batch: number): [number, number];
  reference: ReferenceOp<LayerOf<K>>;
}

/** A table entry with its types erased, so entries for different layer kinds share one list. */
export interface LayerKernel {
  readonly name: WgslFile;
  readonly layer: Layer['kind'];
  readonly weightLayout: WeightLayout;
  readonly bindings: readonly BindingRole[];
  fits(layer: Layer): boolean;
  encodeParams(layer: Layer, batch: number, at: (tensor: string | undefined) => number): ArrayBuffer;
  grid(layer: Layer, batch: number): [number, number];
  reference: ReferenceOp<Layer>;
}

function kernel<K extends Layer['kind'], F extends Record<string, FieldType>>(spec: KernelSpec<K, F>): LayerKernel {
  // The only casts of the table: every call below is guarded by `fits`, which checks the layer kind first.
  const typed = (layer: Layer) => layer as LayerOf<K>;
  return {
    name: spec.name,
    layer: spec.layer,
    weightLayout: spec.weightLayout,
    bindings: spec.bindings,
    fits: (layer) => layer.kind === spec.layer && spec.fits(typed(layer)),
    encodeParams: (layer, batch, at) => spec.uniforms.encode(spec.params(typed(layer), batch, at)),
    grid: (layer, batch) => spec.grid(typed(layer), batch),
    reference: (layer, batch, io) => spec.reference(typed(layer), batch, io),
  };
}

/** Workgroup grid covering `threads` invocations of WG, 2-D once x would pass the limit. */
export function flatGrid(threads: number): [number, number] {
  const groups = Math.max(1, Math.ceil(threads / WG));
  const x = Math.min(groups, MAX_WORKGROUPS_X);
  return [x, Math.ceil(groups / x)];
}

const LAYER_BINDINGS: readonly BindingRole[] = ['params', 'weights', 'input', 'output'];
const RESIDUAL_BINDINGS: readonly BindingRole[] = ['params', 'weights', 'input', 'residual', 'output'];
const POOL_BINDINGS: readonly BindingRole[] = ['params', 'input', 'output'];

const convParams = (
  l: LayerOf<'conv'>,
  batch: number,
  at: (t: string | undefined) => number,
): ValuesOf<typeof CONV_PARAMS> => ({
  batch,
  in_channels: l.inChannels,
  out_channels: l.outChannels,
  in_size: l.inSize,
  out_size: l.outSize,
  kernel: l.kernel,
  stride: l.stride,
  pad: l.pad,
  groups: l.groups,
  act: l.act,
  weight: at(l.weight),
  bias: at(l.bias),
  alpha: at(l.alpha),
});
const matmulParams = (
  l: LayerOf<'pointwise'>,
  batch: number,
  at: (t: string | undefined) => number,
): ValuesOf<typeof MATMUL_PARAMS> => ({
  batch,
  in_channels: l.inChannels,
  out_channels: l.outChannels,
  pixels: l.pixels,
  act: l.act,
  has_residual: l.residual === undefined ? 0 : 1,
  weight: at(l.weight),
  bias: at(l.bias),
  alpha: at(l.alpha),
});
const outputs = (l: LayerOf<'conv'>, batch: number) => batch * l.outChannels * l.outSize ** 2;
const isDepthwise = (l: LayerOf<'conv'>) => l.groups === l.inChannels && l.groups === l.outChannels;

/**
 * Every layer kernel, fastest first: `kernelFor` takes the first entry that fits, and each layer kind ends with
 * a general kernel that fits any layer of that kind.
 */
export const LAYER_KERNELS: readonly LayerKernel[] = [
  kernel({
    name: 'conv3x3_vec4',
    layer: 'conv',
    fits: (l) => l.groups === 1 && l.kernel === 3 && l.pad === 1 && l.outChannels % 16 === 0 && l.outSize % 4 === 0,
    weightLayout: 'transposed',
    uniforms: CONV_PARAMS,
    params: convParams,
    bindings: LAYER_BINDINGS,
    grid: (l, n) => flatGrid(outputs(l, n) / VEC4_OUTPUTS),
    reference: convReference,
  }),
  kernel({
    name: 'depthwise3x3',
    layer: 'conv',
    fits: (l) => isDepthwise(l) && l.kernel === 3 && l.pad === 1,
    weightLayout: 'file',
    uniforms: CONV_PARAMS,
    params: convParams,
    bindings: LAYER_BINDINGS,
    grid: (l, n) => flatGrid(n * l.outChannels * l.outSize * Math.ceil(l.outSize / 4)),
    reference: convReference,
  }),
  kernel({
    name: 'conv2d',
    layer: 'conv',
    fits: () => true,
    weightLayout: 'file',
    uniforms: CONV_PARAMS,
    params: convParams,
    bindings: LAYER_BINDINGS,
    grid: (l, n) => flatGrid(outputs(l, n)),
    reference: convReference,
  }),
  kernel({
    name: 'fully_connected',
    layer: 'pointwise',
    fits: (l) => l.pixels === 1 && l.outChannels % 16 === 0,
    weightLayout: 'transposed',
    uniforms: MATMUL_PARAMS,
    params: matmulParams,
    bindings: RESIDUAL_BINDINGS,
    grid: (l, n) => flatGrid((n * l.outChannels) / (QUADS_OUT * 4)),
    reference: pointwiseReference,
  }),
  kernel({
    name: 'pointwise_vec4',
    layer: 'pointwise',
    fits: (l) => l.pixels % 4 === 0 && l.outChannels % 16 === 0,
    weightLayout: 'transposed',
    uniforms: MATMUL_PARAMS,
    params: matmulParams,
    bindings: RESIDUAL_BINDINGS,
    grid: (l, n) => flatGrid((n * l.outChannels * l.pixels) / VEC4_OUTPUTS),
    reference: pointwiseReference,
  }),
  kernel({
    name: 'pointwise',
    layer: 'pointwise',
    fits: () => true,
    weightLayout: 'transposed',
    uniforms: MATMUL_PARAMS,
    params: matmulParams,
    bindings: RESIDUAL_BINDINGS,
    grid: (l, n) => [Math.ceil((n * l.pixels) / TILE), Math.ceil(l.outChannels / TILE)],
    reference: pointwiseReference,
  }),
  kernel({
    name: 'avgpool',
    layer: 'avgpool',
    fits: () => true,
    weightLayout: 'file',
    uniforms: POOL_PARAMS,
    params: (l, n) => ({ rows: n * l.channels, pixels: l.pixels }),
    bindings: POOL_BINDINGS,
    grid: (l, n) => flatGrid(n * l.channels),
    reference: avgPoolReference,
  }),
  kernel({
    name: 'l2norm',
    layer: 'l2norm',
    fits: () => true,
    weightLayout: 'file',
    uniforms: NORM_PARAMS,
    params: (l, n) => ({ batch: n, dim: l.dim }),
    bindings: POOL_BINDINGS,
    grid: (_, n) => flatGrid(n),
    reference: l2NormReference,
  }),
];

/**
 * Every kernel that runs `layer` from the weights as kernelFor's choice packs them (the same weight layout), in table
 * order: the variants the WebGPU backend times on a hardware adapter at load (kernel-choice.ts).
 */
export function kernelCandidates(layer: Layer): LayerKernel[] {
  const first = kernelFor(layer);
  return LAYER_KERNELS.filter((k) => k.fits(layer) && k.weightLayout === first.weightLayout);
}

/** The kernel that runs a layer: the first entry of LAYER_KERNELS that fits it. */
export function kernelFor(layer: Layer): LayerKernel {
  const found = LAYER_KERNELS.find((k) => k.fits(layer));
  if (!found) throw new Error(`no kernel fits layer kind ${layer.kind}`);
  return found;
}
