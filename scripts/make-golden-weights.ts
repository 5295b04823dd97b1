/**
 * Writes test/fixtures/golden.bfw: a tiny network whose every tensor value is predictable (tensor k, element i
 * = k + i / 1000), so readers in any language can be checked against it. Usage: npx tsx scripts/make-golden-weights.ts
 */
import { writeFileSync } from 'node:fs';
import { DEFAULT_INPUT, expectedTensors } from '../src/model/architecture.js';
import { writeWeights } from '../src/model/weights-format.js';
import { TINY_ARCHITECTURE } from '../test/support/tiny-arch.js';

const goldenValue = (tensorIndex: number, i: number) => Math.fround(tensorIndex + i / 1000);

const tensors = new Map(
  expectedTensors(TINY_ARCHITECTURE).map((spec, k) => [
    spec.name,
    Float32Array.from({ length: spec.shape.reduce((a, b) => a * b, 1) }, (_, i) => goldenValue(k, i)),
  ]),
);
const bytes = writeWeights({
  architecture: TINY_ARCHITECTURE,
  input: {
    ...DEFAULT_INPUT,
    crop: {
      aligned: { convention: 'golden: the whole image' },
      loose: {
        convention: 'golden',
        frame: 250,
        box: { x: 68.5, y: 75.5, width: 115.5, height: 115.5 },
        jitterTrained: { scale: 0.125, shift: 0.0625 },
      },
      detector: { convention: 'golden', scale: 1.25, dx: 0.0625, dy: -0.0625 },
    },
  },
  thresholds: {
    calibration: 'golden test file: made-up operating points',
    sizes: {
      '16': { 'far_1e-2': { threshold: 0.5, tar: 0.25, far: 0.01 } },
      hr: {
        'far_1e-2': { threshold: 0.375, tar: 0.5, far: 0.01 },
        'far_1e-3': { threshold: 0.75, tar: null, far: 0.001 },
      },
    },
  },
  provenance: { trained: false, note: 'golden test file: tensor k, element i = k + i/1000' },
  tensors,
});
writeFileSync('test/fixtures/golden.bfw', bytes);
console.log(`wrote test/fixtures/golden.bfw (${bytes.length} bytes)`);
