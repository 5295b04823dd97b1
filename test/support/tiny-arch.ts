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
