/**
 * Runs rows in one environment (a Chromium page or a Node process): validate each row against bridgeface's CPU
 * path, then cold start, latency, throughput per batch size and input side, memory. Environment-neutral.
 */
import { createRecognizer } from '../../src/index.js';
import { makeBatch } from './faces.js';
import { gpuMemory, installGpuMemoryTracker, resetGpuPeak } from './gpu-memory.js';
import { cosine, summarise } from './stats.js';
import type { Batch, BenchContext, EnvironmentResult, RowResult, RowSpec, SuiteConfig, Timing } from './types.js';

export const VALIDATION_THRESHOLD = 0.9999;
const STEP_TIMEOUT_MS = 120_000;

const now = () => performance.now();

function heapUsed(): number | undefined {
  const g = globalThis as { gc?: () => void; process?: { memoryUsage(): { heapUsed: number } } };
  g.gc?.();
  if (g.process?.memoryUsage) return g.process.memoryUsage().heapUsed;
  const memory = (performance as unknown as { memory?: { usedJSHeapSize: number } }).memory;
  return memory?.usedJSHeapSize;
}

function withTimeout<T>(p: Promise<T>, what: string, ms = STEP_TIMEOUT_MS): Promise<T> {
  let timer: ReturnType<typeof setTimeout>;
  return Promise.race([
    p.finally(() => clearTimeout(timer)),
    new Promise<T>((_, reject) => {
      timer = setTimeout(() => reject(new Error(`${what} did not finish within ${ms / 1000} s`)), ms);
    }),
  ]);
}

const batches = new Map<string, Batch>();
function batchOf(count: number, side: number, seed = 1): Batch {
  const key = `${count}x${side}s${seed}`;
  let b = batches.get(key);
  if (!b) {
    b = makeBatch(count, side, seed);
    batches.set(key, b);
  }
  return b;
}

async function disposeQuietly(instance: { dispose(): void | Promise<void> } | undefined): Promise<void> {
  try {
    await instance?.dispose();
  } catch {
    /* ignore */
  }
}

