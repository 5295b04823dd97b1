/**
 * Writes weights/student.bfw as a seeded, UNTRAINED placeholder (the header says so), used until the trained
 * student from training/ replaces it. Usage: npx tsx scripts/make-placeholder-weights.ts [out]
 */
import { writeFileSync, mkdirSync } from 'node:fs';
import { dirname } from 'node:path';
import { randomWeights } from '../src/model/random-weights.js';
import { writeWeights } from '../src/model/weights-format.js';

const out = process.argv[2] ?? 'weights/student.bfw';
mkdirSync(dirname(out), { recursive: true });
writeFileSync(out, writeWeights(randomWeights(20261128)));
console.log(`wrote ${out} (untrained placeholder)`);
