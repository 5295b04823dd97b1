/**
 * Picking among kernel variants by timing them on the actual adapter at load: where several kernels of the table
 * run a layer (kernelCandidates: e.g. pointwise_vec4's register blocking and pointwise's workgroup-memory tiles),
 * each is dispatched a few times alone on that layer and the fastest is kept. The table's order was tuned on
 * software adapters, so those keep it without timing. Bounded (a few dispatches per candidate, a time budget) and
 * remembered per adapter and layer shape for the page or process.
 */
import type { Layer } from '../../model/network.js';
import { type LayerKernel, kernelCandidates, kernelFor } from './kernels.js';
import { Plan, type PlanResources, type Step } from './plan.js';

/** Faces per timed dispatch: a mid-size batch. */
const TIMING_BATCH = 32;
/** Dispatches per timing, in one compute pass (amortising the submit), after one warm-up pass. */
const TIMING_REPS = 8;
/** Past this much timing, the remaining layers keep the table's first fit. */
const BUDGET_MS = 300;

/** Verdicts by adapter and layer shape. */
const chosen = new Map<string, string>();

/**
 * Each layer's kernel as the backend runs it: timed on hardware adapters (or where `time` says so), the table's
 * first fit otherwise. The backend and the profile (bench/profile.ts) both ask here, so the profile times the plan
 * the backend would run.
 */
export async function chooseKernels(
  acquired: { adapter: string; software?: string },
  layers: readonly Layer[],
  r: PlanResources,
  capacity: number,
  time: boolean = !acquired.software,
): Promise<LayerKernel[]> {
  return time ? timeKernels(acquired.adapter, layers, r, capacity) : layers.map(kernelFor);
}

/** Each layer's kernel: the fastest candidate on this adapter (the first fit where only one exists or time ran out). */
async function timeKernels(
  adapter: string,
  layers: readonly Layer[],
  r: PlanResources,
  capacity: number,
): Promise<LayerKernel[]> {
  const candidates = layers.map(kernelCandidates);
  const key = (i: number) => `${adapter}|${JSON.stringify(layers[i])}`;
  const picks = candidates.map((c, i) => c.find((k) => k.name === chosen.get(key(i))) ?? c[0]);
  const open = candidates.map((c, i) => c.length > 1 && !chosen.has(key(i)));
  const rounds = Math.max(...candidates.map((c) => c.length));
  if (!open.some(Boolean)) return picks;
  const best = candidates.map(() => Infinity);
  const started = performance.now();
  const batch = Math.min(TIMING_BATCH, capacity);
  for (let k = 0; k < rounds; k++) {
    // One plan per round: layer i runs its k-th candidate (its last where it has fewer).
    const plan = new Plan(
      batch,
      layers,
      r,
      candidates.map((c) => c[Math.min(k, c.length - 1)]),
    );
    try {
      for (let i = 0; i < layers.length; i++) {
        if (!open[i] || k >= candidates[i].length) continue;
        if (performance.now() - started > BUDGET_MS) {
          open[i] = false;
          continue;
        }
        await dispatch(r, plan.steps[i], 1);
        const t = performance.now();
        await dispatch(r, plan.steps[i], TIMING_REPS);
        const ms = performance.now() - t;
        if (ms < best[i]) {
          best[i] = ms;
          picks[i] = candidates[i][k];
        }
      }
    } finally {
      plan.destroy();
    }
  }
  picks.forEach((p, i) => {
    if (open[i]) chosen.set(key(i), p.name);
  });
  return picks;
}

async function dispatch(r: PlanResources, step: Step, reps: number): Promise<void> {
  const encoder = r.device.createCommandEncoder();
  const pass = encoder.beginComputePass();
  pass.setPipeline(r.pipelines.get(step.kernel)!);
  pass.setBindGroup(0, step.bindGroup);
  for (let i = 0; i < reps; i++) pass.dispatchWorkgroups(step.workgroups[0], step.workgroups[1]);
  pass.end();
  r.device.queue.submit([encoder.finish()]);
  await r.device.queue.onSubmittedWorkDone();
}
