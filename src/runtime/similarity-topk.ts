/**
 * Nearest-row search over int8-quantised unit embeddings: the codes, and the CPU reference of
 * kernels/similarity_topk.wgsl (runtime/gpu/similarity-topk.ts runs it on WebGPU). Both compute every score
 * with the same integer dot product and the same two f32 multiplications, and order by (score desc, row index
 * asc), so they return identical rows and scores.
 *
 * Why int8: 1,000,000 × 128-D f32 is 512 MB, four times WebGPU's default 128 MiB storage-binding limit; int8
 * codes with one f32 scale per row take 132 bytes per row (1M rows: 128 MB of codes, one binding), and the
 * cosine they give is within ~0.003 of the f32 cosine (measured in test/api/gallery.node.test.ts).
 */

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
