/**
 * 'bridgeface/tools': what tooling needs and page code does not — reading and writing weights files, the seeded
 * placeholder network, the architecture, and the face-crop / low-resolution simulation the CLI and the evaluation use.
 */
export { prepareFace, framedFaceBox, type PrepareOptions, type Framing } from './api/prepare.js';
export { readRegion } from './api/image-input.js';
export {
  readWeights,
  writeWeights,
  type StudentWeights,
  type Thresholds,
  type FarKey,
  type FarPoints,
  type OperatingPoint,
} from './model/weights-format.js';
export { DEFAULT_ARCHITECTURE, parameterCount, type Architecture, type InputSpec } from './model/architecture.js';
export { randomWeights } from './model/random-weights.js';
