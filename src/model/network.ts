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
export type ParamRef = string;

interface LayerBase {
  /** Activation tensor ids: 0 is the network input. */
  input: number;
  output: number;
}

/** Dense 3×3 convolution, padding 1 (the stem). */
export interface Conv3x3Layer extends LayerBase {
  kind: 'conv3x3';
  inChannels: number;
  outChannels: number;
  inSize: number;
  outSize: number;
  stride: number;
  weight: ParamRef;
  bias: ParamRef;
  act: ActCode;
  alpha?: ParamRef;
}

/** K×K depthwise convolution: the 3×3 blocks, and the global depthwise ("gdc") pooling with K = size, pad 0. */
export interface DepthwiseLayer extends LayerBase {
  kind: 'depthwise';
  channels: number;
  inSize: number;
  outSize: number;
  kernel: number;
  stride: number;
  pad: number;
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

export type Layer = Conv3x3Layer | DepthwiseLayer | PointwiseLayer | GlobalAvgPoolLayer | L2NormLayer;

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
  let macs = 0;
  const newTensor = (floats: number) => tensorSizes.push(floats) - 1;

  let size = convOutSize(arch.inputSize, arch.stem.stride);
  let channels = arch.stem.channels;
  let current = newTensor(channels * size * size);
  layers.push({
    kind: 'conv3x3', input: 0, output: current, inChannels: 3, outChannels: channels, inSize: arch.inputSize,
    outSize: size, stride: arch.stem.stride, weight: 'stem.weight', bias: 'stem.bias', act, alpha: alpha('stem'),
  });
  macs += channels * size * size * 27;

  arch.blocks.forEach((block, i) => {
    const blockInput = current;
    const outSize = convOutSize(size, block.stride);
    const dwOut = newTensor(channels * outSize * outSize);
    layers.push({
      kind: 'depthwise', input: current, output: dwOut, channels, inSize: size, outSize, kernel: 3,
      stride: block.stride, pad: 1, weight: `blocks.${i}.dw.weight`, bias: `blocks.${i}.dw.bias`, act,
      alpha: alpha(`blocks.${i}.dw`),
    });
    macs += channels * outSize * outSize * 9;
    const pwOut = newTensor(block.channels * outSize * outSize);
    layers.push({
      kind: 'pointwise', input: dwOut, output: pwOut, inChannels: channels, outChannels: block.channels,
      pixels: outSize * outSize, weight: `blocks.${i}.pw.weight`, bias: `blocks.${i}.pw.bias`, act,
      alpha: alpha(`blocks.${i}.pw`), residual: block.residual ? blockInput : undefined,
    });
    macs += channels * block.channels * outSize * outSize;
    channels = block.channels;
    size = outSize;
    current = pwOut;
  });

  const pooled = newTensor(channels);
  if (arch.pooling === 'gdc') {
    layers.push({
      kind: 'depthwise', input: current, output: pooled, channels, inSize: size, outSize: 1, kernel: size,
      stride: 1, pad: 0, weight: 'pool.weight', bias: 'pool.bias', act: ACT.none,
    });
    macs += channels * size * size;
  } else {
    layers.push({ kind: 'avgpool', input: current, output: pooled, channels, pixels: size * size });
  }
  const fc = newTensor(arch.embeddingDim);
  layers.push({
    kind: 'pointwise', input: pooled, output: fc, inChannels: channels, outChannels: arch.embeddingDim, pixels: 1,
    weight: 'fc.weight', bias: 'fc.bias', act: ACT.none,
  });
  macs += channels * arch.embeddingDim;
  const embedding = newTensor(arch.embeddingDim);
  layers.push({ kind: 'l2norm', input: fc, output: embedding, dim: arch.embeddingDim });

  return { architecture: arch, layers, tensorSizes, output: embedding, macsPerFace: macs };
}

/** Ids of the tensors each layer reads. */
export function layerInputs(layer: Layer): number[] {
  return layer.kind === 'pointwise' && layer.residual !== undefined ? [layer.input, layer.residual] : [layer.input];
}
