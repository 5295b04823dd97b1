/**
 * Nearest-row search over int8-quantised unit embeddings: the CPU reference and the WebGPU path
 * (kernels/similarity_topk.wgsl). Both compute every score with the same integer dot product and the same two
 * f32 multiplications, and order by (score desc, row index asc), so they return identical rows and scores.
 *
 * Why int8: 1,000,000 × 128-D f32 is 512 MB, four times WebGPU's default 128 MiB storage-binding limit; int8
 * codes with one f32 scale per row take 132 bytes per row (1M rows: 128 MB of codes, one binding), and the
 * cosine they give is within ~0.003 of the f32 cosine (measured in test/api/gallery.node.test.ts).
 * Galleries larger than one binding are split into shards of `shardRows` rows, each searched separately and
 * merged, so the size is limited by GPU memory rather than by the binding limit.
 */
import { GpuError } from '../errors.js';
import { SIMILARITY_TOPK_KMAX, SIMILARITY_TOPK_SOURCE } from '../kernels/index.js';

/** Quantised rows: `codes` holds `stride` int8 per row (D rounded up to a multiple of 4, zero padded). */
export interface CodeTable {
  codes: Int8Array;
  scales: Float32Array;
  rows: number;
  stride: number;
}

export interface RowHit {
  row: number;
  score: number;
}

/** L2-normalises `v` and writes its int8 codes at `out[offset…]`; returns the f32 scale (code · scale ≈ v/‖v‖). */
export function quantize(v: ArrayLike<number>, out: Int8Array, offset: number): number {
  let norm = 0;
  for (let i = 0; i < v.length; i++) norm += v[i] * v[i];
  norm = Math.sqrt(norm);
  let max = 0;
  for (let i = 0; i < v.length; i++) max = Math.max(max, Math.abs(v[i]));
  if (!(norm > 0) || !(max > 0)) return 0;
  const scale = Math.fround(max / norm / 127);
  const inv = 1 / (scale * norm);
  for (let i = 0; i < v.length; i++) out[offset + i] = Math.max(-127, Math.min(127, Math.round(v[i] * inv)));
  return scale;
}

/** The score of row `r` for a query, exactly as similarity_topk.wgsl computes it. */
export function rowScore(table: CodeTable, r: number, query: Int8Array, qscale: number): number {
  const { codes, stride } = table;
  const base = r * stride;
  let acc = 0;
  for (let i = 0; i < stride; i++) acc += codes[base + i] * query[i];
  return Math.fround(acc * Math.fround(qscale * table.scales[r]));
}

const better = (s: number, i: number, t: number, j: number) => s > t || (s === t && i < j);

/** Sorted top-k by (score desc, index asc): the order both backends use. */
export function selectTopK(hits: RowHit[], k: number): RowHit[] {
  return hits.sort((a, b) => (better(a.score, a.row, b.score, b.row) ? -1 : 1)).slice(0, k);
}

/** CPU reference: scans every row. */
export function searchCpu(table: CodeTable, query: Int8Array, qscale: number, k: number): RowHit[] {
  const best: RowHit[] = [];
  for (let r = 0; r < table.rows; r++) {
    const score = rowScore(table, r, query, qscale);
    if (best.length === k && !better(score, r, best[k - 1].score, best[k - 1].row)) continue;
    let j = best.length < k ? best.length : k - 1;
    while (j > 0 && better(score, r, best[j - 1].score, best[j - 1].row)) {
      best[j] = best[j - 1];
      j--;
    }
    best[j] = { row: r, score };
  }
  return best;
}

export const GPU_MAX_K = SIMILARITY_TOPK_KMAX;
const WORKGROUP = 64;
/** Rows each pass-1 invocation scans (more rows per invocation = fewer candidates to merge). */
const ROWS_PER_INVOCATION = 16;
/** Pass-2 fan-in: candidate lists merged per invocation. */
const FAN_IN = 64;
const CANDIDATE_BYTES = 8;

interface Shard {
  codes: GPUBuffer;
  scales: GPUBuffer;
  rows: number;
  /** Rows the buffers hold; grows up to shardRows. */
  capacity: number;
}

/**
 * The WebGPU search: the code table is uploaded in shards of at most `shardRows` rows (each shard's codes fit
 * one storage binding) and kept until the table changes; a search runs pass 1 and pass 2 per shard and reads
 * back one short candidate list per shard and query, which the CPU merges after recomputing each candidate's
 * score from the codes it holds.
 */
export class GpuSearch {
  readonly shardRows: number;
  private shards: Shard[] = [];
  private uploadedRows = 0;
  private uploadedVersion = -1;
  private readonly scratch = new Map<string, GPUBuffer>();

  private constructor(
    private readonly device: GPUDevice,
    private readonly rowsPass: GPUComputePipeline,
    private readonly mergePass: GPUComputePipeline,
    readonly stride: number,
    shardRows: number | undefined,
    /** Which dot product the kernel uses: 'dot4I8Packed' (built-in) or 'portable'. */
    readonly variant: 'dot4I8Packed' | 'portable',
  ) {
    const limit = Math.min(device.limits.maxStorageBufferBindingSize, device.limits.maxBufferSize);
    const fit = Math.floor(limit / stride / 4) * 4;
    this.shardRows = Math.max(4, Math.min(shardRows ?? fit, fit));
  }

