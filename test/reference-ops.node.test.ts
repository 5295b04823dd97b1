/**
 * The CPU reference ops that judge the WGSL kernels, on fixtures small enough to work out by hand (the
 * arithmetic is in the comments). The kernel tests compare GPU and CPU; these pin the CPU side to known values,
 * so a bug both sides shared could not pass unnoticed.
 */
import { describe, expect, it } from 'vitest';
import { DEFAULT_INPUT } from '../src/model/architecture.js';
import { ACT, type ConvLayer, type PointwiseLayer } from '../src/model/network.js';
import { preprocess } from '../src/runtime/cpu/preprocess.js';
import { avgPoolReference, convReference, l2NormReference, pointwiseReference } from '../src/runtime/reference.js';
import { quantize, rowScore, searchCpu } from '../src/runtime/similarity-topk.js';

const f32 = (values: number[]) => Float32Array.from(values);
const io = (input: number[], outFloats: number, params: Record<string, number[]> = {}, residual?: number[]) => ({
  input: f32(input),
  residual: residual && f32(residual),
  output: new Float32Array(outFloats),
  param: (name: string) => f32(params[name]),
});
const GRID = [1, 2, 3, 4, 5, 6, 7, 8, 9]; // a 3×3 map, row-major
/** Plain numbers, with −0 (what ReLU makes of a negative) as 0. */
const values = (a: Float32Array) => Array.from(a, (v) => v + 0);

const conv = (over: Partial<ConvLayer>): ConvLayer => ({
  kind: 'conv',
  input: 0,
  output: 1,
  inChannels: 1,
  outChannels: 1,
  inSize: 3,
  outSize: 3,
  kernel: 3,
  stride: 1,
  pad: 1,
  groups: 1,
  weight: 'w',
  bias: 'b',
  act: ACT.none,
  ...over,
});

describe('convReference (conv2d)', () => {
  // Taps top-left and bottom-right: out[y][x] = in[y-1][x-1] + in[y+1][x+1] + 0.5, zero outside the map.
  const diagonal = { w: [1, 0, 0, 0, 0, 0, 0, 0, 1], b: [0.5] };

  it('dense 3×3, padding 1, stride 1', () => {
    const t = io(GRID, 9, diagonal);
    convReference(conv({}), 1, t);
    expect(values(t.output)).toEqual([5.5, 6.5, 0.5, 8.5, 10.5, 2.5, 0.5, 4.5, 5.5]);
  });

  it('dense 3×3, stride 2: the corners of the stride-1 result', () => {
    const t = io(GRID, 4, diagonal);
    convReference(conv({ stride: 2, outSize: 2 }), 1, t);
    expect(values(t.output)).toEqual([5.5, 0.5, 0.5, 5.5]);
  });

  it('dense over two input channels sums them: a second channel of ones under a centre tap of 2 adds 2', () => {
    const t = io([...GRID, ...GRID.map(() => 1)], 9, { w: [...diagonal.w, 0, 0, 0, 0, 2, 0, 0, 0, 0], b: diagonal.b });
    convReference(conv({ inChannels: 2 }), 1, t);
    expect(values(t.output)).toEqual([7.5, 8.5, 2.5, 10.5, 12.5, 4.5, 2.5, 6.5, 7.5]);
  });

  it('depthwise: each channel with its own kernel and bias, then ReLU', () => {
    // Channel 0: the centre tap alone copies the map. Channel 1: ones under a kernel of ones count the in-map
    // neighbours (corners 4, edges 6, centre 9); bias -5 and ReLU give 0, 1 and 4.
    const t = io([...GRID, ...GRID.map(() => 1)], 18, {
      w: [0, 0, 0, 0, 1, 0, 0, 0, 0, ...GRID.map(() => 1)],
      b: [0, -5],
    });
    convReference(conv({ inChannels: 2, outChannels: 2, groups: 2, act: ACT.relu }), 1, t);
    expect(values(t.output)).toEqual([...GRID, 0, 1, 0, 1, 4, 1, 0, 1, 0]);
  });

  it('global depthwise pooling (kernel = map, pad 0): one dot product per channel', () => {
    // 1·1 + 2·(−1) + 3·2 + 4·0.5 + bias 1 = 8.
    const t = io([1, 2, 3, 4], 1, { w: [1, -1, 2, 0.5], b: [1] });
    convReference(conv({ inSize: 2, outSize: 1, kernel: 2, pad: 0, groups: 1 }), 1, t);
    expect(values(t.output)).toEqual([8]);
  });
});

