/**
 * A gallery of enrolled identities: each label owns one or more embeddings; `search` ranks labels by their
 * best-matching embedding. Embeddings are stored as int8 codes with one scale per row (see runtime/similarity-topk.ts),
 * 132 bytes per 128-D embedding, and saved in a compact binary (`.bfg`, docs/gallery-format.md).
 *
 * Search runs on the CPU for small galleries and on WebGPU (kernels/similarity_topk.wgsl) for large ones, with
 * identical results (same rows, same scores, same order: ties go to the earlier-enrolled embedding).
 */
import { GpuError, InputError } from '../errors.js';
import { acquireDevice, buildOnDevice } from '../runtime/gpu/device.js';
import { GPU_MAX_K, GpuSearch } from '../runtime/gpu/similarity-topk.js';
import { type CodeTable, type RowHit, quantize, searchCpu } from '../runtime/similarity-topk.js';
import { MAX_GALLERY_DIM, codeStride, readGallery, writeGallery } from './gallery-format.js';
import { checkEmbedding } from './similarity.js';

export interface GalleryOptions {
  /** Embedding length (default 128). */
  dim?: number;
  /** Where `search` runs: 'auto' (default) uses WebGPU from `gpuMinRows` rows, when an adapter exists. */
  search?: 'auto' | 'cpu' | 'webgpu';
  /**
   * 'auto' searches on WebGPU from this many enrolled embeddings (default 50,000). On a software adapter
   * (SwiftShader, llvmpipe) the CPU is faster at every size, so 'auto' keeps to the CPU there.
   */
  gpuMinRows?: number;
  /** Use this WebGPU device (the caller keeps ownership) instead of acquiring one. */
  device?: GPUDevice;
  /** Rows per GPU shard (default: as many as one storage binding holds: 1,016,800 at 128 MiB for D = 128). */
  shardRows?: number;
}

export interface GalleryMatch {
  label: string;
  /** Cosine similarity of the query and the label's best embedding (int8-quantised; within ~0.003 of f32). */
  similarity: number;
}

/** Where the last search ran (for display and tests). */
export type SearchBackend = 'cpu' | 'webgpu';

export class Gallery {
  readonly dim: number;
  /** Bytes per row of codes: `dim` rounded up to a multiple of 4. */
  readonly stride: number;
  private codes: Int8Array;
  private scales: Float32Array;
  private rowLabel: Uint32Array;
  private rowCount = 0;
  private names: string[] = [];
  private ids = new Map<string, number>();
  private counts: number[] = [];
  /** Bumped on every change that is not a pure append, so the GPU copy knows to re-upload. */
  private version = 0;
  private gpu?: Promise<{ search: GpuSearch; adapter: string; software?: string } | undefined>;
  private ownedDevice?: GPUDevice;
  /** Set when the search device was lost: the CPU copy answers from then on. */
  private gpuLost = false;
  private tail: Promise<unknown> = Promise.resolve();
  lastSearchBackend: SearchBackend | undefined;
  /** What `Gallery.load` noticed about the file (e.g. an older format version); empty otherwise. */
  warnings: readonly string[] = [];

  constructor(private readonly options: GalleryOptions = {}) {
    const dim = options.dim ?? 128;
    if (!Number.isInteger(dim) || dim < 1 || dim > MAX_GALLERY_DIM)
      throw new InputError('bad-option', `dim must be an integer in [1, ${MAX_GALLERY_DIM}], got ${dim}`);
    if (options.search !== undefined && !['auto', 'cpu', 'webgpu'].includes(options.search)) {
      throw new InputError(
        'bad-option',
        `search must be 'auto', 'cpu' or 'webgpu', got ${JSON.stringify(options.search)}`,
      );
    }
    this.dim = dim;
    this.stride = codeStride(dim);
    this.codes = new Int8Array(64 * this.stride);
    this.scales = new Float32Array(64);
    this.rowLabel = new Uint32Array(64);
  }

  /** Enrolled identities. */
  get size(): number {
    return this.ids.size;
  }

  /** Enrolled embeddings, over all identities. */
  get rows(): number {
    return this.rowCount;
  }

  /** Enrolled labels, in the order they were first enrolled (a label removed and added again moves to the end). */
  labels(): string[] {
    return [...this.ids.keys()];
  }

  has(label: string): boolean {
    return this.ids.has(label);
  }

  /** Embeddings enrolled for `label` (0 when unknown). */
  count(label: string): number {
    const id = this.ids.get(label);
    return id === undefined ? 0 : this.counts[id];
  }