  static async create(
    device: GPUDevice,
    stride: number,
    shardRows?: number,
    variants: ReadonlyArray<GpuSearch['variant']> = ['dot4I8Packed', 'portable'],
  ): Promise<GpuSearch> {
    // Prefer the built-in packed int8 dot product; fall back to the portable shift-and-multiply form.
    const packed = SIMILARITY_TOPK_SOURCE.replace(/fn dot4\(a: u32, b: u32\) -> i32 \{[^}]*\}/, 'fn dot4(a: u32, b: u32) -> i32 { return dot4I8Packed(a, b); }');
    let lastError: unknown;
    for (const variant of variants) {
      const code = variant === 'dot4I8Packed' ? packed : SIMILARITY_TOPK_SOURCE;
      const module = device.createShaderModule({ code, label: `similarity_topk (${variant})` });
      const pipeline = (entryPoint: string) =>
        device.createComputePipelineAsync({ layout: 'auto', compute: { module, entryPoint }, label: `similarity_topk.${entryPoint}` });
      device.pushErrorScope('validation');
      try {
        const [rows, merge] = await Promise.all([pipeline('rows'), pipeline('merge')]);
        if ((await device.popErrorScope()) === null) return new GpuSearch(device, rows, merge, stride, shardRows, variant);
      } catch (e) {
        await device.popErrorScope();
        const info = await module.getCompilationInfo();
        lastError = new GpuError('validation', `similarity_topk.wgsl failed to compile: ${(e as Error).message}\n${info.messages.map((m) => m.message).join('\n')}`);
      }
    }
    throw lastError;
  }

  /** Uploads what changed: only appended rows when `version` is unchanged and rows only grew, else everything. */
  sync(table: CodeTable, version: number): void {
    const full = version !== this.uploadedVersion || table.rows < this.uploadedRows;
    if (full) {
      this.releaseShards();
      this.uploadedRows = 0;
    }
    const { device, stride, shardRows } = this;
    const usage = GPUBufferUsage.STORAGE | GPUBufferUsage.COPY_DST;
    for (let start = this.uploadedRows; start < table.rows; ) {
      const s = Math.floor(start / shardRows);
      const shardStart = s * shardRows;
      const end = Math.min(table.rows, shardStart + shardRows);
      let shard = this.shards[s];
      if (!shard || shard.capacity < end - shardStart) {
        // Grow by 1.5× (capped at the shard size) and upload the whole shard again.
        const capacity = Math.min(shardRows, Math.ceil(Math.max(end - shardStart, 1024, (shard?.capacity ?? 0) * 1.5) / 4) * 4);
        shard?.codes.destroy();
        shard?.scales.destroy();
        shard = this.shards[s] = {
          codes: device.createBuffer({ size: capacity * stride, usage, label: `gallery-codes-${s}` }),
          scales: device.createBuffer({ size: capacity * 4, usage, label: `gallery-scales-${s}` }),
          rows: 0,
          capacity,
        };
        start = shardStart;
      }
      const local = start - shardStart;
      const n = end - start;
      device.queue.writeBuffer(shard.codes, local * stride, table.codes.buffer, table.codes.byteOffset + start * stride, n * stride);
      device.queue.writeBuffer(shard.scales, local * 4, table.scales.buffer, table.scales.byteOffset + start * 4, n * 4);
      shard.rows = local + n;
      start = end;
    }
    this.uploadedRows = table.rows;
    this.uploadedVersion = version;
  }

  /** Top-k rows for each query (k ≤ GPU_MAX_K); `table` must be the one last passed to `sync`. */
  async search(table: CodeTable, queries: Int8Array[], qscales: number[], k: number): Promise<RowHit[][]> {
    if (k > GPU_MAX_K) throw new RangeError(`GPU search keeps at most ${GPU_MAX_K} rows per query`);
    const { device, stride } = this;
    const Q = queries.length;
    const words = stride / 4;
    const queryBytes = new Int8Array(Q * stride);
    queries.forEach((q, i) => queryBytes.set(q, i * stride));
    const queryBuffer = this.buffer('query', queryBytes.byteLength, GPUBufferUsage.STORAGE | GPUBufferUsage.COPY_DST);
    const qscaleBuffer = this.buffer('qscale', Q * 4, GPUBufferUsage.STORAGE | GPUBufferUsage.COPY_DST);
    device.queue.writeBuffer(queryBuffer, 0, queryBytes);
    device.queue.writeBuffer(qscaleBuffer, 0, Float32Array.from(qscales));

    const maxBinding = device.limits.maxStorageBufferBindingSize;
    const plans = this.shards.map((shard) => {
      // Pass-1 invocations per query: ~ROWS_PER_INVOCATION rows each, capped so the candidates fit a binding.
      const cap = Math.max(1, Math.floor(maxBinding / (Q * k * CANDIDATE_BYTES)));
      const threads = Math.max(1, Math.min(Math.ceil(shard.rows / ROWS_PER_INVOCATION), cap));
      const lists = Math.ceil(threads / FAN_IN);
      return { shard, threads, lists };
    });
    const outLists = plans.reduce((a, p) => a + p.lists, 0);
    const readBytes = Q * outLists * k * CANDIDATE_BYTES;
    const staging = device.createBuffer({ size: Math.max(readBytes, 16), usage: GPUBufferUsage.MAP_READ | GPUBufferUsage.COPY_DST, label: 'gallery-staging' });

    const scopes = ['validation', 'out-of-memory'] as const;
    scopes.forEach((s) => device.pushErrorScope(s));
    const encoder = device.createCommandEncoder({ label: 'gallery-search' });
    let readOffset = 0;
    plans.forEach(({ shard, threads, lists }, s) => {
      const candBytes = Q * threads * k * CANDIDATE_BYTES;
      const mergedBytes = Q * lists * k * CANDIDATE_BYTES;
      const cand = this.buffer(`cand-${s}`, candBytes, GPUBufferUsage.STORAGE);
      const merged = this.buffer(`merged-${s}`, mergedBytes, GPUBufferUsage.STORAGE | GPUBufferUsage.COPY_SRC);
      const params1 = this.params(`p1-${s}`, [shard.rows, words, k, threads, s * this.shardRows, 0, Q, 0]);
      const params2 = this.params(`p2-${s}`, [threads, words, k, lists, 0, FAN_IN, Q, 0]);
      const pass = encoder.beginComputePass();
      pass.setPipeline(this.rowsPass);
      pass.setBindGroup(0, device.createBindGroup({
        layout: this.rowsPass.getBindGroupLayout(0),
        entries: [params1, shard.codes, shard.scales, queryBuffer, qscaleBuffer, cand].map((buffer, binding) => ({ binding, resource: { buffer } })),
      }));
      pass.dispatchWorkgroups(Math.ceil(threads / WORKGROUP), Q);
      pass.setPipeline(this.mergePass);
      pass.setBindGroup(0, device.createBindGroup({
        layout: this.mergePass.getBindGroupLayout(0),
        entries: [params2, cand, merged].map((buffer, i) => ({ binding: 6 + i, resource: { buffer } })),
      }));
      pass.dispatchWorkgroups(Math.ceil(lists / WORKGROUP), Q);
      pass.end();
      encoder.copyBufferToBuffer(merged, 0, staging, readOffset, mergedBytes);
      readOffset += mergedBytes;
    });
    device.queue.submit([encoder.finish()]);
    const errors = await Promise.all(scopes.map(() => device.popErrorScope()));
    const error = errors.find((e) => e !== null);
    if (error) {
      staging.destroy();
      throw new GpuError(error instanceof GPUOutOfMemoryError ? 'out-of-memory' : 'validation', `gallery search: ${error.message}`);
    }
    try {
      await staging.mapAsync(GPUMapMode.READ, 0, Math.max(readBytes, 16));
    } catch (e) {
      staging.destroy();
      throw new GpuError('device-lost', `gallery search readback failed: ${(e as Error).message}`);
    }
    const words32 = new Uint32Array(staging.getMappedRange(0, Math.max(readBytes, 16)).slice(0));
    staging.unmap();
    staging.destroy();

    // Merge on the CPU: each candidate's score is recomputed from the CPU's codes (the same arithmetic).
    const results: RowHit[][] = queries.map(() => []);
    let offset = 0;
    for (const { lists } of plans) {
      for (let q = 0; q < Q; q++) {
        for (let i = 0; i < lists * k; i++) {
          const row = words32[(offset + q * lists * k + i) * 2 + 1];
          if (row !== 0xffffffff) results[q].push({ row, score: rowScore(table, row, queries[q], qscales[q]) });
        }
      }
      offset += Q * lists * k;
    }
    return results.map((hits) => selectTopK(hits, k));
  }

  dispose(): void {
    this.releaseShards();
    for (const b of this.scratch.values()) b.destroy();
    this.scratch.clear();
  }

  private releaseShards(): void {
    for (const s of this.shards) {
      s.codes.destroy();
      s.scales.destroy();
    }
    this.shards = [];
  }

  private buffer(name: string, bytes: number, usage: number): GPUBuffer {
    const size = Math.max(16, Math.ceil(bytes / 16) * 16);
    const existing = this.scratch.get(name);
    if (existing && existing.size >= size && existing.usage === usage) return existing;
    existing?.destroy();
    const created = this.device.createBuffer({ size, usage, label: `gallery-${name}` });
    this.scratch.set(name, created);
    return created;
  }

  private params(name: string, values: number[]): GPUBuffer {
    const buffer = this.buffer(name, 32, GPUBufferUsage.UNIFORM | GPUBufferUsage.COPY_DST);
    this.device.queue.writeBuffer(buffer, 0, Uint32Array.from(values));
    return buffer;
  }
}
