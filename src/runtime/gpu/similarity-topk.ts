/**
 * Gallery search on WebGPU: kernels/similarity_topk.wgsl over the int8 code table of runtime/similarity-topk.ts
 * (its CPU reference). Galleries larger than one storage binding are split into shards of `shardRows` rows,
 * each searched separately; the GPU's own candidates (row and score) are read back and merged on the CPU, so
 * the size is limited by GPU memory rather than by the binding limit.
 */
import type { WgslFile } from '../../kernels/index.js';
import { type CodeTable, type RowHit, selectTopK } from '../similarity-topk.js';
import { compileModule } from './compile.js';
import { checkedSubmit } from './gpu-errors.js';
import { CANDIDATE, KERNEL_CONSTANTS, TOPK_PARAMS, wgslModule } from './kernels.js';
import { StagingPool } from './staging.js';

const { WG, KMAX, EMPTY_ROW } = KERNEL_CONSTANTS;
/** Largest k one GPU search returns. */
export const GPU_MAX_K = KMAX;
/** Rows each pass-1 invocation scans (more rows per invocation = fewer candidates to merge). */
const ROWS_PER_INVOCATION = 16;
/** Pass-2 fan-in: candidate lists merged per invocation. */
const FAN_IN = 64;

/**
 * The two builds of the kernel, preferred first: with the built-in dot4I8Packed (DP4A where the GPU has it), and
 * with the portable shift-and-multiply dot product, where the packed_4x8_integer_dot_product language feature
 * does not compile. Both give the same exact integer dot products.
 */
export const SEARCH_VARIANTS = { dot4I8Packed: 'dot4_packed', portable: 'dot4_portable' } as const satisfies Record<
  string,
  WgslFile
>;
export type SearchVariant = keyof typeof SEARCH_VARIANTS;

/** The WGSL module of one variant. */
export function searchModule(variant: SearchVariant): string {
  return wgslModule('similarity_topk', SEARCH_VARIANTS[variant]);
}

/**
 * similarity_topk.wgsl's bindings in binding order, by variable name: pass 1 (`rows`) binds the first six, pass 2
 * (`merge`) the last three.
 */
export const SEARCH_BINDINGS = ['P', 'codes', 'scales', 'query', 'qscales', 'cand', 'M', 'inCand', 'outCand'] as const;
type SearchBinding = (typeof SEARCH_BINDINGS)[number];

/** Bind group entries for the named buffers, each at its variable's binding. */
function bindings(buffers: Partial<Record<SearchBinding, GPUBuffer>>): GPUBindGroupEntry[] {
  return Object.entries(buffers).map(([name, buffer]) => ({
    binding: SEARCH_BINDINGS.indexOf(name as SearchBinding),
    resource: { buffer: buffer as GPUBuffer },
  }));
}

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
 * back one short candidate list per shard and query, which the CPU merges.
 */
export class GpuSearch {
  readonly shardRows: number;
  private shards: Shard[] = [];
  private uploadedRows = 0;
  private uploadedVersion = -1;
  private readonly scratch = new Map<string, GPUBuffer>();
  private readonly staging: StagingPool;

  private constructor(
    private readonly device: GPUDevice,
    private readonly pipelines: Record<'rows' | 'merge', GPUComputePipeline>,
    readonly stride: number,
    shardRows: number | undefined,
    /** Which build of the kernel runs. */
    readonly variant: SearchVariant,
  ) {
    const limit = Math.min(device.limits.maxStorageBufferBindingSize, device.limits.maxBufferSize);
    const fit = Math.floor(limit / stride / 4) * 4;
    this.shardRows = Math.max(4, Math.min(shardRows ?? fit, fit));
    this.staging = new StagingPool(device, 'gallery-staging');
  }

