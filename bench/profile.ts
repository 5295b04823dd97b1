/**
 * Where bridgeface's time goes, layer by layer, in Node:
 *   node --import tsx --import ./scripts/register-wgsl.mjs bench/profile.ts [--batch 64] [--side 32] [--cpu-only] [--gles] [--out file.json]
 * (add --experimental-wasm-relaxed-simd after `node` for the relaxed-SIMD module on Node 20).
 * CPU: the backend's own plan (each layer's kernel as chosen at load, weights as it packed them), one thread,
 * validated against the plain reference ops, then timed step by step; each step's share of the measured wasm
 * ceiling (bench/core/ceilings.ts). WebGPU: the backend's plan and weight packing for the batch, validated
 * against the CPU, then each dispatch timed alone (repeated in one compute pass, waiting for the queue).
 */
import { readFileSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import { Command } from 'commander';
import { SWIFTSHADER_ICD } from '../scripts/chromium-webgpu.js';
import { cosine } from '../src/api/similarity.js';
import { createRecognizer } from '../src/index.js';
import { type Layer, type Network, buildNetwork, layerMacs } from '../src/model/network.js';
import type { BackendModel } from '../src/runtime/backend.js';
import { CpuBackend } from '../src/runtime/cpu/backend.js';
import { preprocess } from '../src/runtime/cpu/preprocess.js';
import { referenceRun } from '../src/runtime/cpu/reference-run.js';
import { compilePipelines } from '../src/runtime/gpu/compile.js';
import { acquireDevice } from '../src/runtime/gpu/device.js';
import { IMAGE_RECORD_BYTES, packImages } from '../src/runtime/gpu/image-records.js';
import { chooseKernels } from '../src/runtime/gpu/kernel-choice.js';
import { Plan } from '../src/runtime/gpu/plan.js';
import { packWeights } from '../src/runtime/gpu/weights-layout.js';
import { planMemory } from '../src/runtime/memory-plan.js';
import { readWeights } from '../src/tools.js';
import { type Ceilings, measureCeilings } from './core/ceilings.js';
import { makeBatch } from './core/faces.js';
import { summarise } from './core/stats.js';
import type { Batch } from './core/types.js';

const VALIDATION = 0.9999;
const REPS = 7;

interface Row {
  i: number;
  layer: string;
  macsPerFace: number;
  cpuKernel: string;
  cpuMs: number;
  gpuKernel: string;
  gpuMs: number;
}

function describe(l: Layer): string {
  switch (l.kind) {
    case 'conv': {
      const what =
        l.groups === 1
          ? `conv${l.kernel}x${l.kernel} ${l.inChannels}→${l.outChannels}`
          : l.outSize === 1
            ? `gdc${l.kernel}x${l.kernel} ${l.inChannels}`
            : `dw${l.kernel}x${l.kernel} ${l.inChannels}`;
      return `${what} ${l.inSize}→${l.outSize} s${l.stride}`;
    }
    case 'pointwise':
      return l.pixels === 1
        ? `fc ${l.inChannels}→${l.outChannels}`
        : `pw ${l.inChannels}→${l.outChannels} ${l.pixels}px${l.residual !== undefined ? ' +res' : ''}`;
    case 'avgpool':
      return `avgpool ${l.channels}`;
    case 'l2norm':
      return `l2norm ${l.dim}`;
  }
}

/** Smallest cosine between matching rows of two N×D arrays. */
function minCosine(a: Float32Array, b: Float32Array, dim: number): number {
  let min = Infinity;
  for (let i = 0; i < a.length / dim; i++)
    min = Math.min(min, cosine(a.subarray(i * dim, (i + 1) * dim), b.subarray(i * dim, (i + 1) * dim)));
  return Number.isNaN(min) ? -1 : min;
}

function check(what: string, min: number): void {
  console.log(`validation: ${what}: min cosine ${min.toFixed(7)}`);
  if (!(min >= VALIDATION)) throw new Error(`${what}: min cosine ${min.toFixed(6)} < ${VALIDATION}; not timed`);
}

/**
 * The CPU backend's plan on one thread, from RGBA images: validated against the reference preprocessing and
 * ops, then the input pass and each step timed (median of REPS).
 */
async function profileCpu(model: BackendModel, faces: Batch, rows: Row[]) {
  const { network } = model;
  const cpu = await CpuBackend.create(model, { threads: 1 });
  const input = new Float32Array(faces.count * network.tensorSizes[0]);
  preprocess(faces.images, network.architecture.inputSize, model.input, input);
  const dim = network.tensorSizes[network.output];
  const images = { images: faces.images };
  check(
    `CPU (${cpu.adapter}) vs the reference preprocessing and ops`,
    minCosine(
      cpu.profile(images, faces.count, () => {}),
      referenceRun(network, model.tensors, input, faces.count),
      dim,
    ),
  );
  const samples = rows.map(() => [] as number[]);
  const [inputMs, totals]: number[][] = [[], []];
  for (let r = 0; r <= REPS; r++) {
    const t = performance.now();
    cpu.profile(images, faces.count, (what, ms) => {
      if (r === 0) return;
      if (what === 'input') inputMs.push(ms);
      else samples[network.layers.indexOf(what.layer)].push(ms);
    });
    if (r > 0) totals.push(performance.now() - t);
  }
  rows.forEach((row, i) => {
    row.cpuMs = summarise(samples[i]).median;
    row.cpuKernel = cpu.steps[i].kernel;
  });
  cpu.dispose();
  return { adapter: cpu.adapter, inputMs: summarise(inputMs).median, passMs: summarise(totals).median };
}

/** The WebGPU backend's plan and weight packing for the batch: validated against `expected`, then each dispatch timed alone. */
async function profileGpu(
  model: BackendModel,
  weightsBytes: Uint8Array,
  faces: Batch,
  rows: Row[],
  gles: boolean,
  expected: Float32Array,
) {
  const { network } = model;
  const acquired = await acquireDevice({ featureLevel: gles ? 'compatibility' : 'core' });
  const { device } = acquired;
  const pipelines = await compilePipelines(device);
  const memory = planMemory(network);
  const storage = GPUBufferUsage.STORAGE | GPUBufferUsage.COPY_DST | GPUBufferUsage.COPY_SRC;
  const mk = (bytes: number) => device.createBuffer({ size: Math.max(16, Math.ceil(bytes / 4) * 4), usage: storage });
  const packed = packWeights(network.layers, model.tensors);
  const wbuf = mk(packed.data.byteLength);
  device.queue.writeBuffer(wbuf, 0, packed.data);
  const batch = faces.count;
  const input = mk(batch * network.tensorSizes[0] * 4);
  const slots = memory.slotFloats.map((f) => mk(batch * f * 4));
  const resources = { device, pipelines, weights: wbuf, offsets: packed.offsets, input, slots, slotOf: memory.slotOf };
  // The kernels the backend would run on this adapter (timed at load on hardware ones), not the table's first fits.
  const plan = new Plan(
    batch,
    network.layers,
    resources,
    await chooseKernels(acquired, network.layers, resources, batch),
  );
  const { pixels, records } = packImages(faces.images);
  const pbuf = mk(pixels.byteLength);
  device.queue.writeBuffer(pbuf, 0, pixels);
  const rbuf = mk(Math.max(records.byteLength, batch * IMAGE_RECORD_BYTES));
  device.queue.writeBuffer(rbuf, 0, records);
  const pre = plan.preprocessStep(pbuf, rbuf, network.architecture.inputSize, model.input);
  const timeSteps = async (steps: typeof plan.steps, reps: number) => {
    const enc = device.createCommandEncoder();
    const pass = enc.beginComputePass();
    for (let r = 0; r < reps; r++) {
      for (const s of steps) {
        pass.setPipeline(pipelines.get(s.kernel)!);
        pass.setBindGroup(0, s.bindGroup);
        pass.dispatchWorkgroups(s.workgroups[0], s.workgroups[1]);
      }
    }
    pass.end();
    const t = performance.now();
    device.queue.submit([enc.finish()]);
    await device.queue.onSubmittedWorkDone();
    return (performance.now() - t) / reps;
  };
  await timeSteps([pre, ...plan.steps], 1);
  check(
    `WebGPU plan (${acquired.adapter}) vs the CPU backend`,
    minCosine(
      await readSlot(device, slots[memory.slotOf[network.output]], expected.length),
      expected,
      network.tensorSizes[network.output],
    ),
  );
  const whole = await timeSteps([pre, ...plan.steps], 3);
  const empty = await timeSteps([], 1);
  const preMs = await timeSteps([pre], 3);
  for (let i = 0; i < plan.steps.length; i++) {
    rows[i].gpuKernel = plan.steps[i].kernel;
    rows[i].gpuMs = await timeSteps([plan.steps[i]], 3);
  }
  // A full embed() through the public API for comparison (upload, plan, readback).
  const rec = await createRecognizer({
    backend: 'webgpu',
    weights: weightsBytes,
    webgpu: { featureLevel: gles ? 'compatibility' : 'core' },
  });
  await rec.embed(faces.images);
  const e0 = performance.now();
  await rec.embed(faces.images);
  const embedMs = performance.now() - e0;
  rec.dispose();
  device.destroy();
  return { adapter: acquired.adapter, preMs, whole, empty, embedMs };
}

async function readSlot(device: GPUDevice, buffer: GPUBuffer, floats: number): Promise<Float32Array> {
  const staging = device.createBuffer({ size: floats * 4, usage: GPUBufferUsage.COPY_DST | GPUBufferUsage.MAP_READ });
  const enc = device.createCommandEncoder();
  enc.copyBufferToBuffer(buffer, 0, staging, 0, floats * 4);
  device.queue.submit([enc.finish()]);
  await staging.mapAsync(GPUMapMode.READ);
  const out = new Float32Array(staging.getMappedRange().slice(0));
  staging.destroy();
  return out;
}

function report(
  network: Network,
  rows: Row[],
  batch: number,
  side: number,
  ceilings: Ceilings,
  cpu: Awaited<ReturnType<typeof profileCpu>>,
  gpu?: Awaited<ReturnType<typeof profileGpu>>,
): string {
  const ceiling =
    (cpu.adapter.includes('relaxed') ? ceilings.wasm.relaxed : ceilings.wasm.simd128) ?? ceilings.wasm.simd128!;
  const gf = (m: number, ms: number) => (ms > 0 && m > 0 ? (2 * m * batch) / (ms * 1e6) : NaN);
  const fmt = (v: number, w: number, d = 2) => (Number.isFinite(v) ? v.toFixed(d) : '–').padStart(w);
  const cpuSum = rows.reduce((a, r) => a + r.cpuMs, 0);
  const lines = [
    `profile: batch ${batch} of ${side}×${side} RGBA, ${os.cpus()[0]?.model} ×${os.cpus().length}, load ${os
      .loadavg()
      .map((l) => l.toFixed(1))
      .join(' ')}`,
    `ceilings (one core): wasm relaxed ${ceilings.wasm.relaxed ? `${ceilings.wasm.relaxed.gflops.toFixed(1)} GFLOP/s` : 'not validated by this engine'}, wasm SIMD128 ${ceilings.wasm.simd128?.gflops.toFixed(1)} GFLOP/s, native ${ceilings.native.gflops.toFixed(1)} GFLOP/s (${ceilings.native.how})`,
    `CPU: ${cpu.adapter}; % of ceiling against the ${ceiling.how}`,
    `${'#'.padStart(2)}  ${'layer'.padEnd(28)} ${'CPU kernel'.padEnd(22)} ${'MMAC/face'.padStart(9)} ${'CPU ms'.padStart(7)} ${'CPU %'.padStart(6)} ${'GF/s'.padStart(6)} ${'%ceil'.padStart(6)} ${'GPU kernel'.padEnd(20)} ${'GPU ms'.padStart(7)} ${'GF/s'.padStart(6)}`,
  ];
  for (const r of rows) {
    const g = gf(r.macsPerFace, r.cpuMs);
    lines.push(
      `${String(r.i).padStart(2)}  ${r.layer.padEnd(28)} ${r.cpuKernel.padEnd(22)} ${fmt(r.macsPerFace / 1e6, 9, 3)} ${fmt(r.cpuMs, 7)} ${fmt((100 * r.cpuMs) / cpuSum, 6, 1)} ${fmt(g, 6, 1)} ${fmt((100 * g) / ceiling.gflops, 6, 0)} ${r.gpuKernel.padEnd(20)} ${fmt(r.gpuMs, 7)} ${fmt(gf(r.macsPerFace, r.gpuMs), 6, 1)}`,
    );
  }
  const macsAll = network.macsPerFace;
  const layersMs = cpu.passMs - cpu.inputMs;
  lines.push(
    `CPU: one pass ${cpu.passMs.toFixed(1)} ms (${((batch * 1000) / cpu.passMs).toFixed(0)} faces/s): preprocessing ${cpu.inputMs.toFixed(2)} ms, layers ${layersMs.toFixed(1)} ms (${fmt(gf(macsAll, layersMs), 0, 1)} GFLOP/s, ${fmt((100 * gf(macsAll, layersMs)) / ceiling.gflops, 0, 0)} % of ceiling)`,
  );
  if (gpu)
    lines.push(
      `GPU (${gpu.adapter}): preprocess ${gpu.preMs.toFixed(2)} ms; whole plan in one pass ${gpu.whole.toFixed(1)} ms; empty submit ${gpu.empty.toFixed(2)} ms; embed() with upload + readback ${gpu.embedMs.toFixed(1)} ms (${((batch * 1000) / gpu.embedMs).toFixed(0)} faces/s)`,
    );
  return lines.join('\n');
}

async function main() {
  const opts = new Command('bench/profile.ts')
    .description('per-layer time of the CPU backend plan and per-dispatch time of the WebGPU plan, after validation')
    .option('--batch <n>', 'faces per batch (at most 64: one CPU pass)', Number, 64)
    .option('--side <px>', 'RGBA input side', Number, 32)
    .option('--cpu-only', 'skip WebGPU', false)
    .option('--gles', "Dawn's OpenGL ES backend (llvmpipe) instead of Vulkan (SwiftShader)", false)
    .option('--out <file>', 'also write the profile as JSON')
    .parse()
    .opts<{ batch: number; side: number; cpuOnly: boolean; gles: boolean; out?: string }>();
  // Core runs use SwiftShader's Vulkan driver from the chromium package (Debian's lavapipe is rejected by Dawn).
  if (!opts.gles && !process.env.VK_ICD_FILENAMES && (await import('node:fs')).existsSync(SWIFTSHADER_ICD))
    process.env.VK_ICD_FILENAMES = SWIFTSHADER_ICD;
  const weightsBytes = new Uint8Array(readFileSync(new URL('../weights/student.bfw', import.meta.url)));
  const weights = readWeights(weightsBytes);
  const network = buildNetwork(weights);
  const model = { network, input: weights.input, tensors: weights.tensors };
  const faces = makeBatch(opts.batch, opts.side);
  const rows: Row[] = network.layers.map((l, i) => ({
    i,
    layer: describe(l),
    macsPerFace: layerMacs(l),
    cpuKernel: '',
    cpuMs: NaN,
    gpuKernel: '',
    gpuMs: NaN,
  }));
  const ceilings = await measureCeilings();
  const cpu = await profileCpu(model, faces, rows);
  let gpu: Awaited<ReturnType<typeof profileGpu>> | undefined;
  if (!opts.cpuOnly) {
    const expected = new Float32Array(
      (
        await (
          await createRecognizer({ backend: 'cpu', weights: weightsBytes, cpu: { threads: 1 } })
        ).embed(faces.images)
      ).flatMap((e) => [...e]),
    );
    gpu = await profileGpu(model, weightsBytes, faces, rows, opts.gles, expected);
  }
  console.log(report(network, rows, opts.batch, opts.side, ceilings, cpu, gpu));
  if (opts.out) {
    writeFileSync(
      opts.out,
      `${JSON.stringify({ date: new Date().toISOString(), batch: opts.batch, side: opts.side, loadAverage: os.loadavg(), ceilings, rows, cpu, gpu }, null, 2)}\n`,
    );
  }
  process.exit(0);
}

main().catch((e) => {
  console.error(e);
  process.exit(1);
});
