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
  input: DEFAULT_INPUT,
  thresholds: { 'far_1e-2': 0.5, 'far_1e-3': 0.75 },
  provenance: { trained: false, note: 'golden test file: tensor k, element i = k + i/1000' },
  tensors,
});
writeFileSync('test/fixtures/golden.bfw', bytes);
console.log(`wrote test/fixtures/golden.bfw (${bytes.length} bytes)`);
