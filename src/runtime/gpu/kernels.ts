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
import { type MapOp, runMapOp } from '../cpu/map-ops.js';
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
/** Output values one invocation of pointwise_8x16 computes. */
const POINTWISE_8X16_OUTPUTS = 8 * 16;
/** Pixels (two quads) one invocation of conv3x3_16x8 computes, for QUADS_OUT × 4 = 16 output channels. */
const CONV3X3_PIXELS = 8;
const MAX_WORKGROUPS_X = 65535;

/** Uniforms of the convolution kernels (conv2d, conv3x3_16x8, depthwise3x3). Offsets are floats into the weights. */
const CONV_PARAMS = new WgslStruct('ConvParams', {
  batch: 'u32',
  in_channels: 'u32',
  out_channels: 'u32',
  /** Heights of the input and output maps (their side, for the student's square maps). */
  in_size: 'u32',
  out_size: 'u32',
  in_width: 'u32',
  out_width: 'u32',
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

/** Uniforms of the feature-map kernels (MAP_KERNELS below). */
const POOL2D_PARAMS = new WgslStruct('Pool2dParams', {
  planes: 'u32',
  in_height: 'u32',
  in_width: 'u32',
  out_height: 'u32',
  out_width: 'u32',
  kernel: 'u32',
  stride: 'u32',
  pad: 'u32',
});
const RESIZE_PARAMS = new WgslStruct('ResizeParams', {
  planes: 'u32',
  in_height: 'u32',
  in_width: 'u32',
  out_height: 'u32',
  out_width: 'u32',
  scale_h: 'f32',
  scale_w: 'f32',
});
/** The output's dimensions, and for each output axis the input stride it steps by. */
const TRANSPOSE_PARAMS = new WgslStruct('TransposeParams', {
  length: 'u32',
  dim1: 'u32',
  dim2: 'u32',
  dim3: 'u32',
  stride0: 'u32',
  stride1: 'u32',
  stride2: 'u32',
  stride3: 'u32',
});
const LENGTH_PARAMS = new WgslStruct('LengthParams', { length: 'u32' });
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
  POOL2D_PARAMS,
  RESIZE_PARAMS,
  TRANSPOSE_PARAMS,
  LENGTH_PARAMS,
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

/** Files a kernel's module appends after the kernel's own (functions two kernels share). */
const KERNEL_PARTS: Partial<Record<WgslFile, readonly WgslFile[]>> = {
  pointwise_8x16: ['pointwise_epilogue'],
  pointwise_vec4: ['pointwise_epilogue'],
};

/** The module of one kernel entry point (`main`): its file and the parts it shares with others. */
export function kernelModule(name: WgslFile): string {
  return wgslModule(name, ...(KERNEL_PARTS[name] ?? []));
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
  in_width: l.inWidth ?? l.inSize,
  out_width: l.outWidth ?? l.outSize,
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
const outWidth = (l: LayerOf<'conv'>) => l.outWidth ?? l.outSize;
const outputs = (l: LayerOf<'conv'>, batch: number) => batch * l.outChannels * l.outSize * outWidth(l);
const isDepthwise = (l: LayerOf<'conv'>) => l.groups === l.inChannels && l.groups === l.outChannels;
/** The blocks' depthwise layers: what both depthwise3x3 kernels run. */
const isDepthwise3x3 = (l: LayerOf<'conv'>) => isDepthwise(l) && l.kernel === 3 && l.pad === 1;

/**
 * Every layer kernel, fastest first: `kernelFor` takes the first entry that fits, and each layer kind ends with
 * a general kernel that fits any layer of that kind.
 */
export const LAYER_KERNELS: readonly LayerKernel[] = [
  kernel({
    name: 'conv3x3_16x8',
    layer: 'conv',
    fits: (l) =>
      l.groups === 1 &&
      l.kernel === 3 &&
      l.pad === 1 &&
      (l.stride === 1 || l.stride === 2) &&
      l.outChannels % 16 === 0 &&
      outWidth(l) % 4 === 0,
    weightLayout: 'transposed',
    uniforms: CONV_PARAMS,
    params: convParams,
    bindings: LAYER_BINDINGS,
    // The last invocation of an odd quad count has only the first quad.
    grid: (l, n) =>
      flatGrid(n * (l.outChannels / (QUADS_OUT * 4)) * Math.ceil((l.outSize * outWidth(l)) / CONV3X3_PIXELS)),
    reference: convReference,
  }),
  kernel({
    name: 'depthwise3x3_columns',
    layer: 'conv',
    // Maps under 8 columns give too few lanes per row to beat depthwise3x3 (SwiftShader, llvmpipe: 4-wide maps
    // ~10 % slower).
    fits: (l) => isDepthwise3x3(l) && outWidth(l) >= 8,
    weightLayout: 'file',
    uniforms: CONV_PARAMS,
    params: convParams,
    bindings: LAYER_BINDINGS,
    grid: (l, n) => flatGrid(n * l.outChannels * outWidth(l)),
    reference: convReference,
  }),
  kernel({
    name: 'depthwise3x3',
    layer: 'conv',
    fits: isDepthwise3x3,
    weightLayout: 'file',
    uniforms: CONV_PARAMS,
    params: convParams,
    bindings: LAYER_BINDINGS,
    grid: (l, n) => flatGrid(n * l.outChannels * l.outSize * Math.ceil(outWidth(l) / 4)),
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
    name: 'pointwise_8x16',
    layer: 'pointwise',
    fits: (l) => l.pixels % 16 === 0 && l.outChannels % 8 === 0,
    weightLayout: 'transposed',
    uniforms: MATMUL_PARAMS,
    params: matmulParams,
    bindings: RESIDUAL_BINDINGS,
    grid: (l, n) => flatGrid((n * l.outChannels * l.pixels) / POINTWISE_8X16_OUTPUTS),
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

type MapOpOf<K extends MapOp['kind']> = Extract<MapOp, { kind: K }>;

/** One feature-map kernel (a detector graph's pooling, upsampling, add, transpose, sigmoid), as written below. */
interface MapKernelSpec<K extends MapOp['kind'], F extends Record<string, FieldType>> {
  name: WgslFile;
  op: K;
  uniforms: WgslStruct<F>;
  params(op: MapOpOf<K>): StructValues<F>;
  /** 'input' (and for two operands 'residual'), then 'output'. */
  bindings: readonly BindingRole[];
  grid(op: MapOpOf<K>): [number, number];
}

/** A feature-map kernel with its types erased; its CPU reference is `runMapOp` (runtime/cpu/map-ops.ts). */
export interface MapKernel {
  readonly name: WgslFile;
  readonly op: MapOp['kind'];
  readonly bindings: readonly BindingRole[];
  encodeParams(op: MapOp): ArrayBuffer;
  grid(op: MapOp): [number, number];
  reference(op: MapOp, inputs: readonly Float32Array[], out: Float32Array): void;
}

function mapKernel<K extends MapOp['kind'], F extends Record<string, FieldType>>(spec: MapKernelSpec<K, F>): MapKernel {
  // As in `kernel`: the only casts, guarded by `mapKernelFor`, which looks the entry up by the op's kind.
  const typed = (op: MapOp) => op as MapOpOf<K>;
  return {
    name: spec.name,
    op: spec.op,
    bindings: spec.bindings,
    encodeParams: (op) => spec.uniforms.encode(spec.params(typed(op))),
    grid: (op) => spec.grid(typed(op)),
    reference: runMapOp,
  };
}

const UNARY_BINDINGS: readonly BindingRole[] = ['params', 'input', 'output'];
const planeOutputs = (op: { planes: number; outHeight: number; outWidth: number }) =>
  flatGrid(op.planes * op.outHeight * op.outWidth);

/** One kernel per feature-map op kind. */
const MAP_KERNELS: readonly MapKernel[] = [
  mapKernel({
    name: 'maxpool',
    op: 'maxpool',
    uniforms: POOL2D_PARAMS,
    params: (o) => ({
      planes: o.planes,
      in_height: o.inHeight,
      in_width: o.inWidth,
      out_height: o.outHeight,
      out_width: o.outWidth,
      kernel: o.kernel,
      stride: o.stride,
      pad: o.pad,
    }),
    bindings: UNARY_BINDINGS,
    grid: planeOutputs,
  }),
  mapKernel({
    name: 'resize_nearest',
    op: 'resize',
    uniforms: RESIZE_PARAMS,
    params: (o) => ({
      planes: o.planes,
      in_height: o.inHeight,
      in_width: o.inWidth,
      out_height: o.outHeight,
      out_width: o.outWidth,
      scale_h: o.scaleH,
      scale_w: o.scaleW,
    }),
    bindings: UNARY_BINDINGS,
    grid: planeOutputs,
  }),
  mapKernel({
    name: 'transpose',
    op: 'transpose',
    uniforms: TRANSPOSE_PARAMS,
    params: ({ dims, perm }) => {
      const strides = [dims[1] * dims[2] * dims[3], dims[2] * dims[3], dims[3], 1];
      return {
        length: dims[0] * dims[1] * dims[2] * dims[3],
        dim1: dims[perm[1]],
        dim2: dims[perm[2]],
        dim3: dims[perm[3]],
        stride0: strides[perm[0]],
        stride1: strides[perm[1]],
        stride2: strides[perm[2]],
        stride3: strides[perm[3]],
      };
    },
    bindings: UNARY_BINDINGS,
    grid: ({ dims }) => flatGrid(dims[0] * dims[1] * dims[2] * dims[3]),
  }),
  mapKernel({
    name: 'add',
    op: 'add',
    uniforms: LENGTH_PARAMS,
    params: (o) => ({ length: o.length }),
    bindings: ['params', 'input', 'residual', 'output'],
    grid: (o) => flatGrid(o.length),
  }),
  mapKernel({
    name: 'sigmoid',
    op: 'sigmoid',
    uniforms: LENGTH_PARAMS,
    params: (o) => ({ length: o.length }),
    bindings: UNARY_BINDINGS,
    grid: (o) => flatGrid(o.length),
  }),
];

/** The kernel that runs a feature-map op. */
export function mapKernelFor(op: MapOp): MapKernel {
  return MAP_KERNELS.find((k) => k.op === op.kind)!;
}
