/**
 * 'bridgeface/tools': what tooling needs and page code does not — reading and writing weights files, the seeded
 * placeholder network, the architecture, and the face-crop / low-resolution simulation the CLI and the evaluation use.
 */

export { framedFaceBox } from './api/face-box.js';
export { readRegion } from './api/image-input.js';
export { type Framing, type PrepareOptions, prepareFace } from './api/prepare.js';
export { type Architecture, DEFAULT_ARCHITECTURE, type InputSpec, parameterCount } from './model/architecture.js';
export { randomWeights } from './model/random-weights.js';
export type { FarKey, FarPoints, OperatingPoint } from './model/thresholds.js';
export { type StudentWeights, type Thresholds, readWeights, writeWeights } from './model/weights-format.js';
