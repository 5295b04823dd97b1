/**
 * Runs rows in one environment (a Chromium page or a Node process), each in steps: create (cold start), validate
 * against bridgeface's CPU path, latency, throughput per batch size and input side, memory, head-to-head against
 * its bridgeface partner rows. Environment-neutral.
 */
import { createRecognizer } from '../../src/index.js';
import { makeBatch } from './faces.js';
import { gpuMemory, installGpuMemoryTracker, resetGpuPeak } from './gpu-memory.js';
import { cosine, summarise } from './stats.js';
import type { Batch, BenchContext, EnvironmentResult, RowResult, RowSpec, SuiteConfig, Timing } from './types.js';

const VALIDATION_THRESHOLD = 0.9999;
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

type Instance = Awaited<ReturnType<RowSpec['create']>>;

/** What every row is judged by: bridgeface's CPU embeddings of the validation faces (one batch per side). */
interface Reference {
  validation: Batch[];
  expected: Float32Array[][];
  macsPerFace: number;
  parameters: number;
  embeddingDim: number;
}

async function makeReference(config: SuiteConfig, ctx: BenchContext): Promise<Reference> {
  const reference = await createRecognizer({ backend: 'cpu', weights: ctx.weightsBytes, cpu: { threads: 1 } });
  const { macsPerFace, parameters, embeddingDim } = reference.info;
  const validation = config.sides.map((side, i) => batchOf(config.validationFaces, side, 101 + i));
  const expected = await Promise.all(validation.map((b) => reference.embed(b.images)));
  reference.dispose();
  return { validation, expected, macsPerFace, parameters, embeddingDim };
}

/** Creates the row and embeds one face: cold start. */
async function createRow(spec: RowSpec, ctx: BenchContext, ref: Reference, result: RowResult): Promise<Instance> {
  const t0 = now();
  const instance = await withTimeout(spec.create(ctx), `${spec.id} create`);
  const first = await withTimeout(
    instance.embed(batchOf(1, ctx.weights.architecture.inputSize, 7)),
    `${spec.id} first embedding`,
  );
  result.coldStartMs = now() - t0;
  result.detail = instance.detail;
  if (first.length !== (spec.teacher ? 128 : ref.embeddingDim))
    throw new Error(`first embedding has ${first.length} values`);
  return instance;
}

/** Validates the row against the reference; returns whether it may be timed (the teacher is timed for context only). */
async function validateRow(
  spec: RowSpec,
  instance: Instance,
  ref: Reference,
  result: RowResult,
  log: (line: string) => void,
  environment: string,
): Promise<boolean> {
  if (spec.teacher) {
    result.status = 'context';
    result.notes.push('different network (ResNet-34, 150×150): timed for context, not validated against the student');
    return true;
  }
  const dim = ref.embeddingDim;
  let min = Infinity;
  let sum = 0;
  let faces = 0;
  for (let v = 0; v < ref.validation.length; v++) {
    const got = await withTimeout(instance.embed(ref.validation[v]), `${spec.id} validation`);
    ref.expected[v].forEach((e, i) => {
      const c = cosine(e, got.subarray(i * dim, (i + 1) * dim));
      min = Math.min(min, Number.isNaN(c) ? -1 : c);
      sum += c;
      faces++;
    });
  }
  result.validation = { faces, minCosine: min, meanCosine: sum / faces, threshold: VALIDATION_THRESHOLD };
  log(`[${environment}] ${spec.id}: validation min cosine ${min.toFixed(6)} over ${faces} faces`);
  if (min >= VALIDATION_THRESHOLD) return true;
  result.status = 'failed';
  result.notes.push(`validation failed: min cosine ${min.toFixed(6)} < ${VALIDATION_THRESHOLD}; not timed`);
  return false;
}

