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
 * the dense stem (groups 1, weight [O, C, K, K]), the blocks' 3×3 depthwise half and the global depthwise
 * pooling (K = input size, pad 0, 1×1 output), both with groups = C = O and weight [C, 1, K, K]. `groups` is
 * 1 or the channel count; the student has no other grouping.
 */
export interface ConvLayer extends LayerBase {
  kind: 'conv';
  inChannels: number;
  outChannels: number;
  inSize: number;
  outSize: number;
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
 * the epilogue. The fully connected layer is the same op on a 1×1 map.
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

/** Lays the architecture out as layers. Tensor names match `expectedTensors`. */
export function buildNetwork(weights: Pick<StudentWeights, 'architecture'>): Network {
  const arch = weights.architecture;
  const act: ActCode = arch.activation === 'prelu' ? ACT.prelu : ACT.relu;
  const alpha = (name: string) => (arch.activation === 'prelu' ? `${name}.prelu` : undefined);
  const layers: Layer[] = [];
  const tensorSizes = [3 * arch.inputSize * arch.inputSize];
  const newTensor = (floats: number) => tensorSizes.push(floats) - 1;

  let size = convOutSize(arch.inputSize, arch.stem.stride);
  let channels = arch.stem.channels;
  let current = newTensor(channels * size * size);
  layers.push({
    kind: 'conv',
    input: 0,
    output: current,
    inChannels: 3,
    outChannels: channels,
    inSize: arch.inputSize,
    outSize: size,
    kernel: 3,
    stride: arch.stem.stride,
    pad: 1,
    groups: 1,
    weight: 'stem.weight',
    bias: 'stem.bias',
    act,
    alpha: alpha('stem'),
  });

  arch.blocks.forEach((block, i) => {
    const blockInput = current;
    const outSize = convOutSize(size, block.stride);
    const dwOut = newTensor(channels * outSize * outSize);
    layers.push({
      kind: 'conv',
      input: current,
      output: dwOut,
      inChannels: channels,
      outChannels: channels,
      inSize: size,
      outSize,
      kernel: 3,
      stride: block.stride,
      pad: 1,
      groups: channels,
      weight: `blocks.${i}.dw.weight`,
      bias: `blocks.${i}.dw.bias`,
      act,
      alpha: alpha(`blocks.${i}.dw`),
    });
    const pwOut = newTensor(block.channels * outSize * outSize);
    layers.push({
      kind: 'pointwise',
      input: dwOut,
      output: pwOut,
      inChannels: channels,
      outChannels: block.channels,
      pixels: outSize * outSize,
      weight: `blocks.${i}.pw.weight`,
      bias: `blocks.${i}.pw.bias`,
      act,
      alpha: alpha(`blocks.${i}.pw`),
      residual: block.residual ? blockInput : undefined,
    });
    channels = block.channels;
    size = outSize;
    current = pwOut;
  });

  const pooled = newTensor(channels);
  if (arch.pooling === 'gdc') {
    layers.push({
      kind: 'conv',
      input: current,
      output: pooled,
      inChannels: channels,
      outChannels: channels,
      inSize: size,
      outSize: 1,
      kernel: size,
      stride: 1,
      pad: 0,
      groups: channels,
      weight: 'pool.weight',
      bias: 'pool.bias',
      act: ACT.none,
    });
  } else {
    layers.push({ kind: 'avgpool', input: current, output: pooled, channels, pixels: size * size });
  }
  const fc = newTensor(arch.embeddingDim);
  layers.push({
    kind: 'pointwise',
    input: pooled,
    output: fc,
    inChannels: channels,
    outChannels: arch.embeddingDim,
    pixels: 1,
    weight: 'fc.weight',
    bias: 'fc.bias',
    act: ACT.none,
  });
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
      return layer.outChannels * layer.outSize ** 2 * (layer.inChannels / layer.groups) * layer.kernel ** 2;
    case 'pointwise':
      return layer.inChannels * layer.outChannels * layer.pixels;
    default:
      return 0;
  }
}
