/**
 * 'bridgeface/tools': what tooling needs and page code does not — reading and writing weights files, the seeded
 * placeholder network, the architecture, and the face-crop / low-resolution simulation the CLI and the evaluation use.
 */
export { prepareFace, type PrepareOptions, type Framing } from './api/prepare.js';
export { framedFaceBox } from './api/face-box.js';
export { readRegion } from './api/image-input.js';
export { readWeights, writeWeights, type StudentWeights, type Thresholds } from './model/weights-format.js';
export type { FarKey, FarPoints, OperatingPoint } from './model/thresholds.js';
export { DEFAULT_ARCHITECTURE, parameterCount, type Architecture, type InputSpec } from './model/architecture.js';
export { randomWeights } from './model/random-weights.js';