/** p50/p95 latency at batch 1 (input side = the network's, e.g. 32); returns the samples for the batch-1 throughput. */
async function measureLatency(
  spec: RowSpec,
  instance: Instance,
  config: SuiteConfig,
  side: number,
  result: RowResult,
): Promise<number[]> {
  const one = batchOf(1, side);
  for (let i = 0; i < config.warmup; i++) await withTimeout(instance.embed(one), `${spec.id} warm-up`);
  const probe = now();
  await withTimeout(instance.embed(one), `${spec.id} latency`);
  const oneMs = now() - probe;
  const iterations = Math.max(
    3,
    Math.min(config.latencyIterations, Math.floor((config.capSeconds * 1000) / Math.max(oneMs, 1e-3))),
  );
  if (iterations < config.latencyIterations) result.notes.push(`latency: ${iterations} iterations (time cap)`);
  const lat: number[] = [];
  for (let i = 0; i < iterations; i++) {
    const t = now();
    await instance.embed(one);
    lat.push(now() - t);
  }
  const ls = summarise(lat);
  result.latency = { batch: 1, side, iterations: lat.length, p50Ms: ls.median, p95Ms: ls.p95 };
  return lat;
}

/** Faces/s per batch size and input side, skipping sizes predicted to blow the time caps. */
async function measureThroughput(
  spec: RowSpec,
  instance: Instance,
  config: SuiteConfig,
  ref: Reference,
  side1: number,
  lat: number[],
  result: RowResult,
  log: (line: string) => void,
  environment: string,
): Promise<void> {
  const rowStart = now();
  const latencyMedian = summarise(lat).median;
  for (const side of config.sides) {
    let tooSlow: string | undefined;
    let prevMsPerFace: number | undefined;
    const sideBatches =
      side === config.sides[0]
        ? config.batches
        : config.batches.filter((b) => (config.secondarySideBatches ?? config.batches).includes(b));
    for (const count of sideBatches) {
      if (!tooSlow && prevMsPerFace !== undefined) {
        // Even with a generous gain from batching, would the minimum iterations blow the cap? Then do not try.
        const guess = (prevMsPerFace * count) / config.batchingGainGuess;
        if (guess * config.minIterations > 2 * config.capSeconds * 1000) {
          tooSlow = `predicted ≥ ${(guess / 1000).toFixed(1)} s per call from the previous batch size (assuming ≤ ${config.batchingGainGuess}× gain from batching)`;
        }
      }
      if (!tooSlow && (now() - rowStart) / 1000 > config.rowBudgetSeconds)
        tooSlow = `row time budget (${config.rowBudgetSeconds} s) spent`;
      if (tooSlow || (spec.maxBatch && count > spec.maxBatch)) {
        result.skipped.push({
          batch: count,
          side,
          reason: tooSlow ?? `above the row's maximum batch ${spec.maxBatch}`,
        });
        continue;
      }
      const batch = batchOf(count, side);
      // Batch 1 at the latency side: the latency samples are this measurement.
      const reuse = count === 1 && side === side1;
      // Warm-up; a first call at a new size may compile shaders, so a slow first call gets one more try.
      let last = reuse ? latencyMedian : 0;
      const timeOne = async () => {
        const t = now();
        await withTimeout(instance.embed(batch), `${spec.id} batch ${count}`);
        last = now() - t;
      };
      for (let i = 0; i < Math.max(1, config.warmup) && !reuse; i++) await timeOne();
      if (
        !reuse &&
        config.warmup <= 1 &&
        last * config.minIterations > config.capSeconds * 1000 &&
        last < config.capSeconds * 1000
      )
        await timeOne();
      let iterations = config.iterations;
      if ((last * iterations) / 1000 > config.capSeconds)
        iterations = Math.max(config.minIterations, Math.floor((config.capSeconds * 1000) / last));
      if ((last * iterations) / 1000 > 2 * config.capSeconds) {
        tooSlow = `${(last / 1000).toFixed(1)} s per call: ${iterations} iterations would exceed ${2 * config.capSeconds} s`;
        result.skipped.push({ batch: count, side, reason: tooSlow });
        continue;
      }
      const samples: number[] = reuse ? [...lat] : [];
      for (let i = samples.length; i < iterations; i++) {
        const t = now();
        await instance.embed(batch);
        samples.push(now() - t);
      }
      const s = summarise(samples);
      const fps = (count * 1000) / s.median;
      prevMsPerFace = s.median / count;
      const timing: Timing = {
        batch: count,
        side,
        iterations: samples.length,
        medianMs: s.median,
        minMs: s.min,
        maxMs: s.max,
        p25Ms: s.p25,
        p75Ms: s.p75,
        p95Ms: s.p95,
        facesPerSecond: fps,
        gflops: spec.teacher ? NaN : (fps * 2 * ref.macsPerFace) / 1e9,
        msPerFace: s.median / count,
      };
      result.throughput.push(timing);
      if (iterations < config.iterations) result.notes.push(`b${count}@${side}: ${iterations} iterations (time cap)`);
      log(
        `[${environment}] ${spec.id}: side ${side} batch ${count}: ${s.median.toFixed(2)} ms (${fps.toFixed(0)} faces/s, ${samples.length} it.)`,
      );
    }
  }
}