  /** Compiles the first variant of `variants` that compiles on this device. */
  static async create(
    device: GPUDevice,
    stride: number,
    shardRows?: number,
    variants: readonly SearchVariant[] = ['dot4I8Packed', 'portable'],
  ): Promise<GpuSearch> {
    let lastError: unknown;
    for (const variant of variants) {
      try {
        const pipelines = await compileModule(device, `similarity_topk (${variant})`, searchModule(variant), [
          'rows',
          'merge',
        ]);
        return new GpuSearch(device, pipelines, stride, shardRows, variant);
      } catch (e) {
        lastError = e;
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
        const capacity = Math.min(
          shardRows,
          Math.ceil(Math.max(end - shardStart, 1024, (shard?.capacity ?? 0) * 1.5) / 4) * 4,
        );
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
      device.queue.writeBuffer(
        shard.codes,
        local * stride,
        table.codes.buffer,
        table.codes.byteOffset + start * stride,
        n * stride,
      );
      device.queue.writeBuffer(
        shard.scales,
        local * 4,
        table.scales.buffer,
        table.scales.byteOffset + start * 4,
        n * 4,
      );
      shard.rows = local + n;
      start = end;
    }
    this.uploadedRows = table.rows;
    this.uploadedVersion = version;
  }

  /** Top-k rows and their scores, as the GPU computed them, for each query (k ≤ GPU_MAX_K) over the last `sync`ed table. */
  async search(queries: Int8Array[], qscales: number[], k: number): Promise<RowHit[][]> {
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
      const cap = Math.max(1, Math.floor(maxBinding / (Q * k * CANDIDATE.bytes)));
      const threads = Math.max(1, Math.min(Math.ceil(shard.rows / ROWS_PER_INVOCATION), cap));
      const lists = Math.ceil(threads / FAN_IN);
      return { shard, threads, lists };
    });
    const outLists = plans.reduce((a, p) => a + p.lists, 0);
    const readBytes = Math.max(Q * outLists * k * CANDIDATE.bytes, 16);
    const staging = this.staging.take(readBytes);

    try {
      await checkedSubmit(device, 'gallery search', () => {
        const encoder = device.createCommandEncoder({ label: 'gallery-search' });
        let readOffset = 0;
        plans.forEach(({ shard, threads, lists }, s) => {
          const candBytes = Q * threads * k * CANDIDATE.bytes;
          const mergedBytes = Q * lists * k * CANDIDATE.bytes;
          const cand = this.buffer(`cand-${s}`, candBytes, GPUBufferUsage.STORAGE);
          const merged = this.buffer(`merged-${s}`, mergedBytes, GPUBufferUsage.STORAGE | GPUBufferUsage.COPY_SRC);
          const rowsParams = this.params(`p1-${s}`, {
            rows: shard.rows,
            words,
            k,
            threads,
            row_base: s * this.shardRows,
            fan_in: 0,
            queries: Q,
          });
          const mergeParams = this.params(`p2-${s}`, {
            rows: threads,
            words,
            k,
            threads: lists,
            row_base: 0,
            fan_in: FAN_IN,
            queries: Q,
          });
          const pass = encoder.beginComputePass();
          pass.setPipeline(this.pipelines.rows);
          pass.setBindGroup(
            0,
            device.createBindGroup({
              layout: this.pipelines.rows.getBindGroupLayout(0),
              entries: bindings({
                P: rowsParams,
                codes: shard.codes,
                scales: shard.scales,
                query: queryBuffer,
                qscales: qscaleBuffer,
                cand,
              }),
            }),
          );
          pass.dispatchWorkgroups(Math.ceil(threads / WG), Q);
          pass.setPipeline(this.pipelines.merge);
          pass.setBindGroup(
            0,
            device.createBindGroup({
              layout: this.pipelines.merge.getBindGroupLayout(0),
              entries: bindings({ M: mergeParams, inCand: cand, outCand: merged }),
            }),
          );
          pass.dispatchWorkgroups(Math.ceil(lists / WG), Q);
          pass.end();
          encoder.copyBufferToBuffer(merged, 0, staging, readOffset, mergedBytes);
          readOffset += mergedBytes;
        });
        device.queue.submit([encoder.finish()]);
      });
    } catch (e) {
      this.staging.release(staging);
      throw e;
    }
    const bytes = await this.staging.read(staging, readBytes);
    const [scores, rows] = [new Float32Array(bytes), new Uint32Array(bytes)];

    // Merge the shards' lists on the CPU, with the scores the GPU computed.
    const perCandidate = CANDIDATE.bytes / 4;
    const results: RowHit[][] = queries.map(() => []);
    let offset = 0;
    for (const { lists } of plans) {
      for (let q = 0; q < Q; q++) {
        for (let i = 0; i < lists * k; i++) {
          const at = (offset + q * lists * k + i) * perCandidate;
          if (rows[at + 1] !== EMPTY_ROW) results[q].push({ row: rows[at + 1], score: scores[at] });
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
    this.staging.destroy();
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

  private params(name: string, values: Parameters<typeof TOPK_PARAMS.encode>[0]): GPUBuffer {
    const buffer = this.buffer(name, TOPK_PARAMS.bytes, GPUBufferUsage.UNIFORM | GPUBufferUsage.COPY_DST);
    this.device.queue.writeBuffer(buffer, 0, TOPK_PARAMS.encode(values));
    return buffer;
  }
}
