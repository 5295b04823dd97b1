import type { Architecture } from '../../src/model/architecture.js';

/** A small variant exercising the other options: ReLU, stride-2 stem, odd input size, average pooling. */
export const TINY_ARCHITECTURE: Architecture = {
  inputSize: 9,
  activation: 'relu',
  stem: { channels: 4, stride: 2 },
  blocks: [
    { channels: 6, stride: 2, residual: false },
    { channels: 6, stride: 1, residual: true },
  ],
  pooling: 'avg',
  embeddingDim: 5,
};

/**
 * Inverted-residual blocks (expand 4, 6 and 3: 64, 144 and 120 expanded channels), a depthwise-separable block
 * between them and a head, at sizes every fast kernel takes (maps of 16, 8 and 4, channels multiples of 4), so on
 * the CPU every layer runs on WebAssembly where it is there; on WebGPU the 24- and 40-channel projections (residual,
 * no activation) take the general pointwise kernel and the 64-channel layers the vec4 one.
 */
export const IR_ARCHITECTURE: Architecture = {
  inputSize: 16,
  activation: 'prelu',
  stem: { channels: 16, stride: 1 },
  blocks: [
    { channels: 24, stride: 2, residual: false, type: 'ir', expand: 4 },
    { channels: 24, stride: 1, residual: true, type: 'ir', expand: 6 },
    { channels: 40, stride: 2, residual: false },
    { channels: 40, stride: 1, residual: true, type: 'ir', expand: 3 },
  ],
  head: { channels: 64 },
  pooling: 'gdc',
  embeddingDim: 32,
};

/**
 * Inverted-residual blocks down to a 1×1 map (9 → 5 → 3 → 2 → 1), ReLU, a head and average pooling: odd sizes that
 * send most layers to the general kernels, and 1×1 convolutions of one pixel per face that are not the fully
 * connected layer (the 16-channel expansion at 1×1 takes the fully connected kernels, with its activation).
 */
export const TINY_IR_ARCHITECTURE: Architecture = {
  inputSize: 9,
  activation: 'relu',
  stem: { channels: 4, stride: 2 },
  blocks: [
    { channels: 6, stride: 2, residual: false, type: 'ir', expand: 3 },
    { channels: 6, stride: 1, residual: true, type: 'ir', expand: 2 },
    { channels: 8, stride: 2, residual: false },
    { channels: 8, stride: 2, residual: false, type: 'ir', expand: 2 },
    { channels: 8, stride: 1, residual: true, type: 'ir', expand: 2 },
  ],
  head: { channels: 10 },
  pooling: 'avg',
  embeddingDim: 5,
};
