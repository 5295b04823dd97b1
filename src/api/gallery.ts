/**
 * A gallery of enrolled identities: each label owns one or more embeddings; `search` ranks labels by their
 * best-matching embedding. Embeddings are stored as int8 codes with one scale per row (see gallery-search.ts),
 * 132 bytes per 128-D embedding, and saved in a compact binary (`.bfg`, layout below).
 *
 * Search runs on the CPU for small galleries and on WebGPU (kernels/similarity_topk.wgsl) for large ones, with
 * identical results (same rows, same scores, same order: ties go to the earlier-enrolled embedding).
 */
import CRC32 from 'crc-32';
import { GalleryFormatError, InputError } from '../errors.js';
import { acquireDevice } from '../runtime/gpu/device.js';
import { type CodeTable, GPU_MAX_K, GpuSearch, type RowHit, quantize, searchCpu } from './gallery-search.js';

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

const MAGIC = 'BRIDGEFG';
const VERSION = 1;
const FIXED = 32;

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
  private tail: Promise<unknown> = Promise.resolve();
  lastSearchBackend: SearchBackend | undefined;

  constructor(private readonly options: GalleryOptions = {}) {
    const dim = options.dim ?? 128;
    if (!Number.isInteger(dim) || dim < 1 || dim > 4096) throw new InputError('bad-option', `dim must be an integer in [1, 4096], got ${dim}`);
    if (options.search !== undefined && !['auto', 'cpu', 'webgpu'].includes(options.search)) {
      throw new InputError('bad-option', `search must be 'auto', 'cpu' or 'webgpu', got ${JSON.stringify(options.search)}`);
    }
    this.dim = dim;
    this.stride = Math.ceil(dim / 4) * 4;
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
    if (typeof label !== 'string' || label.length === 0) throw new InputError('bad-option', 'a gallery label must be a non-empty string');
    const list = embeddings instanceof Float32Array ? [embeddings] : embeddings;
    if (!Array.isArray(list) || list.length === 0) throw new InputError('empty-batch', `no embeddings to enroll for "${label}"`);
    list.forEach((e, i) => this.checkEmbedding(e, `embeddings[${i}] of "${label}"`));
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

  /** `search` for several embeddings at once (one GPU pass over the gallery for all of them). */
  searchMany(embeddings: readonly Float32Array[], k = 5): Promise<GalleryMatch[][]> {
    if (!Number.isInteger(k) || k < 1) throw new InputError('bad-option', `k must be a positive integer, got ${k}`);
    if (!Array.isArray(embeddings) || embeddings.length === 0) throw new InputError('empty-batch', 'no embeddings to search for');
    embeddings.forEach((e, i) => this.checkEmbedding(e, `query ${i}`));
    const run = this.tail.then(() => this.runSearch(embeddings, k));
    this.tail = run.catch(() => undefined);
    return run;
  }

  /** The gallery as a `.bfg` file (see `Gallery.load`). */
  save(): Uint8Array {
    // Only live labels are written, renumbered in enrollment order.
    const live = this.names.map((name, id) => this.ids.get(name) === id);
    const renumber = new Uint32Array(this.names.length);
    let next = 0;
    live.forEach((isLive, id) => (renumber[id] = isLive ? next++ : 0));
    const labelNames = this.names.filter((_, id) => live[id]);
    const header = new TextEncoder().encode(JSON.stringify({ dim: this.dim, quantization: 'int8, symmetric, one f32 scale per row', labels: labelNames }));
    const headerPadded = Math.ceil(header.length / 4) * 4;
    const n = this.rowCount;
    const body = FIXED + headerPadded;
    const bytes = new Uint8Array(body + n * 8 + n * this.stride);
    const view = new DataView(bytes.buffer);
    bytes.set(new TextEncoder().encode(MAGIC), 0);
    view.setUint32(8, VERSION, true);
    view.setUint32(12, header.length, true);
    view.setUint32(16, n, true);
    view.setUint32(20, this.dim, true);
    bytes.set(header, FIXED);
    const labels = new Uint32Array(bytes.buffer, body, n);
    for (let r = 0; r < n; r++) labels[r] = renumber[this.rowLabel[r]];
    new Float32Array(bytes.buffer, body + n * 4, n).set(this.scales.subarray(0, n));
    new Int8Array(bytes.buffer, body + n * 8, n * this.stride).set(this.codes.subarray(0, n * this.stride));
    view.setUint32(24, CRC32.buf(bytes.subarray(FIXED)) >>> 0, true);
    return bytes;
  }

  /**
   * Reads a `.bfg` file. Layout (little-endian): magic `BRIDGEFG`; u32 version (1); u32 header length; u32 rows;
   * u32 dim; u32 CRC-32 of everything after byte 32; u32 reserved; JSON header `{ dim, labels }` padded to 4 bytes;
   * u32 label index per row; f32 scale per row; int8 codes, `dim` rounded up to 4 per row.
   */
  static load(data: Uint8Array | ArrayBuffer, options: Omit<GalleryOptions, 'dim'> = {}): Gallery {
    const bytes = data instanceof ArrayBuffer ? new Uint8Array(data) : data;
    const fail = (code: ConstructorParameters<typeof GalleryFormatError>[0], message: string): never => {
      throw new GalleryFormatError(code, message);
    };
    if (bytes.length < FIXED) fail('truncated', `${bytes.length} bytes is shorter than the 32-byte header`);
    if (new TextDecoder().decode(bytes.subarray(0, 8)) !== MAGIC) fail('bad-magic', 'not a bridgeface gallery (magic is not BRIDGEFG)');
    const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
    const version = view.getUint32(8, true);
    if (version !== VERSION) fail('unsupported-version', `version ${version}; this reader supports ${VERSION}`);
    const headerLength = view.getUint32(12, true);
    const n = view.getUint32(16, true);
    const dim = view.getUint32(20, true);
    const stride = Math.ceil(dim / 4) * 4;
    const body = FIXED + Math.ceil(headerLength / 4) * 4;
    const expected = body + n * 8 + n * stride;
    if (bytes.length !== expected) fail('truncated', `${bytes.length} bytes; ${n} rows of dim ${dim} need ${expected}`);
    if ((CRC32.buf(bytes.subarray(FIXED)) >>> 0) !== view.getUint32(24, true)) fail('checksum-mismatch', 'the gallery data is corrupt (CRC-32 mismatch)');
    let header: { dim?: unknown; labels?: unknown };
    try {
      header = JSON.parse(new TextDecoder().decode(bytes.subarray(FIXED, FIXED + headerLength)));
    } catch {
      return fail('bad-header', 'the header is not JSON');
    }
    const labels = header.labels;
    if (header.dim !== dim || !Array.isArray(labels) || !labels.every((l) => typeof l === 'string')) {
      fail('bad-header', 'the header must hold { dim, labels: string[] } matching the fixed header');
    }
    const gallery = new Gallery({ ...options, dim });
    gallery.reserve(n);
    const aligned = bytes.slice(body); // copy: aligned views, independent of the caller's buffer
    const rowLabel = new Uint32Array(aligned.buffer, 0, n);
    if (rowLabel.some((id) => id >= (labels as string[]).length)) fail('bad-header', 'a row refers to a label that is not in the header');
    gallery.rowLabel.set(rowLabel);
    gallery.scales.set(new Float32Array(aligned.buffer, n * 4, n));
    gallery.codes.set(new Int8Array(aligned.buffer, n * 8, n * stride));
    gallery.rowCount = n;
    gallery.names = labels as string[];
    gallery.counts = gallery.names.map(() => 0);
    for (let r = 0; r < n; r++) gallery.counts[rowLabel[r]]++;
    gallery.names.forEach((name, id) => {
      if (gallery.counts[id] > 0) gallery.ids.set(name, id);
    });
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
    const gpu = await this.gpuFor(this.rowCount);
    const results: GalleryMatch[][] = [];
    // Rows in score order until k distinct labels appear (a label's first row is its best); more rows if needed.
    let want = embeddings.map(() => Math.min(this.rowCount, k));
    let pending = embeddings.map((_, i) => i);
    while (pending.length > 0) {
      const useGpu = gpu !== undefined && Math.max(...pending.map((q) => want[q])) <= GPU_MAX_K;
      this.lastSearchBackend = useGpu ? 'webgpu' : 'cpu';
      const kk = Math.max(...pending.map((q) => want[q]));
      let hits: RowHit[][];
      if (useGpu) {
        const [version, rows] = [this.version, this.rowCount];
        gpu.sync(this.table(), version);
        hits = await gpu.search(this.table(), pending.map((q) => queries[q]), pending.map((q) => qscales[q]), kk);
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
    if (mode === 'cpu' || rows === 0) return undefined;
    if (mode === 'auto' && rows < (this.options.gpuMinRows ?? 50_000)) return undefined;
    this.gpu ??= this.openGpu(mode === 'webgpu');
    const gpu = await this.gpu;
    if (!gpu) return undefined;
    if (mode === 'auto' && gpu.software) return undefined;
    return gpu.search;
  }

  private async openGpu(required: boolean): Promise<{ search: GpuSearch; adapter: string; software?: string } | undefined> {
    try {
      let device = this.options.device;
      let adapter = 'caller-provided device';
      // A caller's device is the caller's choice: 'auto' trusts it.
      let software: string | undefined;
      if (!device) {
        const acquired = await acquireDevice({ maxStorageBinding: 1 << 30 });
        device = this.ownedDevice = acquired.device;
        adapter = acquired.adapter;
        software = acquired.software;
      }
      return { search: await GpuSearch.create(device, this.stride, this.options.shardRows), adapter, software };
    } catch (e) {
      if (required) throw e;
      return undefined;
    }
  }

  private checkEmbedding(e: Float32Array, what: string): void {
    if (!(e instanceof Float32Array) || e.length !== this.dim) {
      throw new InputError('bad-shape', `${what} must be a Float32Array of length ${this.dim}`);
    }
    let norm = 0;
    for (const v of e) norm += v * v;
    if (!Number.isFinite(norm)) throw new InputError('non-finite', `${what} has a non-finite value`);
    if (norm === 0) throw new InputError('bad-shape', `${what} is all zeros`);
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
