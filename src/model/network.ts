/**
 * The student network as a flat list of layers over numbered activation tensors. Both backends execute this
 * same list: the CPU backend op by op, the WebGPU backend as a recorded plan of dispatches. Shapes here are
 * per face; batch size is a property of the execution, not of the network.
 */
import { type Architecture, convOutSize } from './architecture.js';
import type { StudentWeights } from './weights-format.js';

/** Activation applied in a kernel's epilogue. Codes are shared with the WGSL kernels. */
export const ACT = { none: 0, relu: 1, prelu: 2 } as const;
export type ActCode = (typeof ACT)[keyof typeof ACT];

/** A weight tensor referenced by name; backends decide where it lives. */
type ParamRef = string;

interface LayerBase {
  /** Activation tensor ids: 0 is the network input. */
  input: number;
  output: number;
}

/**
 * K×K convolution over square NCHW maps with zero padding, described once for every backend and exporter:
 * the dense stem (groups 1, weight [O, C, K, K]), the blocks' 3×3 depthwise layer and the global depthwise
 * pooling (K = input size, pad 0, 1×1 output), both with groups = C = O and weight [C, 1, K, K]. `groups` is
 * 1 or the channel count; the student has no other grouping.
 */
export interface ConvLayer extends LayerBase {
  kind: 'conv';
  inChannels: number;
  outChannels: number;
  inSize: number;
  outSize: number;
  /**
   * Widths of maps that are not square (a detector graph's layers, detect/graph-gpu.ts); `inSize` and `outSize`
   * are then the heights. The student's maps are square and leave these out.
   */
  inWidth?: number;
  outWidth?: number;
  kernel: number;
  stride: number;
  pad: number;
  groups: number;
  weight: ParamRef;
  bias: ParamRef;
  act: ActCode;
  alpha?: ParamRef;
}

/**
 * 1×1 convolution as a matrix product over pixels, with bias, activation and an optional residual add fused in
 * the epilogue, in that order (act, then + residual; with ACT.none, as an ir block's projection, just the add). The
 * fully connected layer is the same op on a 1×1 map.
 */
export interface PointwiseLayer extends LayerBase {
  kind: 'pointwise';
  inChannels: number;
  outChannels: number;
  /** Pixels per face (H·W); 1 for the fully connected layer. */
  pixels: number;
  weight: ParamRef;
  bias: ParamRef;
  act: ActCode;
  alpha?: ParamRef;
  residual?: number;
}

export interface GlobalAvgPoolLayer extends LayerBase {
  kind: 'avgpool';
  channels: number;
  pixels: number;
}

export interface L2NormLayer extends LayerBase {
  kind: 'l2norm';
  dim: number;
}

export type Layer = ConvLayer | PointwiseLayer | GlobalAvgPoolLayer | L2NormLayer;

export interface Network {
  architecture: Architecture;
  layers: Layer[];
  /** Floats per face of each activation tensor, indexed by tensor id. */
  tensorSizes: number[];
  /** Id of the final (unit-length) embedding tensor. */
  output: number;
  /** Multiply–accumulates per face, for GFLOP/s reporting (2 FLOPs per MAC). */
  macsPerFace: number;
}

/**
 * Lays the architecture out as layers. Tensor names match `expectedTensors`. Every block is made of the same two
 * layer kinds, so each backend and exporter runs an inverted-residual block with the kernels of a separable one: a
 * dsc block is depthwise → pointwise, an ir block pointwise (expand) → depthwise → pointwise (linear projection),
 * the residual add fused into the block's last pointwise layer.
 */