describe('pointwiseReference', () => {
  const layer = (over: Partial<PointwiseLayer>): PointwiseLayer => ({
    kind: 'pointwise',
    input: 0,
    output: 1,
    inChannels: 2,
    outChannels: 2,
    pixels: 2,
    weight: 'w',
    bias: 'b',
    act: ACT.none,
    ...over,
  });
  // x = [[1, 2], [3, 4]] (channel × pixel), W = [[1, 0.5], [−1, 0]], b = [0, 1]:
  // y0 = x0 + 0.5·x1 = [2.5, 4]; y1 = −x0 + 1 = [0, −1].
  const params = { w: [1, 0.5, -1, 0], b: [0, 1], a: [0.1, 0.25] };

  it('1×1 convolution with bias', () => {
    const t = io([1, 2, 3, 4], 4, params);
    pointwiseReference(layer({}), 1, t);
    expect(values(t.output)).toEqual([2.5, 4, 0, -1]);
  });

  it('PReLU (slope per output channel) before the residual add', () => {
    // y1 = [0, −1] → PReLU slope 0.25 → [0, −0.25]; + residual [[10, 20], [30, 40]].
    const t = io([1, 2, 3, 4], 4, params, [10, 20, 30, 40]);
    pointwiseReference(layer({ act: ACT.prelu, alpha: 'a', residual: 2 }), 1, t);
    expect(values(t.output)).toEqual([12.5, 24, 30, 39.75]);
  });

  it('fully connected (one pixel) over a batch of two, ReLU', () => {
    // Face 0: x = [1, 3] → [2.5, 0]; face 1: x = [−2, 2] → [−1, 3] → ReLU [0, 3].
    const t = io([1, 3, -2, 2], 4, params);
    pointwiseReference(layer({ pixels: 1, act: ACT.relu }), 2, t);
    expect(values(t.output)).toEqual([2.5, 0, 0, 3]);
  });
});

describe('avgPoolReference and l2NormReference', () => {
  it('the mean of each channel', () => {
    const t = io([1, 2, 3, -1, 0, 4], 2);
    avgPoolReference({ kind: 'avgpool', input: 0, output: 1, channels: 2, pixels: 3 }, 1, t);
    expect(values(t.output)).toEqual([2, 1]);
  });

  it('unit length per face; a zero row stays zero', () => {
    const t = io([3, 4, 0, 0], 4);
    l2NormReference({ kind: 'l2norm', input: 0, output: 1, dim: 2 }, 2, t);
    expect(values(t.output)).toEqual([0.6, 0.8, 0, 0].map(Math.fround));
  });
});

describe('preprocess', () => {
  const rgba = (pixels: Array<[number, number, number]>) =>
    Uint8Array.from(pixels.flatMap(([r, g, b]) => [r, g, b, 255]));
  // With mean 0.5 and std 0.5 (the default), a channel value v maps to (v/255 − 0.5)/0.5: 0 → −1, 255 → 1.
  const image = {
    data: rgba([
      [0, 255, 0],
      [255, 255, 0],
      [255, 255, 0],
      [0, 255, 0],
    ]),
    width: 2,
    height: 2,
  };

  for (const resize of ['area', 'bilinear'] as const) {
    it(`${resize}: 2×2 → 1×1 is the mean of the four pixels`, () => {
      // Bilinear samples the centre (1, 1) − 0.5 = (0.5, 0.5): the four pixels weigh ¼ each, like the area.
      const out = new Float32Array(3);
      preprocess([image], 1, { ...DEFAULT_INPUT, resize }, out);
      expect(Array.from(out)).toEqual([0, 1, -1]); // R mean 127.5 → 0; G 255 → 1; B 0 → −1
    });
  }

  it('a face box selects the source pixels: box x 1, width 2 of a 4×1 row averages pixels 1 and 2', () => {
    const row = {
      data: rgba([
        [0, 0, 0],
        [100, 0, 0],
        [200, 0, 0],
        [255, 0, 0],
      ]),
      width: 4,
      height: 1,
      box: { x: 1, y: 0, width: 2, height: 1 },
    };
    const out = new Float32Array(3);
    preprocess([row], 1, { ...DEFAULT_INPUT, mean: [0, 0, 0], std: [1, 1, 1] }, out);
    expect(out[0]).toBeCloseTo(150 / 255, 6);
  });
});

describe('quantize, rowScore and searchCpu (similarity_topk.wgsl)', () => {
  it('codes, scale and the self-score of [3, 4]', () => {
    // Unit vector [0.6, 0.8]; the largest component becomes 127, so scale = 0.8/127 and codes = [95, 127]
    // (0.6/0.8·127 = 95.25). Self-score: (95² + 127²)·scale² = 25154·0.64/16129 ≈ 0.99810.
    const codes = new Int8Array(4);
    const scale = quantize([3, 4], codes, 0);
    expect(scale).toBe(Math.fround(0.8 / 127));
    expect(Array.from(codes)).toEqual([95, 127, 0, 0]);
    const table = { codes, scales: f32([scale]), rows: 1, stride: 4 };
    expect(rowScore(table, 0, codes, scale)).toBeCloseTo(0.9981, 4);
  });

  it('orders by score, and equal scores by the lower row', () => {
    const rows = [
      [1, 0],
      [0, 1],
      [1, 0],
      [-1, 0],
    ];
    const table = { codes: new Int8Array(16), scales: new Float32Array(4), rows: 4, stride: 4 };
    rows.forEach((v, r) => (table.scales[r] = quantize(v, table.codes, r * 4)));
    const query = new Int8Array(4);
    const qscale = quantize([1, 0], query, 0);
    // Rows 0 and 2 tie at 1, row 1 is orthogonal (0), row 3 opposite (−1).
    expect(searchCpu(table, query, qscale, 4).map((h) => [h.row, Math.round(h.score * 1000) / 1000])).toEqual([
      [0, 1],
      [2, 1],
      [1, 0],
      [3, -1],
    ]);
  });
});
