/**
 * `backend: 'auto'`: the backend that embeds faster on this device, never one that is clearly slower. First what
 * the adapter says: none, or a software rasteriser (SwiftShader, llvmpipe, WARP: the CPU backend is 2–8× faster
 * there, bench/README.md) → the CPU. Otherwise a short timed probe of both backends on the loaded model, bounded
 * in time and remembered for the page or process (per adapter and model shape), decides.
 */
import { GpuError } from '../errors.js';
import type { Backend, BackendModel } from '../runtime/backend.js';
import { CpuBackend, type CpuOptions } from '../runtime/cpu/backend.js';
import { WebGpuBackend, type WebGpuOptions } from '../runtime/gpu/backend.js';

/** Faces per probe call: a mid-size batch, between the latency and the throughput regimes. */
const PROBE_FACES = 16;
/** Timed calls per backend, alternating, after one warm-up call each. */
const PROBE_ROUNDS = 3;
/** A warm-up call slower than this ends the probe: the warm-up times decide. */
const PROBE_BUDGET_MS = 1000;

/** Probe verdicts for this page or process, by adapter and model shape. */
const verdicts = new Map<string, { kind: 'cpu' | 'webgpu'; why: string }>();

export interface AutoChoice {
  backend: Backend;
  /** Why the CPU was chosen, when it was. */
  fallbackReason?: string;
}

export async function chooseAuto(
  model: BackendModel,
  webgpu: Omit<WebGpuOptions, 'device'> | undefined,
  cpu: CpuOptions | undefined,
): Promise<AutoChoice> {
  let gpu: WebGpuBackend;
  try {
    gpu = await WebGpuBackend.create(model, webgpu);
  } catch (e) {
    if (!(e instanceof GpuError)) throw e;
    return { backend: await CpuBackend.create(model, cpu), fallbackReason: e.message };
  }
  if (gpu.software) {
    gpu.dispose();
    return {
      backend: await CpuBackend.create(model, cpu),
      fallbackReason: `${gpu.software}: the CPU backend is faster on software WebGPU`,
    };
  }
  const key = `${gpu.adapter}|${model.network.architecture.inputSize}|${model.network.macsPerFace}`;
  const cached = verdicts.get(key);
  if (cached?.kind === 'webgpu') return { backend: gpu };
  const other = await CpuBackend.create(model, cpu);
  const verdict = cached ?? (await probe(model, gpu, other));
  verdicts.set(key, verdict);
  if (verdict.kind === 'webgpu') {
    other.dispose();
    return { backend: gpu };
  }
  gpu.dispose();
  return { backend: other, fallbackReason: verdict.why };
}

/** Times both backends on the same synthetic batch, alternating; the faster wins (WebGPU on a tie). */
export async function probe(
  model: BackendModel,
  gpu: Backend,
  cpu: Backend,
): Promise<{ kind: 'cpu' | 'webgpu'; why: string }> {
  const input = new Float32Array(PROBE_FACES * model.network.tensorSizes[0]);
  for (let i = 0; i < input.length; i++) input[i] = Math.sin(i * 0.37);
  const time = async (b: Backend) => {
    const t = performance.now();
    await b.embedTensor(input, PROBE_FACES);
    return performance.now() - t;
  };
  const samples = { gpu: [await time(gpu)], cpu: [await time(cpu)] };
  if (Math.max(samples.gpu[0], samples.cpu[0]) < PROBE_BUDGET_MS) {
    samples.gpu = [];
    samples.cpu = [];
    for (let r = 0; r < PROBE_ROUNDS; r++) {
      samples.gpu.push(await time(gpu));
      samples.cpu.push(await time(cpu));
    }
  }
  const median = (a: number[]) => [...a].sort((x, y) => x - y)[Math.floor(a.length / 2)];
  const [g, c] = [median(samples.gpu), median(samples.cpu)];
  const why = `timed probe (${PROBE_FACES} faces): CPU ${c.toFixed(1)} ms, WebGPU ${g.toFixed(1)} ms`;
  return { kind: c < g ? 'cpu' : 'webgpu', why };
}
