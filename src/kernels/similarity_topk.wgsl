// Gallery search: similarity of quantised queries against quantised gallery rows, and a top-k selection.
// CPU reference: api/gallery-search.ts (searchCpu, and selectTopK for the merge).
//
// Rows and queries are int8 codes of unit embeddings, 4 per u32 (little-endian bytes), with one f32 scale each:
// embedding ≈ code · scale. Dot products of codes are exact in i32 (|Σ| ≤ D·127² < 2^24, also exact in f32), so
// every backend computes the same score: f32(Σ code_q·code_r) · (scale_q · scale_r), each product one correctly
// rounded f32 multiplication.
//
// Order: higher score first; equal scores by lower row index. An empty slot is (-inf, 0xffffffff).
//
// `rows` entry point, pass 1: one invocation per (thread t, query q) scans rows t, t + T, t + 2T, … of its shard
// (T = number of threads; adjacent invocations read adjacent rows) and writes its own top-k, sorted, to
// cand[(q·T + t)·k …]. The exact global top-k is contained in the union of these lists.
// `merge` entry point, pass 2 (optional): one invocation per (group g, query q) merges `fanIn` consecutive lists
// of k from pass 1 into one list of k.

const KMAX: u32 = 64u;

struct Params {
  rows: u32,        // rows in this shard (pass 1) / lists in the input (pass 2)
  words: u32,       // D / 4
  k: u32,           // ≤ KMAX
  threads: u32,     // T: invocations per query (pass 1) / output lists per query (pass 2)
  rowBase: u32,     // global index of this shard's row 0
  fanIn: u32,       // pass 2: lists merged per invocation
  queries: u32,
  _pad: u32,
}

struct Candidate {
  score: f32,
  index: u32,
}

@group(0) @binding(0) var<uniform> P: Params;
@group(0) @binding(1) var<storage, read> codes: array<u32>;      // pass 1: rows × words; pass 2: unused
@group(0) @binding(2) var<storage, read> scales: array<f32>;     // pass 1: per row
@group(0) @binding(3) var<storage, read> query: array<u32>;      // queries × words
@group(0) @binding(4) var<storage, read> qscales: array<f32>;    // per query
@group(0) @binding(5) var<storage, read_write> cand: array<Candidate>;

@group(0) @binding(6) var<uniform> M: Params;
@group(0) @binding(7) var<storage, read> inCand: array<Candidate>;
@group(0) @binding(8) var<storage, read_write> outCand: array<Candidate>;

const NEG_INF: f32 = -3.4028234663852886e38;
const EMPTY: u32 = 0xffffffffu;
const WGS: u32 = 64u;

var<private> bestScore: array<f32, KMAX>;
var<private> bestIndex: array<u32, KMAX>;

fn sext(w: u32, byte: u32) -> i32 {
  return bitcast<i32>(w << (24u - 8u * byte)) >> 24u;
}

// Portable form; gallery-search.ts swaps in the built-in dot4I8Packed (DP4A on GPUs that have it, the same
// exact integer result) where the packed_4x8_integer_dot_product language feature compiles.
fn dot4(a: u32, b: u32) -> i32 {
  return sext(a, 0u) * sext(b, 0u) + sext(a, 1u) * sext(b, 1u) + sext(a, 2u) * sext(b, 2u) + sext(a, 3u) * sext(b, 3u);
}

fn better(s: f32, i: u32, t: f32, j: u32) -> bool {
  return s > t || (s == t && i < j);
}

fn clearBest(k: u32) {
  for (var i = 0u; i < k; i++) { bestScore[i] = NEG_INF; bestIndex[i] = EMPTY; }
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

@compute @workgroup_size(WGS)
fn rows(@builtin(workgroup_id) wid: vec3<u32>, @builtin(local_invocation_index) lid: u32) {
  let t = wid.x * WGS + lid;
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
    offer(f32(acc) * s, P.rowBase + r, k);
  }
  let base = (q * P.threads + t) * k;
  for (var i = 0u; i < k; i++) { cand[base + i] = Candidate(bestScore[i], bestIndex[i]); }
}

@compute @workgroup_size(WGS)
fn merge(@builtin(workgroup_id) wid: vec3<u32>, @builtin(local_invocation_index) lid: u32) {
  let g = wid.x * WGS + lid;
  let q = wid.y;
  if (g >= M.threads || q >= M.queries) { return; }
  let k = M.k;
  clearBest(k);
  let first = g * M.fanIn;
  let last = min(first + M.fanIn, M.rows);
  for (var l = first; l < last; l++) {
    let base = (q * M.rows + l) * k;
    for (var i = 0u; i < k; i++) {
      let c = inCand[base + i];
      if (c.index == EMPTY) { break; }
      offer(c.score, c.index, k);
    }
  }
  let base = (q * M.threads + g) * k;
  for (var i = 0u; i < k; i++) { outCand[base + i] = Candidate(bestScore[i], bestIndex[i]); }
}
