/** Shared types of the benchmark: rows (one runtime × backend running the student), batches and results. */

import type { RgbaImage } from '../../src/index.js';
import type { StudentWeights } from '../../src/tools.js';
import type { Ceilings } from './ceilings.js';

/** One batch of faces as every row receives it: the same RGBA pixels, as image objects and packed N×H×W×4. */
export interface Batch {
  images: RgbaImage[];
  /** N×H×W×4 RGBA8, contiguous. */
  packed: Uint8Array;
  /** Side of the (square) source images, e.g. 16 or 32. */
  side: number;
  count: number;
}

/** What a row must provide once created. */
export interface RowInstance {
  /** Embeds a batch from RGBA pixels (preprocessing included); returns N×D unit vectors, read back to JS. */
  embed(batch: Batch): Promise<Float32Array>;
  /** Extra memory facts the runtime can report itself (e.g. tfjs numBytesInGPU). */
  memory?(): { gpuBytes?: number; note?: string };
  /** Adapter / backend details for the report. */
  detail?: string;
  dispose(): void | Promise<void>;
}

export interface BenchContext {
  weightsBytes: Uint8Array;
  weights: StudentWeights;
  /** 'core' SwiftShader, 'compatibility' llvmpipe; what WebGPU rows should request. */
  featureLevel: 'core' | 'compatibility';
  env: 'node' | 'browser';
  /** URL prefix of node_modules in the browser ('/node_modules/'), or an absolute path in Node. */
  modulesBase: string;
}

export interface RowSpec {
  /** Stable id, e.g. "ort-webgpu". */
  id: string;
  /** Human label, e.g. "ONNX Runtime Web 1.30 (WebGPU EP)". */
  label: string;
  runtime: 'bridgeface' | 'onnxruntime-web' | 'onnxruntime-node' | 'tfjs' | 'gpu.js' | 'face-api (teacher)';
  /** 'gpu' rows run on the adapter; 'cpu' rows on the CPU, one thread unless `threads` says more. */
  device: 'gpu' | 'cpu';
  /** CPU threads the row uses (default 1). */
  threads?: number;
  /**
   * The bridgeface rows this row is timed against in alternating head-to-head rounds, overriding the default
   * (GPU rows: bridgeface-webgpu; CPU rows: bridgeface-cpu and bridgeface-webgpu at batch 1).
   */
  pairWith?: string[];
  /** The teacher is a different (much larger) network: timed for context, never validated against the student. */
  teacher?: boolean;
  /** The largest batch worth trying (memory or time), if the row has a hard limit. */
  maxBatch?: number;
  create(ctx: BenchContext): Promise<RowInstance>;
}

export interface Timing {
  batch: number;
  side: number;
  iterations: number;
  /** Milliseconds per batch. */
  medianMs: number;
  minMs: number;
  maxMs: number;
  p25Ms: number;
  p75Ms: number;
  p95Ms: number;
  facesPerSecond: number;
  /** faces/s × 2 × MACs per face. */
  gflops: number;
  msPerFace: number;
}

export interface RowResult {
  id: string;
  label: string;
  runtime: string;
  device: 'gpu' | 'cpu';
  /** CPU threads (CPU rows; 1 when absent). */
  threads?: number;
  environment: string;
  detail?: string;
  status: 'ok' | 'failed' | 'error' | 'context';
  /** Why a row failed or was cut short. */
  notes: string[];
  validation?: { faces: number; minCosine: number; meanCosine: number; threshold: number };
  coldStartMs?: number;
  latency?: { batch: 1; side: number; iterations: number; p50Ms: number; p95Ms: number };
  throughput: Timing[];
  /** Batches not timed, with the reason (projected time over the cap, or an error). */
  skipped: Array<{ batch: number; side: number; reason: string }>;
  /**
   * Head-to-head against a bridgeface row of the same environment: calls alternate (A B, B A, …) on the same
   * batch, so load changes on a shared machine hit both sides alike. speedup = peer time / bridgeface time.
   */
  paired?: Array<{
    batch: number;
    side: number;
    against: string;
    rounds: number;
    bridgefaceMedianMs: number;
    peerMedianMs: number;
    speedup: number;
  }>;
  memory?: { gpuBufferBytesPeak?: number; gpuBufferBytesLive?: number; jsHeapDeltaBytes?: number; note?: string };
}

export interface SuiteConfig {
  quick: boolean;
  batches: number[];
  sides: number[];
  iterations: number;
  /** When `iterations` would exceed the cap, as few as this many (flagged in the notes). */
  minIterations: number;
  /** Batch sizes timed for the second input side (the first side gets all of `batches`). */
  secondarySideBatches?: number[];
  latencyIterations: number;
  warmup: number;
  /** Seconds one (row, batch, side) measurement may take before larger batches are skipped. */
  capSeconds: number;
  /** A batch size is not even tried when the previous size's time per face × count / this gain exceeds the cap. */
  batchingGainGuess: number;
  /** Seconds one row may spend on throughput; later measurements are skipped (and say so) past it. */
  rowBudgetSeconds: number;
  validationFaces: number;
  /** Alternating rounds of each peer against bridgeface at batch 1 and 64 (0: none). */
  pairedRounds: number;
  /** Only these row ids (all when empty). */
  rows: string[];
}

export interface EnvironmentResult {
  environment: string;
  adapter?: string;
  userAgent?: string;
  macsPerFace: number;
  parameters: number;
  rows: RowResult[];
  startedAt: string;
  seconds: number;
  /** This machine's one-core arithmetic ceilings (Node environments with CPU rows). */
  ceilings?: Ceilings;
  /** What `createRecognizer({ backend: 'auto' })` chose here, and why (info.fallbackReason). */
  autoChoice?: { backend: 'webgpu' | 'cpu'; adapter: string; reason?: string };
}