  /** Enrolls one or more embeddings under `label` (added to any it already has). Returns the label's count. */
  add(label: string, embeddings: Float32Array | readonly Float32Array[]): number {
    if (typeof label !== 'string' || label.length === 0)
      throw new InputError('bad-option', 'a gallery label must be a non-empty string');
    const list = embeddings instanceof Float32Array ? [embeddings] : embeddings;
    if (!Array.isArray(list) || list.length === 0)
      throw new InputError('empty-batch', `no embeddings to enroll for "${label}"`);
    list.forEach((e, i) => checkEmbedding(e, this.dim, `embeddings[${i}] of "${label}"`));
    this.reserve(this.rowCount + list.length);
    let id = this.ids.get(label);
    if (id === undefined) {
      id = this.names.length;
      this.names.push(label);
      this.counts.push(0);
      this.ids.set(label, id);
    }
    for (const e of list) {
      const r = this.rowCount++;
      this.scales[r] = quantize(e, this.codes, r * this.stride);
      this.rowLabel[r] = id;
    }
    this.counts[id] += list.length;
    return this.counts[id];
  }

  /** Removes a label and all its embeddings; throws `InputError('unknown-label')` if it is not enrolled. */
  remove(label: string): void {
    const id = this.ids.get(label);
    if (id === undefined) throw new InputError('unknown-label', `"${label}" is not enrolled`);
    let w = 0;
    for (let r = 0; r < this.rowCount; r++) {
      if (this.rowLabel[r] === id) continue;
      if (w !== r) {
        this.codes.copyWithin(w * this.stride, r * this.stride, (r + 1) * this.stride);
        this.scales[w] = this.scales[r];
        this.rowLabel[w] = this.rowLabel[r];
      }
      w++;
    }
    this.codes.fill(0, w * this.stride, this.rowCount * this.stride);
    this.rowCount = w;
    this.ids.delete(label);
    this.counts[id] = 0;
    this.version++;
  }

  /** The `k` best-matching labels for one embedding, best first. */
  async search(embedding: Float32Array, k = 5): Promise<GalleryMatch[]> {
    return (await this.searchMany([embedding], k))[0];
  }

  /**
   * `search` for several embeddings at once (one GPU pass over the gallery for all of them). Bad arguments reject
   * the promise (never a synchronous throw). After the GPU device is lost, searches run on the CPU copy.
   */
  async searchMany(embeddings: readonly Float32Array[], k = 5): Promise<GalleryMatch[][]> {
    if (!Number.isInteger(k) || k < 1) throw new InputError('bad-option', `k must be a positive integer, got ${k}`);
    if (!Array.isArray(embeddings) || embeddings.length === 0)
      throw new InputError('empty-batch', 'no embeddings to search for');
    embeddings.forEach((e, i) => checkEmbedding(e, this.dim, `query ${i}`));
    const run = this.tail.then(() => this.runSearch(embeddings, k));
    this.tail = run.catch(() => undefined);
    return run;
  }

  /** The gallery as a `.bfg` file (docs/gallery-format.md). */
  save(): Uint8Array {
    // Only live labels are written, renumbered in enrollment order.
    const live = this.names.map((name, id) => this.ids.get(name) === id);
    const renumber = new Uint32Array(this.names.length);
    let next = 0;
    live.forEach((isLive, id) => (renumber[id] = isLive ? next++ : 0));
    const rowLabel = this.rowLabel.subarray(0, this.rowCount).map((id) => renumber[id]);
    const labels = this.names.filter((_, id) => live[id]);
    return writeGallery({
      dim: this.dim,
      labels,
      rows: this.rowCount,
      rowLabel,
      scales: this.scales,
      codes: this.codes,
    });
  }

  /**
   * Reads a `.bfg` file (docs/gallery-format.md), checking every value: throws `GalleryFormatError` naming the
   * first problem. A version 1 file loads with a line in `warnings`.
   */
  static load(data: Uint8Array | ArrayBuffer, options: Omit<GalleryOptions, 'dim'> = {}): Gallery {
    const table = readGallery(data);
    const gallery = new Gallery({ ...options, dim: table.dim });
    const n = table.rows;
    gallery.reserve(n);
    gallery.rowLabel.set(table.rowLabel);
    gallery.scales.set(table.scales);
    gallery.codes.set(table.codes);
    gallery.rowCount = n;
    gallery.names = table.labels;
    gallery.counts = gallery.names.map(() => 0);
    for (let r = 0; r < n; r++) gallery.counts[table.rowLabel[r]]++;
    gallery.names.forEach((name, id) => gallery.ids.set(name, id));
    gallery.warnings = table.warnings;
    return gallery;
  }

  /** Releases the GPU buffers (and the device, when the gallery acquired it). The gallery stays usable on the CPU. */
  dispose(): void {
    const gpu = this.gpu;
    this.gpu = undefined;
    void gpu?.then((g) => g?.search.dispose());
    this.ownedDevice?.destroy();
    this.ownedDevice = undefined;
  }

  /** The adapter that searches on the GPU, once one was used; undefined while searches run on the CPU. */
  async gpuAdapter(): Promise<string | undefined> {
    return (await this.gpu)?.adapter;
  }

  private table(): CodeTable {
    return { codes: this.codes, scales: this.scales, rows: this.rowCount, stride: this.stride };
  }