export function buildNetwork(weights: Pick<StudentWeights, 'architecture'>): Network {
  const arch = weights.architecture;
  const layers: Layer[] = [];
  const tensorSizes = [3 * arch.inputSize * arch.inputSize];
  const newTensor = (floats: number) => tensorSizes.push(floats) - 1;
  // The epilogue of a layer named `name`: the architecture's activation, or none (linear projection, pooling, FC).
  const epilogue = (name: string, activated: boolean) =>
    !activated
      ? { act: ACT.none }
      : arch.activation === 'prelu'
        ? { act: ACT.prelu, alpha: `${name}.prelu` }
        : { act: ACT.relu };

  // The tensors a layer named `name` reads and its epilogue: the same for every layer kind.
  const params = (name: string, activated: boolean) => ({
    weight: `${name}.weight`,
    bias: `${name}.bias`,
    ...epilogue(name, activated),
  });

  type ConvShape = Omit<ConvLayer, 'kind' | 'input' | 'output' | 'weight' | 'bias' | 'act' | 'alpha'>;
  const conv = (name: string, input: number, shape: ConvShape, activated: boolean): number => {
    const output = newTensor(shape.outChannels * shape.outSize ** 2);
    layers.push({ kind: 'conv', input, output, ...shape, ...params(name, activated) });
    return output;
  };
  /** 3×3, padding-1 depthwise convolution of `channels` planes of side `inSize`. */
  const depthwise = (name: string, input: number, channels: number, inSize: number, stride: number) =>
    conv(
      name,
      input,
      {
        inChannels: channels,
        outChannels: channels,
        inSize,
        outSize: convOutSize(inSize, stride),
        kernel: 3,
        stride,
        pad: 1,
        groups: channels,
      },
      true,
    );
  const pointwise = (
    name: string,
    input: number,
    shape: { inChannels: number; outChannels: number; pixels: number },
    activated: boolean,
    residual?: number,
  ): number => {
    const output = newTensor(shape.outChannels * shape.pixels);
    layers.push({
      kind: 'pointwise',
      input,
      output,
      ...shape,
      ...params(name, activated),
      ...(residual !== undefined && { residual }),
    });
    return output;
  };

  let size = convOutSize(arch.inputSize, arch.stem.stride);
  let channels = arch.stem.channels;
  const stem = { inChannels: 3, outChannels: channels, inSize: arch.inputSize, outSize: size, kernel: 3 };
  let current = conv('stem', 0, { ...stem, stride: arch.stem.stride, pad: 1, groups: 1 }, true);

  arch.blocks.forEach((block, i) => {
    const name = `blocks.${i}`;
    const outSize = convOutSize(size, block.stride);
    const out = { outChannels: block.channels, pixels: outSize * outSize };
    const residual = block.residual ? current : undefined;
    if (block.type === 'ir') {
      const expanded = channels * block.expand;
      const expand = { inChannels: channels, outChannels: expanded, pixels: size * size };
      const e = pointwise(`${name}.expand`, current, expand, true);
      const d = depthwise(`${name}.dw`, e, expanded, size, block.stride);
      current = pointwise(`${name}.project`, d, { inChannels: expanded, ...out }, false, residual);
    } else {
      const d = depthwise(`${name}.dw`, current, channels, size, block.stride);
      current = pointwise(`${name}.pw`, d, { inChannels: channels, ...out }, true, residual);
    }
    channels = block.channels;
    size = outSize;
  });

  if (arch.head) {
    const shape = { inChannels: channels, outChannels: arch.head.channels, pixels: size * size };
    current = pointwise('head', current, shape, true);
    channels = arch.head.channels;
  }

  let pooled: number;
  if (arch.pooling === 'gdc') {
    const shape = { inChannels: channels, outChannels: channels, inSize: size, outSize: 1, kernel: size };
    pooled = conv('pool', current, { ...shape, stride: 1, pad: 0, groups: channels }, false);
  } else {
    pooled = newTensor(channels);
    layers.push({ kind: 'avgpool', input: current, output: pooled, channels, pixels: size * size });
  }
  const fcShape = { inChannels: channels, outChannels: arch.embeddingDim, pixels: 1 };
  const fc = pointwise('fc', pooled, fcShape, false);
  const embedding = newTensor(arch.embeddingDim);
  layers.push({ kind: 'l2norm', input: fc, output: embedding, dim: arch.embeddingDim });

  const macsPerFace = layers.reduce((sum, layer) => sum + layerMacs(layer), 0);
  return { architecture: arch, layers, tensorSizes, output: embedding, macsPerFace };
}

/** Ids of the tensors each layer reads. */
export function layerInputs(layer: Layer): number[] {
  return layer.kind === 'pointwise' && layer.residual !== undefined ? [layer.input, layer.residual] : [layer.input];
}

/** Multiply–accumulates per face of one layer (pooling and normalisation count as none). */
export function layerMacs(layer: Layer): number {
  switch (layer.kind) {
    case 'conv':
      return (
        layer.outChannels *
        layer.outSize *
        (layer.outWidth ?? layer.outSize) *
        (layer.inChannels / layer.groups) *
        layer.kernel ** 2
      );
    case 'pointwise':
      return layer.inChannels * layer.outChannels * layer.pixels;
    default:
      return 0;
  }
}
