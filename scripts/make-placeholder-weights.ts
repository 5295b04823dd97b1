/**
 * Writes a seeded, UNTRAINED placeholder student (the header says so), e.g. to try the runtime without the
 * trained weights. It never replaces an existing file unless told to, so the shipped weights/student.bfw
 * cannot be overwritten by accident. Usage: npx tsx scripts/make-placeholder-weights.ts <out.bfw> [--force]
 */
import { existsSync, mkdirSync, writeFileSync } from 'node:fs';
import { dirname } from 'node:path';
import { InvalidArgumentError, program } from 'commander';
import { randomWeights } from '../src/model/random-weights.js';
import { writeWeights } from '../src/model/weights-format.js';

function seedOf(value: string): number {
  const n = Number(value);
  if (!Number.isSafeInteger(n)) throw new InvalidArgumentError('not an integer');
  return n;
}

const command = program
  .argument('<out>', 'the .bfw file to write')
  .option('--force', 'replace the file if it exists', false)
  .option('--seed <n>', 'seed of the random weights (an integer)', seedOf, 20261128)
  .parse();
const [out] = command.args;
const { force, seed } = command.opts<{ force: boolean; seed: number }>();
if (existsSync(out) && !force) {
  console.error(`${out} exists; pass --force to replace it with untrained weights`);
  process.exit(1);
}
mkdirSync(dirname(out), { recursive: true });
writeFileSync(out, writeWeights(randomWeights(seed)));
console.log(`wrote ${out} (untrained placeholder, seed ${seed})`);
