/**
 * CPU references for the feature-map kernels the detectors need beyond the student's layers: kernels/maxpool.wgsl,
 * resize_nearest.wgsl, transpose.wgsl, add.wgsl and sigmoid.wgsl. Plain loops of each op's definition over NCHW
 * maps of any height and width; they judge the WGSL kernels (each descriptor in runtime/gpu/kernels.ts
 * MAP_KERNELS runs the same `MapOp`) and run detector graphs on the reference path (detect/graph-reference.ts).
 */

/** One feature-map op with its shape: what a kernel descriptor and `runMapOp` take. */
export type MapOp =
  | ({ kind: 'maxpool' } & PoolShape)
  | ({ kind: 'resize' } & ResizeShape)
  | ({ kind: 'transpose' } & TransposeShape)
  | { kind: 'add'; length: number }
  | { kind: 'sigmoid'; length: number };

/** Runs `op` with its reference loop. */
export function runMapOp(op: MapOp, inputs: readonly Float32Array[], out: Float32Array): void {
  switch (op.kind) {
    case 'maxpool':
      maxPool2d(op, inputs[0], out);
      break;
    case 'resize':
      resizeNearest(op, inputs[0], out);
      break;
    case 'transpose':
      transpose4d(op, inputs[0], out);
      break;
    case 'add':
      addMaps(inputs[0], inputs[1], out);
      break;
    case 'sigmoid':
      sigmoid(inputs[0], out);
      break;
  }
}

interface PoolShape {
  /** Batch × channels: the planes pooled independently. */
  planes: number;
  inHeight: number;
  inWidth: number;
  outHeight: number;
  outWidth: number;
  kernel: number;
  stride: number;
  pad: number;
}

/** out[p][y][x] = max of the K×K window at (y·stride − pad, x·stride − pad), padding excluded. */
function maxPool2d(s: PoolShape, input: Float32Array, out: Float32Array): void {
  const { inHeight: H, inWidth: W, outHeight: OH, outWidth: OW, kernel: k, stride, pad } = s;
  for (let p = 0; p < s.planes; p++) {
    for (let oy = 0; oy < OH; oy++) {
      for (let ox = 0; ox < OW; ox++) {
        let best = -Infinity;
        for (let ky = 0; ky < k; ky++) {
          const iy = oy * stride + ky - pad;
          if (iy < 0 || iy >= H) continue;
          for (let kx = 0; kx < k; kx++) {
            const ix = ox * stride + kx - pad;
            if (ix >= 0 && ix < W) best = Math.max(best, input[(p * H + iy) * W + ix]);
          }
        }
        out[(p * OH + oy) * OW + ox] = best;
      }
    }
  }
}

interface ResizeShape {
  planes: number;
  inHeight: number;
  inWidth: number;
  outHeight: number;
  outWidth: number;
  scaleH: number;
  scaleW: number;
}

/** Nearest neighbour, ONNX 'asymmetric' + 'floor': out[p][y][x] = in[p][⌊y / scaleH⌋][⌊x / scaleW⌋]. */
function resizeNearest(s: ResizeShape, input: Float32Array, out: Float32Array): void {
  const { inHeight: H, inWidth: W, outHeight: OH, outWidth: OW } = s;
  for (let p = 0; p < s.planes; p++) {
    for (let y = 0; y < OH; y++) {
      const iy = Math.min(Math.floor(y / s.scaleH), H - 1);
      for (let x = 0; x < OW; x++) {
        const ix = Math.min(Math.floor(x / s.scaleW), W - 1);
        out[(p * OH + y) * OW + x] = input[(p * H + iy) * W + ix];
      }
    }
  }
}

/** A 4-D row-major tensor's dimensions and a permutation of them: out's axis i is in's axis perm[i]. */
interface TransposeShape {
  dims: readonly [number, number, number, number];
  perm: readonly [number, number, number, number];
}

function transpose4d({ dims, perm }: TransposeShape, input: Float32Array, out: Float32Array): void {
  const stride = [dims[1] * dims[2] * dims[3], dims[2] * dims[3], dims[3], 1];
  const od = perm.map((p) => dims[p]);
  const os = perm.map((p) => stride[p]);
  let i = 0;
  for (let a = 0; a < od[0]; a++)
    for (let b = 0; b < od[1]; b++)
      for (let c = 0; c < od[2]; c++)
        for (let d = 0; d < od[3]; d++) out[i++] = input[a * os[0] + b * os[1] + c * os[2] + d * os[3]];
}

function addMaps(a: Float32Array, b: Float32Array, out: Float32Array): void {
  for (let i = 0; i < out.length; i++) out[i] = a[i] + b[i];
}

/** The logistic function, written as ONNX Runtime and the WGSL kernel compute it for large |x| without overflow. */
function sigmoid(input: Float32Array, out: Float32Array): void {
  for (let i = 0; i < out.length; i++) {
    const x = input[i];
    out[i] = x >= 0 ? 1 / (1 + Math.exp(-x)) : Math.exp(x) / (1 + Math.exp(x));
  }
}
