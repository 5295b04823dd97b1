// Gallery search: similarity of quantised queries against quantised gallery rows, and a top-k selection.
// CPU reference: runtime/similarity-topk.ts (searchCpu, and selectTopK for the merge). Structs TopkParams
// and Candidate, KMAX and EMPTY_ROW: runtime/gpu/kernels.ts. The module is completed by one of the two
// definitions of `dot4`: dot4_packed.wgsl (the built-in) or dot4_portable.wgsl.
//
// Rows and queries are int8 codes of unit embeddings, 4 per u32 (little-endian bytes), with one f32 scale each:
// embedding ≈ code · scale. Dot products of codes are exact in i32 (|Σ| ≤ D·127² < 2^24, also exact in f32), so
// every backend computes the same score: f32(Σ code_q·code_r) · (scale_q · scale_r), each product one correctly
// rounded f32 multiplication.
//
// Order: higher score first; equal scores by lower row index. An empty slot is (-inf, EMPTY_ROW).
//
// `rows` entry point, pass 1: one invocation per (thread t, query q) scans rows t, t + T, t + 2T, … of its shard
// (T = number of threads; adjacent invocations read adjacent rows) and writes its own top-k, sorted, to
// cand[(q·T + t)·k …]. The exact global top-k is contained in the union of these lists.
// `merge` entry point, pass 2 (optional): one invocation per (group g, query q) merges `fan_in` consecutive lists
// of k from pass 1 into one list of k.

@group(0) @binding(0) var<uniform> P: TopkParams;
@group(0) @binding(1) var<storage, read> codes: array<u32>;      // pass 1: rows × words; pass 2: unused
@group(0) @binding(2) var<storage, read> scales: array<f32>;     // pass 1: per row
@group(0) @binding(3) var<storage, read> query: array<u32>;      // queries × words
@group(0) @binding(4) var<storage, read> qscales: array<f32>;    // per query
@group(0) @binding(5) var<storage, read_write> cand: array<Candidate>;

@group(0) @binding(6) var<uniform> M: TopkParams;
@group(0) @binding(7) var<storage, read> inCand: array<Candidate>;
@group(0) @binding(8) var<storage, read_write> outCand: array<Candidate>;

const NEG_INF: f32 = -3.4028234663852886e38;

var<private> bestScore: array<f32, KMAX>;
var<private> bestIndex: array<u32, KMAX>;

fn better(s: f32, i: u32, t: f32, j: u32) -> bool {
  return s > t || (s == t && i < j);
}

fn clearBest(k: u32) {
  for (var i = 0u; i < k; i++) { bestScore[i] = NEG_INF; bestIndex[i] = EMPTY_ROW; }
}

// Inserts (s, i) into the sorted list of k, if it beats the last entry.
fn offer(s: f32, i: u32, k: u32) {
  if (!better(s, i, bestScore[k - 1u], bestIndex[k - 1u])) { return; }
  var j = k - 1u;
  loop {
    if (j == 0u || !better(s, i, bestScore[j - 1u], bestIndex[j - 1u])) { break; }
    bestScore[j] = bestScore[j - 1u];
    bestIndex[j] = bestIndex[j - 1u];
    j--;
  }
  bestScore[j] = s;
  bestIndex[j] = i;
}

@compute @workgroup_size(WG)
fn rows(@builtin(workgroup_id) wid: vec3<u32>, @builtin(local_invocation_index) lid: u32) {
  let t = wid.x * WG + lid;
  let q = wid.y;
  if (t >= P.threads || q >= P.queries) { return; }
  let k = P.k;
  clearBest(k);
  let qs = qscales[q];
  for (var r = t; r < P.rows; r += P.threads) {
    var acc = 0i;
    for (var w = 0u; w < P.words; w++) {
      acc += dot4(codes[r * P.words + w], query[q * P.words + w]);
    }
    let s = qs * scales[r];
    offer(f32(acc) * s, P.row_base + r, k);
  }
  let base = (q * P.threads + t) * k;
  for (var i = 0u; i < k; i++) { cand[base + i] = Candidate(bestScore[i], bestIndex[i]); }
}

@compute @workgroup_size(WG)
fn merge(@builtin(workgroup_id) wid: vec3<u32>, @builtin(local_invocation_index) lid: u32) {
  let g = wid.x * WG + lid;
  let q = wid.y;
  if (g >= M.threads || q >= M.queries) { return; }
  let k = M.k;
  clearBest(k);
  let first = g * M.fan_in;
  let last = min(first + M.fan_in, M.rows);
  for (var l = first; l < last; l++) {
    let base = (q * M.rows + l) * k;
    for (var i = 0u; i < k; i++) {
      let c = inCand[base + i];
      if (c.index == EMPTY_ROW) { break; }
      offer(c.score, c.index, k);
    }
  }
  let base = (q * M.threads + g) * k;
  for (var i = 0u; i < k; i++) { outCand[base + i] = Candidate(bestScore[i], bestIndex[i]); }
}