/**
 * GPU bytes: the WebGPU buffers this row created (peak over the run, so it includes the largest batch); for WebGL
 * rows the runtime's own count where it has one (tfjs). JS heap: growth after loading and validating.
 */
function recordMemory(
  spec: RowSpec,
  instance: Instance,
  trackingGpu: boolean,
  gpuBaseline: number,
  heapBefore: number | undefined,
  heapLoaded: number | undefined,
  result: RowResult,
): void {
  const own = instance.memory?.() ?? {};
  const gm = gpuMemory();
  const tracked = spec.device === 'gpu' && trackingGpu && gm.peak - gpuBaseline > 0 ? gm.peak - gpuBaseline : undefined;
  result.memory = {
    gpuBufferBytesPeak: tracked ?? own.gpuBytes,
    gpuBufferBytesLive: tracked !== undefined ? gm.live - gpuBaseline : undefined,
    jsHeapDeltaBytes: heapBefore !== undefined && heapLoaded !== undefined ? heapLoaded - heapBefore : undefined,
    note: tracked !== undefined ? 'WebGPU createBuffer bytes created by this row (peak)' : own.note,
  };
}

/**
 * The row against bridgeface rows in alternating calls (A B, B A, …) on the same batch, so load changes hit both
 * alike: `spec.pairWith` where given, else GPU rows against bridgeface WebGPU (batch 1 and 64) and CPU rows
 * against bridgeface CPU (batch 1 and 64) and WebGPU at batch 1 (the latency target counts every peer).
 */
async function headToHead(
  spec: RowSpec,
  instance: Instance,
  side: number,
  config: SuiteConfig,
  rows: RowResult[],
  kept: Map<string, Instance>,
  result: RowResult,
  log: (line: string) => void,
  environment: string,
): Promise<void> {
  const pairs: Array<[string, number]> = spec.pairWith
    ? spec.pairWith.flatMap(
        (id) =>
          [
            [id, 1],
            [id, 64],
          ] as Array<[string, number]>,
      )
    : spec.device === 'gpu'
      ? [
          ['bridgeface-webgpu', 1],
          ['bridgeface-webgpu', 64],
        ]
      : [
          ['bridgeface-cpu', 1],
          ['bridgeface-cpu', 64],
          ['bridgeface-webgpu', 1],
        ];
  for (const [id, count] of pairs) {
    const partner = kept.get(id);
    const mine = result.throughput.find((t) => t.batch === count && t.side === side);
    const theirs = rows.find((r) => r.id === id)?.throughput.find((t) => t.batch === count && t.side === side);
    if (!partner || !mine || !theirs) continue;
    const rounds = config.pairedRounds;
    if ((mine.medianMs + theirs.medianMs) * rounds > 2 * config.capSeconds * 1000) {
      result.notes.push(
        `head-to-head b${count} vs ${id} skipped: ${rounds} rounds would exceed ${2 * config.capSeconds} s`,
      );
      continue;
    }
    const batch = batchOf(count, side);
    const a: number[] = [];
    const b: number[] = [];
    for (let r = 0; r < rounds; r++) {
      const order: Array<[Instance, number[]]> =
        r % 2 === 0
          ? [
              [partner, a],
              [instance, b],
            ]
          : [
              [instance, b],
              [partner, a],
            ];
      for (const [inst, samples] of order) {
        const t = now();
        await withTimeout(inst.embed(batch), `${spec.id} head-to-head`);
        samples.push(now() - t);
      }
    }
    const ma = summarise(a).median;
    const mb = summarise(b).median;
    result.paired ??= [];
    result.paired.push({
      batch: count,
      side,
      against: id,
      rounds,
      bridgefaceMedianMs: ma,
      peerMedianMs: mb,
      speedup: mb / ma,
    });
    log(
      `[${environment}] ${spec.id} vs ${id}, batch ${count}, ${rounds} alternating rounds: ${mb.toFixed(2)} vs ${ma.toFixed(2)} ms → ${id} ${(mb / ma).toFixed(2)}× as fast`,
    );
  }
}

