/**
 * Real-GPU measurement (bench/gpu-device.sh bundles this file with esbuild): bridgeface's WebGPU backend on Dawn
 * in Node, on whatever Vulkan adapter Dawn finds (the NVIDIA driver on a GPU machine), with the default batch
 * capacity (128) and a large one (4096), from RGBA 32×32 images, batches 1 … 16384.
 *   node bench.mjs <weights.bfw> <out.json> [--quick]
 */
import { readFileSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import { createRecognizer } from '../../src/index.js';
import { readWeights } from '../../src/tools.js';
import { runSuite } from '../core/suite.js';
import type { BenchContext, RowSpec, SuiteConfig } from '../core/types.js';
import { bridgefaceWebGpu } from '../peers/bridgeface.js';

const [weightsPath, outPath] = process.argv.slice(2);
const quick = process.argv.includes('--quick');

const largeCapacity: RowSpec = {
  ...bridgefaceWebGpu,
  id: 'bridgeface-webgpu-cap4096',
  label: 'bridgeface WebGPU (batchCapacity 4096)',
  async create(ctx) {
    const rec = await createRecognizer({
      backend: 'webgpu',
      weights: ctx.weightsBytes,
      webgpu: { batchCapacity: 4096 },
    });
    const dim = rec.info.embeddingDim;
    return {
      detail: rec.info.adapter,
      async embed(batch) {
        const rows = await rec.embed(batch.images);
        const out = new Float32Array(rows.length * dim);
        rows.forEach((r, i) => out.set(r, i * dim));
        return out;
      },
      dispose: () => rec.dispose(),
    };
  },
};

async function main() {
  const webgpu = await import('webgpu');
  Object.assign(globalThis, webgpu.globals);
  const weightsBytes = new Uint8Array(readFileSync(weightsPath));
  const ctx: BenchContext = {
    weightsBytes,
    weights: readWeights(weightsBytes),
    featureLevel: 'core',
    env: 'node',
    modulesBase: '',
  };
  const config: SuiteConfig = {
    quick,
    batches: quick ? [1, 64, 1024] : [1, 8, 64, 256, 1024, 4096, 16384],
    sides: [32],
    iterations: quick ? 5 : 20,
    minIterations: 5,
    latencyIterations: quick ? 20 : 50,
    warmup: 2,
    capSeconds: 15,
    batchingGainGuess: 8,
    rowBudgetSeconds: 240,
    validationFaces: 16,
    pairedRounds: 0,
    rows: [],
  };
  const t0 = Date.now();
  const result = await runSuite('node-dawn-gpu', config, ctx, [bridgefaceWebGpu, largeCapacity], (l) => console.log(l));
  const report = {
    command: 'bash bench/gpu-device.sh run',
    date: new Date().toISOString(),
    seconds: (Date.now() - t0) / 1000,
    machine: {
      hostname: os.hostname(),
      cpu: os.cpus()[0]?.model,
      cores: os.cpus().length,
      node: process.version,
      gpu: result.rows[0]?.detail,
    },
    config,
    paperFacesPerSecond: 14705,
    environments: [result],
  };
  writeFileSync(outPath, `${JSON.stringify(report, null, 2)}\n`);
  const best = Math.max(0, ...result.rows.flatMap((r) => r.throughput.map((t) => t.facesPerSecond)));
  for (const r of result.rows) {
    console.log(`${r.id} on ${r.detail ?? '?'}: ${r.status} ${r.notes.join('; ')}`);
    for (const t of r.throughput)
      console.log(
        `  batch ${t.batch}: ${t.facesPerSecond.toFixed(0)} faces/s (${t.gflops.toFixed(1)} GFLOP/s, median ${t.medianMs.toFixed(2)} ms)`,
      );
  }
  console.log(`best: ${best.toFixed(0)} faces/s vs the paper's 14,705 faces/s (${(best / 14705).toFixed(2)}×)`);
  process.exit(0);
}

main().catch((e) => {
  console.error(e);
  process.exit(1);
});
