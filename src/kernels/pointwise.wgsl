// 1×1 convolution as a tiled matrix product: Y[o][j] = act(b[o] + Σc W[o][c]·X[c][j]) (+ R[o][j]), where the
// column j runs over every pixel of every face (j = n·P + p), so one dispatch covers the whole batch. With
// P = 1 it is the fully connected layer. This is the general variant, for any shape; pointwise_vec4.wgsl
// serves layers with a multiple of 16 output channels and of 4 pixels. Each SIDE×SIDE workgroup computes a
// TILE×TILE output tile, 4×4 values per invocation (strided by SIDE so shared-memory reads don't conflict),
// staging KT-deep slices of W and X in workgroup memory (TILE 32, KT 16: runtime/gpu/kernels.ts). W is stored
// transposed, [C][O] (runtime/gpu/weights-layout.ts). CPU reference: runtime/cpu/pointwise.ts.

@group(0) @binding(0) var<uniform> P: MatmulParams;
@group(0) @binding(1) var<storage, read> weights: array<f32>;
@group(0) @binding(2) var<storage, read> x: array<f32>;
// Bound to `weights` when the layer has no residual (never read then): a read-only alias is always valid.
@group(0) @binding(3) var<storage, read> residual: array<f32>;
@group(0) @binding(4) var<storage, read_write> y: array<f32>;

var<workgroup> w_tile: array<f32, KT * TILE>;  // [KT][TILE], output channel fastest
var<workgroup> x_tile: array<f32, KT * TILE>;  // [KT][TILE], column fastest

// Invocations along each side of the tile (each computes 4×4 values), and per workgroup.
const SIDE: u32 = TILE / 4u;
const THREADS: u32 = SIDE * SIDE;

@compute @workgroup_size(SIDE, SIDE)
fn main(@builtin(workgroup_id) wid: vec3<u32>, @builtin(local_invocation_id) lid: vec3<u32>) {
  let C = P.in_channels;
  let O = P.out_channels;
  let cols = P.batch * P.pixels;
  let row0 = wid.y * TILE;
  let col0 = wid.x * TILE;
  let t = lid.y * SIDE + lid.x;
  var acc: array<f32, 16>;

  for (var k0 = 0u; k0 < C; k0 += KT) {
    // Each invocation stages KT·TILE / THREADS values of each tile.
    for (var e = 0u; e < KT * TILE / THREADS; e++) {
      let idx = t + THREADS * e;
      // W (stored [C][O]): consecutive invocations read consecutive output channels.
      let m = idx % TILE;
      let kw = idx / TILE;
      let o = row0 + m;
      let cw = k0 + kw;
      var wv = 0.0;
      if (o < O && cw < C) { wv = weights[P.weight + cw * O + o]; }
      w_tile[kw * TILE + m] = wv;
      // X: consecutive invocations read consecutive pixels of one channel.
      let kx = idx / TILE;
      let col = idx % TILE;
      let j = col0 + col;
      let cx = k0 + kx;
      var xv = 0.0;
      if (j < cols && cx < C) {
        let n = j / P.pixels;
        xv = x[(n * C + cx) * P.pixels + j % P.pixels];
      }
      x_tile[kx * TILE + col] = xv;
    }
    workgroupBarrier();
    for (var kk = 0u; kk < KT; kk++) {
      var a: array<f32, 4>;
      var b: array<f32, 4>;
      for (var r = 0u; r < 4u; r++) {
        a[r] = w_tile[kk * TILE + lid.y + SIDE * r];
        b[r] = x_tile[kk * TILE + lid.x + SIDE * r];
      }
      for (var r = 0u; r < 4u; r++) {
        for (var q = 0u; q < 4u; q++) {
          acc[r * 4u + q] += a[r] * b[q];
        }
      }
    }
    workgroupBarrier();
  }

  for (var r = 0u; r < 4u; r++) {
    let o = row0 + lid.y + SIDE * r;
    if (o >= O) { continue; }
    let bias = weights[P.bias + o];
    var slope = 0.0;
    if (P.act == ACT_PRELU) { slope = weights[P.alpha + o]; }
    for (var q = 0u; q < 4u; q++) {
      let j = col0 + lid.x + SIDE * q;
      if (j >= cols) { continue; }
      let n = j / P.pixels;
      let out_index = (n * O + o) * P.pixels + j % P.pixels;
      var v = activate(acc[r * 4u + q] + bias, P.act, slope);
      if (P.has_residual == 1u) { v += residual[out_index]; }
      y[out_index] = v;
    }
  }
}