export async function runSuite(
  environment: string,
  config: SuiteConfig,
  ctx: BenchContext,
  specs: RowSpec[],
  log: (line: string) => void,
): Promise<EnvironmentResult> {
  const started = now();
  const startedAt = new Date().toISOString();
  const trackingGpu = installGpuMemoryTracker();
  const reference = await createRecognizer({ backend: 'cpu', weights: ctx.weightsBytes });
  const { macsPerFace, parameters, embeddingDim } = reference.info;
  const validation = config.sides.map((side, i) => batchOf(config.validationFaces, side, 101 + i));
  const expected = await Promise.all(validation.map((b) => reference.embed(b.images)));
  reference.dispose();

  const pairWithBridgeface = async (spec: RowSpec, result: RowResult, peer: Awaited<ReturnType<RowSpec['create']>>, side: number) => {
    // GPU peers against bridgeface WebGPU (batch 1 and 64); CPU peers against bridgeface CPU (batch 1 and 64) and
    // against bridgeface WebGPU at batch 1 (the latency target counts every peer).
    const pairs: Array<[string, number]> = spec.device === 'gpu'
      ? [['bridgeface-webgpu', 1], ['bridgeface-webgpu', 64]]
      : [['bridgeface-cpu', 1], ['bridgeface-cpu', 64], ['bridgeface-webgpu', 1]];
    for (const [id, count] of pairs) {
      const partner = kept.get(id);
      const mine = result.throughput.find((t) => t.batch === count && t.side === side);
      const theirs = rows.find((r) => r.id === id)?.throughput.find((t) => t.batch === count && t.side === side);
      if (!partner || !mine || !theirs) continue;
      const rounds = config.pairedRounds;
      if ((mine.medianMs + theirs.medianMs) * rounds > 2 * config.capSeconds * 1000) {
        result.notes.push(`head-to-head b${count} vs ${id} skipped: ${rounds} rounds would exceed ${2 * config.capSeconds} s`);
        continue;
      }
      const batch = batchOf(count, side);
      const a: number[] = [];
      const b: number[] = [];
      for (let r = 0; r < rounds; r++) {
        const order: Array<[typeof peer, number[]]> = r % 2 === 0 ? [[partner, a], [peer, b]] : [[peer, b], [partner, a]];
        for (const [inst, samples] of order) {
          const t = now();
          await withTimeout(inst.embed(batch), `${spec.id} head-to-head`);
          samples.push(now() - t);
        }
      }
      const ma = summarise(a).median;
      const mb = summarise(b).median;
      (result.paired ??= []).push({ batch: count, side, against: id, rounds, bridgefaceMedianMs: ma, peerMedianMs: mb, speedup: mb / ma });
      log(`[${environment}] ${spec.id} vs ${id}, batch ${count}, ${rounds} alternating rounds: ${mb.toFixed(2)} vs ${ma.toFixed(2)} ms → bridgeface ${(mb / ma).toFixed(2)}×`);
    }
  };
  const rows: RowResult[] = [];
  /** bridgeface rows stay loaded for the head-to-head rounds with each peer. */
  const kept = new Map<string, Awaited<ReturnType<RowSpec['create']>>>();
  for (const spec of specs) {
    if (config.rows.length > 0 && !config.rows.includes(spec.id)) continue;
    const result: RowResult = {
      id: spec.id, label: spec.label, runtime: spec.runtime, device: spec.device, environment,
      status: 'ok', notes: [], throughput: [], skipped: [],
    };
    rows.push(result);
    log(`[${environment}] ${spec.id}: create`);
    const heapBefore = heapUsed();
    const gpuBaseline = resetGpuPeak();
    let heapLoaded: number | undefined;
    let instance: Awaited<ReturnType<RowSpec['create']>> | undefined;
    try {
      const t0 = now();
      instance = await withTimeout(spec.create(ctx), `${spec.id} create`);
      const first = await withTimeout(instance.embed(batchOf(1, ctx.weights.architecture.inputSize, 7)), `${spec.id} first embedding`);
      result.coldStartMs = now() - t0;
      result.detail = instance.detail;
      if (first.length !== (spec.teacher ? 128 : embeddingDim)) throw new Error(`first embedding has ${first.length} values`);

      if (spec.teacher) {
        result.status = 'context';
        result.notes.push('different network (ResNet-34, 150×150): timed for context, not validated against the student');
      } else {
        let min = Infinity;
        let sum = 0;
        let faces = 0;
        for (let v = 0; v < validation.length; v++) {
          const got = await withTimeout(instance.embed(validation[v]), `${spec.id} validation`);
          expected[v].forEach((e, i) => {
            const c = cosine(e, got.subarray(i * embeddingDim, (i + 1) * embeddingDim));
            min = Math.min(min, Number.isNaN(c) ? -1 : c);
            sum += c;
            faces++;
          });
        }
        result.validation = { faces, minCosine: min, meanCosine: sum / faces, threshold: VALIDATION_THRESHOLD };
        log(`[${environment}] ${spec.id}: validation min cosine ${min.toFixed(6)} over ${faces} faces`);
        if (!(min >= VALIDATION_THRESHOLD)) {
          result.status = 'failed';
          result.notes.push(`validation failed: min cosine ${min.toFixed(6)} < ${VALIDATION_THRESHOLD}; not timed`);
          continue;
        }
      }

      heapLoaded = heapUsed();

      // Latency at batch 1 (input side = the network's, e.g. 32).
      const side1 = config.sides.includes(ctx.weights.architecture.inputSize) ? ctx.weights.architecture.inputSize : config.sides[0];
      const one = batchOf(1, side1);
      for (let i = 0; i < config.warmup; i++) await withTimeout(instance.embed(one), `${spec.id} warm-up`);
      const probe = now();
      await withTimeout(instance.embed(one), `${spec.id} latency`);
      const oneMs = now() - probe;
      const latencyIterations = Math.max(3, Math.min(config.latencyIterations, Math.floor((config.capSeconds * 1000) / Math.max(oneMs, 1e-3))));
      if (latencyIterations < config.latencyIterations) result.notes.push(`latency: ${latencyIterations} iterations (time cap)`);
      const lat: number[] = [];
      for (let i = 0; i < latencyIterations; i++) {
        const t = now();
        await instance.embed(one);
        lat.push(now() - t);
      }
      const ls = summarise(lat);
      result.latency = { batch: 1, side: side1, iterations: lat.length, p50Ms: ls.median, p95Ms: ls.p95 };

      const rowStart = now();
      for (const side of config.sides) {
        let tooSlow: string | undefined;
        let prevMsPerFace: number | undefined;
        const sideBatches = side === config.sides[0] ? config.batches : config.batches.filter((b) => (config.secondarySideBatches ?? config.batches).includes(b));
        for (const count of sideBatches) {
          if (!tooSlow && prevMsPerFace !== undefined) {
            // Even with a generous gain from batching, would the minimum iterations blow the cap? Then do not try.
            const guess = (prevMsPerFace * count) / config.batchingGainGuess;
            if (guess * config.minIterations > 2 * config.capSeconds * 1000) {
              tooSlow = `predicted ≥ ${(guess / 1000).toFixed(1)} s per call from the previous batch size (assuming ≤ ${config.batchingGainGuess}× gain from batching)`;
            }
          }
          if (!tooSlow && (now() - rowStart) / 1000 > config.rowBudgetSeconds) {
            tooSlow = `row time budget (${config.rowBudgetSeconds} s) spent`;
          }
          if (tooSlow || (spec.maxBatch && count > spec.maxBatch)) {
            result.skipped.push({ batch: count, side, reason: tooSlow ?? `above the row's maximum batch ${spec.maxBatch}` });
            continue;
          }
          const batch = batchOf(count, side);
          // Warm-up; a first call at a new size may compile shaders, so a slow first call gets one more try.
          let last = count === 1 && side === side1 ? ls.median : 0;
          const timeOne = async () => {
            const t = now();
            await withTimeout(instance!.embed(batch), `${spec.id} batch ${count}`);
            last = now() - t;
          };
          const reuse = count === 1 && side === side1;
          for (let i = 0; i < Math.max(1, config.warmup) && !reuse; i++) await timeOne();
          if (!reuse && config.warmup <= 1 && last * config.minIterations > config.capSeconds * 1000 && last < config.capSeconds * 1000) await timeOne();
          let iterations = config.iterations;
          if ((last * iterations) / 1000 > config.capSeconds) {
            iterations = Math.max(config.minIterations, Math.floor((config.capSeconds * 1000) / last));
          }
          if ((last * iterations) / 1000 > 2 * config.capSeconds) {
            tooSlow = `${(last / 1000).toFixed(1)} s per call: ${iterations} iterations would exceed ${2 * config.capSeconds} s`;
            result.skipped.push({ batch: count, side, reason: tooSlow });
            continue;
          }
          const samples: number[] = [];
          // Batch 1 at the latency side: the latency samples are this measurement.
          if (count === 1 && side === side1) samples.push(...lat);
          for (let i = samples.length; i < iterations; i++) {
            const t = now();
            await instance.embed(batch);
            samples.push(now() - t);
          }
          const s = summarise(samples);
          const fps = (count * 1000) / s.median;
          prevMsPerFace = s.median / count;
          const timing: Timing = {
            batch: count, side, iterations: samples.length, medianMs: s.median, minMs: s.min, maxMs: s.max,
            p25Ms: s.p25, p75Ms: s.p75, p95Ms: s.p95, facesPerSecond: fps, gflops: spec.teacher ? NaN : (fps * 2 * macsPerFace) / 1e9,
            msPerFace: s.median / count,
          };
          result.throughput.push(timing);
          if (iterations < config.iterations) result.notes.push(`b${count}@${side}: ${iterations} iterations (time cap)`);
          log(`[${environment}] ${spec.id}: side ${side} batch ${count}: ${s.median.toFixed(2)} ms (${fps.toFixed(0)} faces/s, ${samples.length} it.)`);
        }
      }
      // GPU bytes: the WebGPU buffers this row created (peak over the run, so it includes the largest batch); for
      // WebGL rows the runtime's own count where it has one (tfjs). JS heap: growth after loading and validating.
      const own = instance.memory?.() ?? {};
      const gm = gpuMemory();
      const tracked = spec.device === 'gpu' && trackingGpu && gm.peak - gpuBaseline > 0 ? gm.peak - gpuBaseline : undefined;
      result.memory = {
        gpuBufferBytesPeak: tracked ?? own.gpuBytes,
        gpuBufferBytesLive: tracked !== undefined ? gm.live - gpuBaseline : undefined,
        jsHeapDeltaBytes: heapBefore !== undefined && heapLoaded !== undefined ? heapLoaded - heapBefore : undefined,
        note: tracked !== undefined ? 'WebGPU createBuffer bytes created by this row (peak)' : own.note,
      };

      if (spec.runtime !== 'bridgeface' && !spec.teacher && config.pairedRounds > 0) {
        await pairWithBridgeface(spec, result, instance, side1);
      }
    } catch (e) {
      result.status = 'error';
      result.notes.push(String((e as Error)?.message ?? e).slice(0, 600));
      if (typeof process !== "undefined" && process.env?.BENCH_DEBUG) console.error(e);
      log(`[${environment}] ${spec.id}: ERROR ${result.notes.at(-1)}`);
    } finally {
      if (spec.runtime === 'bridgeface' && result.status === 'ok' && instance) kept.set(spec.id, instance);
      else await disposeQuietly(instance);
    }
  }
  for (const instance of kept.values()) await disposeQuietly(instance);
  return {
    environment,
    macsPerFace,
    parameters,
    rows,
    startedAt,
    seconds: (now() - started) / 1000,
  };
}
