/**
 * Where bridgeface's time goes, layer by layer, in Node:
 *   node --import tsx --import ./scripts/register-wgsl.mjs bench/profile.ts [--batch 64] [--side 32] [--gles] [--out file.json]
 * CPU: wraps the CPU backend's per-layer method with a timer (exactly the code the backend runs).
 * WebGPU: records the backend's static plan for the batch, then times each dispatch alone (repeated in one
 * compute pass, waiting for the queue), so each kernel's share shows; plus the whole plan and a full embed().
 */
import { writeFileSync } from 'node:fs';
import os from 'node:os';
import { readFileSync } from 'node:fs';
import { createRecognizer } from '../src/index.js';
import { readWeights } from '../src/tools.js';
import { buildNetwork, type Layer, layerMacs } from '../src/model/network.js';
import { planMemory } from '../src/runtime/memory-plan.js';
import { CpuBackend } from '../src/runtime/cpu/backend.js';
import { Command } from 'commander';
import { SWIFTSHADER_ICD } from '../scripts/chromium-webgpu.js';
import { compilePipelines } from '../src/runtime/gpu/compile.js';
import { acquireDevice } from '../src/runtime/gpu/device.js';
import { packImages } from '../src/runtime/gpu/image-records.js';
import { IMAGE_RECORD_BYTES } from '../src/runtime/gpu/image-records.js';
import { Plan } from '../src/runtime/gpu/plan.js';
import { makeBatch } from './core/faces.js';

const opts = new Command('bench/profile.ts')
  .description('per-layer time of the CPU backend and per-dispatch time of the WebGPU plan')
  .option('--batch <n>', 'faces per batch', Number, 64)
  .option('--side <px>', 'RGBA input side', Number, 32)
  .option('--gles', "Dawn's OpenGL ES backend (llvmpipe) instead of Vulkan (SwiftShader)", false)
  .option('--out <file>', 'also write the profile as JSON')
  .parse()
  .opts<{ batch: number; side: number; gles: boolean; out?: string }>();
const { batch, side, gles } = opts;
const now = () => performance.now();

function describe(l: Layer): string {
  switch (l.kind) {
    case 'conv': return l.groups === 1
      ? `conv3x3 ${l.inChannels}→${l.outChannels} ${l.inSize}→${l.outSize} s${l.stride}`
      : `${l.kernel === 3 ? 'dw3x3' : `gdc${l.kernel}x${l.kernel}`} ${l.outChannels} ${l.inSize}→${l.outSize} s${l.stride}`;
    case 'pointwise': return l.pixels === 1 ? `fc ${l.inChannels}→${l.outChannels}` : `pw ${l.inChannels}→${l.outChannels} ${l.pixels}px${l.residual !== undefined ? ' +res' : ''}`;
    case 'avgpool': return `avgpool ${l.channels}`;
    case 'l2norm': return `l2norm ${l.dim}`;
  }
}