  private async runSearch(embeddings: readonly Float32Array[], k: number): Promise<GalleryMatch[][]> {
    if (this.rowCount === 0) return embeddings.map(() => []);
    const queries = embeddings.map(() => new Int8Array(this.stride));
    const qscales = embeddings.map((e, i) => quantize(e, queries[i], 0));
    let gpu = await this.gpuFor(this.rowCount);
    const results: GalleryMatch[][] = [];
    // Rows in score order until k distinct labels appear (a label's first row is its best); more rows if needed.
    const want = embeddings.map(() => Math.min(this.rowCount, k));
    let pending = embeddings.map((_, i) => i);
    while (pending.length > 0) {
      const useGpu = gpu !== undefined && Math.max(...pending.map((q) => want[q])) <= GPU_MAX_K;
      this.lastSearchBackend = useGpu ? 'webgpu' : 'cpu';
      const kk = Math.max(...pending.map((q) => want[q]));
      let hits: RowHit[][];
      if (gpu && useGpu) {
        const [version, rows] = [this.version, this.rowCount];
        try {
          gpu.sync(this.table(), version);
          hits = await gpu.search(
            pending.map((q) => queries[q]),
            pending.map((q) => qscales[q]),
            kk,
          );
        } catch (e) {
          if (!this.gpuLost && !(e instanceof GpuError && e.code === 'device-lost')) throw e;
          // The device is gone; the CPU copy is complete, so answer from it (identical results) from now on.
          this.loseGpu();
          gpu = undefined;
          continue;
        }
        if (this.version !== version || this.rowCount < rows) {
          // A label was removed while the GPU worked: row numbers moved, so answer from the current table.
          this.lastSearchBackend = 'cpu';
          hits = pending.map((q) => searchCpu(this.table(), queries[q], qscales[q], kk));
        }
      } else {
        hits = pending.map((q) => searchCpu(this.table(), queries[q], qscales[q], kk));
      }
      const next: number[] = [];
      pending.forEach((q, i) => {
        const matches = this.distinct(hits[i], k);
        if (matches.length < k && want[q] < this.rowCount) {
          want[q] = Math.min(this.rowCount, want[q] * 4);
          next.push(q);
        } else {
          results[q] = matches;
        }
      });
      pending = next;
    }
    return results;
  }

  private distinct(hits: RowHit[], k: number): GalleryMatch[] {
    const seen = new Set<number>();
    const out: GalleryMatch[] = [];
    for (const { row, score } of hits) {
      const id = this.rowLabel[row];
      if (seen.has(id)) continue;
      seen.add(id);
      out.push({ label: this.names[id], similarity: score });
      if (out.length === k) break;
    }
    return out;
  }

  /** The GPU searcher when this search should use it (acquired on first use), else undefined. */
  private async gpuFor(rows: number): Promise<GpuSearch | undefined> {
    const mode = this.options.search ?? 'auto';
    if (mode === 'cpu' || rows === 0 || this.gpuLost) return undefined;
    if (mode === 'auto' && rows < (this.options.gpuMinRows ?? 50_000)) return undefined;
    this.gpu ??= this.openGpu(mode === 'webgpu');
    const gpu = await this.gpu;
    if (!gpu) return undefined;
    if (mode === 'auto' && gpu.software) return undefined;
    return gpu.search;
  }

  private async openGpu(
    required: boolean,
  ): Promise<{ search: GpuSearch; adapter: string; software?: string } | undefined> {
    try {
      const acquired = this.options.device ? undefined : await acquireDevice({ maxStorageBinding: 1 << 30 });
      const device = acquired?.device ?? this.options.device!;
      const adapter = acquired?.adapter ?? 'caller-provided device';
      // A caller's device is the caller's choice: 'auto' trusts it.
      const software = acquired?.software;
      // A device we acquired is destroyed if the searcher cannot be built on it.
      const search = await buildOnDevice(device, acquired !== undefined, () =>
        GpuSearch.create(device, this.stride, this.options.shardRows),
      );
      this.ownedDevice = acquired?.device;
      // A loss we did not cause (not our own dispose) sends every later search to the CPU copy.
      void device.lost.then((info) => {
        if (info.reason !== 'destroyed') this.gpuLost = true;
      });
      return { search, adapter, software };
    } catch (e) {
      if (required) throw e;
      return undefined;
    }
  }

  /** Drops the GPU copy after a device loss; searches stay on the CPU from then on. */
  private loseGpu(): void {
    this.gpuLost = true;
    this.dispose();
  }

  private reserve(rows: number): void {
    if (rows <= this.scales.length) return;
    const capacity = Math.max(rows, Math.ceil(this.scales.length * 1.5));
    const codes = new Int8Array(capacity * this.stride);
    codes.set(this.codes.subarray(0, this.rowCount * this.stride));
    const scales = new Float32Array(capacity);
    scales.set(this.scales.subarray(0, this.rowCount));
    const rowLabel = new Uint32Array(capacity);
    rowLabel.set(this.rowLabel.subarray(0, this.rowCount));
    [this.codes, this.scales, this.rowLabel] = [codes, scales, rowLabel];
  }
}
