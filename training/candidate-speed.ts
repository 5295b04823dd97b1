// Runtime speed of architecture candidates: embeds one batch of 32×32 tensors with each weights file in turn
// (candidates alternated round by round, the machine is shared), and prints parameters and the median faces/s.
//   PYTHONPATH=training python3 -m bridgeface_train.candidates --bfw /tmp/cand
//   node --import tsx --import ./scripts/register-wgsl.mjs training/candidate-speed.ts [--backend cpu] [--batch 64] /tmp/cand/*.bfw
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { createRecognizer } from '../src/index.js';
import { intOption, parseCli } from './teacher/common.js';

const { values: args, positionals: files } = parseCli(
  { backend: { type: 'string', default: 'cpu' }, batch: { type: 'string' } },
  { positionals: true },
);
const backend = args.backend as 'cpu' | 'webgpu';
const batch = intOption(args.batch, 'batch', 64, 1);
if (!files.length) throw new Error('usage: candidate-speed.ts [--backend cpu|webgpu] [--batch N] a.bfw b.bfw …');
const recs = await Promise.all(files.map((f) => createRecognizer({ backend, weights: fs.readFileSync(f) })));
const S = recs[0].info.inputSize;
const input = Float32Array.from({ length: batch * 3 * S * S }, (_, i) => 0.9 * Math.sin(i));
const times: number[][] = files.map(() => []);
for (const r of recs) await r.embed(input); // warm-up
for (let round = 0; round < 7; round++) {
  for (const [k, r] of recs.entries()) {
    const t0 = performance.now();
    await r.embed(input);
    times[k].push(performance.now() - t0);
  }
}
console.log(
  `${recs[0].info.backend} (${recs[0].info.adapter}), batch ${batch}, median of 7; load average ${os
    .loadavg()
    .map((v) => v.toFixed(1))
    .join(' ')}`,
);
for (const [k, f] of files.entries()) {
  const t = [...times[k]].sort((a, b) => a - b)[3];
  console.log(
    `${path.basename(f, '.bfw').padEnd(12)} ${String(recs[k].info.parameters).padStart(8)} parameters  ${((batch / t) * 1000).toFixed(0).padStart(6)} faces/s`,
  );
  recs[k].dispose();
}