async function main() {
  // Core runs use SwiftShader's Vulkan driver from the chromium package (Debian's lavapipe is rejected by Dawn).
  if (!gles && !process.env.VK_ICD_FILENAMES && (await import('node:fs')).existsSync(SWIFTSHADER_ICD)) process.env.VK_ICD_FILENAMES = SWIFTSHADER_ICD;
  const weightsBytes = new Uint8Array(readFileSync(new URL('../weights/student.bfw', import.meta.url)));
  const weights = readWeights(weightsBytes);
  const network = buildNetwork(weights);
  const S = weights.architecture.inputSize;
  const faces = makeBatch(batch, side);
  const rows = network.layers.map((l, i) => ({ i, layer: describe(l), macsPerFace: layerMacs(l), cpuMs: 0, gpuMs: NaN }));

  // ---- CPU: time the backend's own per-layer method.
  const model = { network, input: weights.input, tensors: weights.tensors };
  const cpu = new CpuBackend(model);
  const proto = CpuBackend.prototype as unknown as { runLayer?: (layer: Layer, ...rest: unknown[]) => void };
  const original = proto.runLayer;
  let cpuNote = 'per-layer times from CpuBackend.runLayer';
  const cpuReps = 3;
  if (original) {
    proto.runLayer = function (this: unknown, layer: Layer, ...rest: unknown[]) {
      const t = now();
      original.call(this, layer, ...rest);
      rows[network.layers.indexOf(layer)].cpuMs += (now() - t) / cpuReps;
    };
  } else cpuNote = 'CpuBackend.runLayer not found: only the total is timed';
  await cpu.embedImages(faces.images.slice(0, 1)); // JIT warm-up
  rows.forEach((r) => (r.cpuMs = 0));
  const t0 = now();
  let cpuPre = 0;
  for (let k = 0; k < cpuReps; k++) {
    const p = now();
    await cpu.embedImages(faces.images);
    cpuPre += now() - p;
  }
  const cpuTotal = (now() - t0) / cpuReps;
  if (original) proto.runLayer = original;
  const cpuLayers = rows.reduce((a, r) => a + r.cpuMs, 0);

  // ---- WebGPU: the backend's plan, each dispatch timed alone.
  const acquired = await acquireDevice({ featureLevel: gles ? 'compatibility' : 'core' });
  const { device } = acquired;
  const pipelines = await compilePipelines(device);
  const memory = planMemory(network);
  const storage = GPUBufferUsage.STORAGE | GPUBufferUsage.COPY_DST | GPUBufferUsage.COPY_SRC;
  const offsets = new Map<string, number>();
  let floats = 0;
  for (const [name, t] of weights.tensors) {
    offsets.set(name, floats);
    floats += t.length;
  }
  const packed = new Float32Array(floats);
  for (const [name, t] of weights.tensors) packed.set(t, offsets.get(name)!);
  const mk = (bytes: number) => device.createBuffer({ size: Math.max(16, Math.ceil(bytes / 4) * 4), usage: storage });
  const wbuf = mk(packed.byteLength);
  device.queue.writeBuffer(wbuf, 0, packed);
  const input = mk(batch * network.tensorSizes[0] * 4);
  const slots = memory.slotFloats.map((f) => mk(batch * f * 4));
  const plan = new Plan(batch, network.layers, { device, pipelines, weights: wbuf, offsets, input, slots, slotOf: memory.slotOf });
  const { pixels, records } = packImages(faces.images);
  const pbuf = mk(pixels.byteLength);
  device.queue.writeBuffer(pbuf, 0, pixels);
  const rbuf = mk(Math.max(records.byteLength, batch * IMAGE_RECORD_BYTES));
  device.queue.writeBuffer(rbuf, 0, records);
  const pre = plan.preprocessStep(pbuf, rbuf, S, weights.input);
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
    const t = now();
    device.queue.submit([enc.finish()]);
    await device.queue.onSubmittedWorkDone();
    return (now() - t) / reps;
  };
  await timeSteps([pre, ...plan.steps], 1); // warm-up
  const whole = await timeSteps([pre, ...plan.steps], 3);
  const empty = await timeSteps([], 1);
  const gpuPre = await timeSteps([pre], 3);
  for (let i = 0; i < plan.steps.length; i++) rows[i].gpuMs = await timeSteps([plan.steps[i]], 3);

  // A full embed() through the public API for comparison (upload, plan, readback).
  const rec = await createRecognizer({ backend: 'webgpu', weights: weightsBytes, webgpu: { featureLevel: gles ? 'compatibility' : 'core' } });
  await rec.embed(faces.images);
  const e0 = now();
  await rec.embed(faces.images);
  const embedMs = now() - e0;
  rec.dispose();

  const totalMacs = rows.reduce((a, r) => a + r.macsPerFace, 0);
  const lines: string[] = [];
  lines.push(`profile: batch ${batch} of ${side}×${side} RGBA, ${os.cpus()[0]?.model} ×${os.cpus().length}, load ${os.loadavg()[0].toFixed(1)}; WebGPU adapter ${acquired.adapter}`);
  lines.push(`${'#'.padStart(2)}  ${'layer'.padEnd(30)} ${'MMAC/face'.padStart(9)} ${'CPU ms'.padStart(8)} ${'CPU %'.padStart(6)} ${'CPU GF/s'.padStart(8)} ${'GPU ms'.padStart(8)} ${'GPU %'.padStart(6)} ${'GPU GF/s'.padStart(8)}`);
  const gpuLayers = rows.reduce((a, r) => a + r.gpuMs, 0) + gpuPre;
  const gf = (m: number, ms: number) => (ms > 0 ? ((2 * m * batch) / (ms * 1e6)).toFixed(2) : '–');
  lines.push(`${'-'.padStart(2)}  ${`preprocess (RGBA ${side}→${S})`.padEnd(30)} ${'–'.padStart(9)} ${(cpuPre / cpuReps - cpuLayers).toFixed(2).padStart(8)} ${''.padStart(6)} ${''.padStart(8)} ${gpuPre.toFixed(2).padStart(8)} ${((100 * gpuPre) / gpuLayers).toFixed(1).padStart(6)}`);
  for (const r of rows) {
    lines.push(`${String(r.i).padStart(2)}  ${r.layer.padEnd(30)} ${(r.macsPerFace / 1e6).toFixed(3).padStart(9)} ${r.cpuMs.toFixed(2).padStart(8)} ${((100 * r.cpuMs) / cpuLayers).toFixed(1).padStart(6)} ${gf(r.macsPerFace, r.cpuMs).padStart(8)} ${r.gpuMs.toFixed(2).padStart(8)} ${((100 * r.gpuMs) / gpuLayers).toFixed(1).padStart(6)} ${gf(r.macsPerFace, r.gpuMs).padStart(8)}`);
  }
  lines.push(`CPU: layers ${cpuLayers.toFixed(1)} ms, embedImages ${cpuTotal.toFixed(1)} ms per batch of ${batch} (${((batch * 1000) / cpuTotal).toFixed(0)} faces/s, ${gf(totalMacs, cpuTotal)} GFLOP/s); ${cpuNote}`);
  lines.push(`GPU: sum of dispatches alone ${gpuLayers.toFixed(1)} ms; whole plan in one pass ${whole.toFixed(1)} ms; empty submit ${empty.toFixed(2)} ms; embed() with upload + readback ${embedMs.toFixed(1)} ms (${((batch * 1000) / embedMs).toFixed(0)} faces/s)`);
  console.log(lines.join('\n'));
  const out = opts.out;
  if (out) {
    writeFileSync(out, `${JSON.stringify({ date: new Date().toISOString(), batch, side, adapter: acquired.adapter, loadAverage: os.loadavg(), rows, cpu: { totalMs: cpuTotal, layersMs: cpuLayers, note: cpuNote }, gpu: { preprocessMs: gpuPre, dispatchSumMs: gpuLayers, wholePlanMs: whole, emptySubmitMs: empty, embedMs } }, null, 2)}\n`);
  }
  device.destroy();
  process.exit(0);
}

main().catch((e) => {
  console.error(e);
  process.exit(1);
});
