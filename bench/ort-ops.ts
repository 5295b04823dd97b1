/**
 * Where onnxruntime-node's time goes on the exported student, by operator, for one or more weights files — and
 * why that depends on the weight values: ORT's PRelu time follows how predictable the signs of its input are (as a
 * branch per element would). The second table times one PRelu node on inputs that are all positive, all negative
 * and of random sign.
 *   node --import tsx --import ./scripts/register-wgsl.mjs bench/ort-ops.ts [--weights a.bfw,b.bfw] [--runs 12]
 * One thread, the options of the bench's `ort-node` row, 64 synthetic faces of 32 px (bench/core/faces.ts); ORT's
 * own profiler gives each node's kernel time, summed by operator and averaged over the runs.
 */
import { mkdtempSync, readFileSync, readdirSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { Command } from 'commander';
import proto from 'onnx-proto';
import * as ort from 'onnxruntime-node';
import { readWeights } from '../src/tools.js';
import { makeBatch, rng } from './core/faces.js';
import { summarise } from './core/stats.js';
import { exportOnnx } from './export/onnx.js';

const BATCH = 64;
const SIDE = 32;
const SESSION = {
  executionProviders: ['cpu'],
  graphOptimizationLevel: 'all',
  intraOpNumThreads: 1,
  interOpNumThreads: 1,
} as const;

interface ProfileEvent {
  cat: string;
  name: string;
  dur: number;
  args: { op_name?: string };
}

/** Mean kernel ms per run, by operator, from ORT's profiler. */
async function opTimes(weightsFile: string, runs: number, dir: string): Promise<Map<string, number>> {
  const model = exportOnnx(readWeights(new Uint8Array(readFileSync(weightsFile))), { side: SIDE });
  const session = await ort.InferenceSession.create(model, {
    ...SESSION,
    enableProfiling: true,
    profileFilePrefix: path.join(dir, 'ort'),
  });
  const feeds = {
    [session.inputNames[0]]: new ort.Tensor('uint8', makeBatch(BATCH, SIDE).packed, [BATCH, SIDE, SIDE, 4]),
  };
  for (let r = 0; r < runs; r++) await session.run(feeds);
  session.endProfiling();
  await session.release();
  // The profiler writes one file, named by the prefix and the time, into the fresh folder `dir`.
  const [file] = readdirSync(dir).map((f) => path.join(dir, f));
  const events = JSON.parse(readFileSync(file, 'utf8')) as ProfileEvent[];
  rmSync(file);
  const byOp = new Map<string, number>();
  for (const e of events)
    if (e.cat === 'Node' && e.name.endsWith('_kernel_time') && e.args.op_name)
      byOp.set(e.args.op_name, (byOp.get(e.args.op_name) ?? 0) + e.dur / 1000 / runs);
  return byOp;
}

/** One PRelu node over N×C×16×16 (the student's 64-channel block at batch 64), timed on inputs of given signs. */
async function preluBySign(runs: number): Promise<Record<string, number>> {
  const [N, C, H] = [BATCH, 64, 16];
  const { onnx } = proto;
  const slope = new Float32Array(C).fill(0.25);
  const tensor = (name: string) => ({
    name,
    type: { tensorType: { elemType: 1, shape: { dim: [N, C, H, H].map((dimValue) => ({ dimValue })) } } },
  });
  const model = onnx.ModelProto.encode({
    irVersion: 7,
    opsetImport: [{ domain: '', version: 13 }],
    graph: {
      name: 'prelu',
      node: [{ opType: 'PRelu', input: ['x', 'slope'], output: ['y'] }],
      initializer: [{ name: 'slope', dims: [C, 1, 1], dataType: 1, rawData: new Uint8Array(slope.buffer) }],
      input: [tensor('x')],
      output: [tensor('y')],
    },
  }).finish();
  const session = await ort.InferenceSession.create(model, SESSION);
  const rand = rng(1);
  const inputs: Record<string, Float32Array> = {
    'all positive': Float32Array.from({ length: N * C * H * H }, () => 0.1 + rand()),
    'all negative': Float32Array.from({ length: N * C * H * H }, () => -0.1 - rand()),
    'random sign': Float32Array.from({ length: N * C * H * H }, () => rand() - 0.5),
  };
  const times: Record<string, number[]> = Object.fromEntries(Object.keys(inputs).map((k) => [k, []]));
  // Alternating, after one warm-up of each, so a change of load hits all three alike.
  for (let r = -1; r < runs; r++)
    for (const [label, x] of Object.entries(inputs)) {
      const t = performance.now();
      await session.run({ x: new ort.Tensor('float32', x, [N, C, H, H]) });
      if (r >= 0) times[label].push(performance.now() - t);
    }
  await session.release();
  return Object.fromEntries(Object.entries(times).map(([k, v]) => [k, summarise(v).median]));
}

const opts = new Command('bench/ort-ops.ts')
  .description("onnxruntime-node's time by operator on the exported student, and its PRelu's dependence on signs")
  .option('--weights <files>', 'comma-separated .bfw files', 'weights/student.bfw')
  .option('--runs <n>', 'runs per measurement', Number, 12)
  .parse()
  .opts<{ weights: string; runs: number }>();

console.log(
  `onnxruntime-node ${ort.env.versions?.node ?? ''}, 1 thread, batch ${BATCH} of ${SIDE} px, load ${os
    .loadavg()
    .map((l) => l.toFixed(1))
    .join(' ')}`,
);
const dir = mkdtempSync(path.join(os.tmpdir(), 'ort-ops-'));
try {
  for (const file of opts.weights.split(',')) {
    const byOp = [...(await opTimes(file, opts.runs, dir))].sort((a, b) => b[1] - a[1]);
    const total = byOp.reduce((s, [, ms]) => s + ms, 0);
    console.log(`\n${file}: ${total.toFixed(1)} ms of kernels per run`);
    for (const [op, ms] of byOp)
      if (ms >= 0.05)
        console.log(
          `  ${op.padEnd(16)} ${ms.toFixed(2).padStart(7)} ms  ${((100 * ms) / total).toFixed(0).padStart(3)} %`,
        );
  }
} finally {
  rmSync(dir, { recursive: true, force: true });
}
console.log(`\nPRelu alone, ${BATCH}×64×16×16 floats, median of ${opts.runs}:`);
for (const [label, ms] of Object.entries(await preluBySign(opts.runs)))
  console.log(`  ${label.padEnd(13)} ${ms.toFixed(2)} ms`);