/** What `backend: 'auto'` chooses in this environment (the report checks it is the faster bridgeface row). */
async function whatAutoPicks(ctx: BenchContext): Promise<NonNullable<EnvironmentResult['autoChoice']>> {
  const rec = await createRecognizer({
    backend: 'auto',
    weights: ctx.weightsBytes,
    webgpu: { featureLevel: ctx.featureLevel },
  });
  const choice = { backend: rec.info.backend, adapter: rec.info.adapter, reason: rec.info.fallbackReason };
  rec.dispose();
  return choice;
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
  const ref = await makeReference(config, ctx);
  const rows: RowResult[] = [];
  /** bridgeface rows stay loaded for the head-to-head rounds with each peer. */
  const kept = new Map<string, Instance>();
  for (const spec of specs) {
    if (config.rows.length > 0 && !config.rows.includes(spec.id)) continue;
    const result: RowResult = {
      id: spec.id,
      label: spec.label,
      runtime: spec.runtime,
      device: spec.device,
      threads: spec.threads,
      environment,
      status: 'ok',
      notes: [],
      throughput: [],
      skipped: [],
    };
    rows.push(result);
    log(`[${environment}] ${spec.id}: create`);
    const heapBefore = heapUsed();
    const gpuBaseline = resetGpuPeak();
    let instance: Instance | undefined;
    try {
      instance = await createRow(spec, ctx, ref, result);
      if (!(await validateRow(spec, instance, ref, result, log, environment))) continue;
      const heapLoaded = heapUsed();
      const side1 = config.sides.includes(ctx.weights.architecture.inputSize)
        ? ctx.weights.architecture.inputSize
        : config.sides[0];
      const lat = await measureLatency(spec, instance, config, side1, result);
      await measureThroughput(spec, instance, config, ref, side1, lat, result, log, environment);
      recordMemory(spec, instance, trackingGpu, gpuBaseline, heapBefore, heapLoaded, result);
      const paired = spec.runtime !== 'bridgeface' || spec.pairWith !== undefined;
      if (paired && !spec.teacher && config.pairedRounds > 0)
        await headToHead(spec, instance, side1, config, rows, kept, result, log, environment);
    } catch (e) {
      result.status = 'error';
      result.notes.push(String((e as Error)?.message ?? e).slice(0, 600));
      if (typeof process !== 'undefined' && process.env?.BENCH_DEBUG) console.error(e);
      log(`[${environment}] ${spec.id}: ERROR ${result.notes.at(-1)}`);
    } finally {
      if (spec.runtime === 'bridgeface' && result.status === 'ok' && instance) kept.set(spec.id, instance);
      else await disposeQuietly(instance);
    }
  }
  for (const instance of kept.values()) await disposeQuietly(instance);
  const autoChoice = await whatAutoPicks(ctx);
  log(
    `[${environment}] backend 'auto' picks ${autoChoice.backend}${autoChoice.reason ? ` (${autoChoice.reason})` : ''}`,
  );
  return {
    environment,
    macsPerFace: ref.macsPerFace,
    parameters: ref.parameters,
    rows,
    startedAt,
    seconds: (now() - started) / 1000,
    autoChoice,
  };
}
