/**
 * Exports the student (from its .bfw weights) to ONNX, with a hand-written protobuf encoder: no Python, no
 * protobuf library. The graph is opset 13 and takes RGBA8 pixels N×H×W×4 (a given H = W), so the preprocessing of
 * docs/weights-format.md (resize as two MatMuls with constant matrices, then the normalisation) runs inside
 * the runtime, as bridgeface's own preprocessing kernel does. Output: "embedding", N×D, unit length.
 */

import { buildNetwork } from '../../src/model/network.js';
import type { StudentWeights } from '../../src/tools.js';
import { normalisation, resizeMatrix } from '../core/resize.js';

// ---- protobuf wire format ----
class Writer {
  private chunks: number[] = [];
  varint(v: number): this {
    if (v < 0) throw new Error('negative varint');
    while (v >= 0x80) {
      this.chunks.push((v % 0x80) | 0x80);
      v = Math.floor(v / 0x80);
    }
    this.chunks.push(v);
    return this;
  }
  tag(field: number, wire: number): this {
    return this.varint(field * 8 + wire);
  }
  int(field: number, v: number): this {
    return this.tag(field, 0).varint(v);
  }
  bytes(field: number, b: Uint8Array): this {
    this.tag(field, 2).varint(b.length);
    for (const x of b) this.chunks.push(x);
    return this;
  }
  string(field: number, s: string): this {
    return this.bytes(field, new TextEncoder().encode(s));
  }
  message(field: number, w: Writer): this {
    return this.bytes(field, w.finish());
  }
  float(field: number, v: number): this {
    this.tag(field, 5);
    const b = new Uint8Array(new Float32Array([v]).buffer);
    for (const x of b) this.chunks.push(x);
    return this;
  }
  finish(): Uint8Array {
    return Uint8Array.from(this.chunks);
  }
}

const FLOAT = 1;
const UINT8 = 2;
const INT64 = 7;

type Attr = { name: string; ints?: number[]; i?: number; f?: number };

function attribute(a: Attr): Writer {
  const w = new Writer().string(1, a.name);
  if (a.ints) {
    for (const v of a.ints) w.int(8, v);
    w.int(20, 7); // INTS
  } else if (a.i !== undefined) {
    w.int(3, a.i).int(20, 2); // INT
  } else if (a.f !== undefined) {
    w.float(2, a.f).int(20, 1); // FLOAT
  }
  return w;
}

function tensorProto(name: string, dims: number[], data: Float32Array | BigInt64Array): Writer {
  const w = new Writer();
  for (const d of dims) w.int(1, d);
  w.int(2, data instanceof Float32Array ? FLOAT : INT64);
  w.string(8, name);
  w.bytes(9, new Uint8Array(data.buffer, data.byteOffset, data.byteLength));
  return w;
}

function valueInfo(name: string, elemType: number, dims: Array<number | string>): Writer {
  const shape = new Writer();
  for (const d of dims) shape.message(1, typeof d === 'number' ? new Writer().int(1, d) : new Writer().string(2, d));
  const tensorType = new Writer().int(1, elemType).message(2, shape);
  return new Writer().string(1, name).message(2, new Writer().message(1, tensorType));
}

// ---- graph builder ----
class Graph {
  nodes: Writer[] = [];
  inits: Writer[] = [];
  private n = 0;
  init(name: string, dims: number[], data: Float32Array | BigInt64Array): string {
    this.inits.push(tensorProto(name, dims, data));
    return name;
  }
  op(type: string, inputs: string[], attrs: Attr[] = [], name?: string): string {
    const out = name ?? `${type.toLowerCase()}_${this.n++}`;
    const w = new Writer();
    for (const i of inputs) w.string(1, i);
    w.string(2, out).string(3, `${out}_node`).string(4, type);
    for (const a of attrs) w.message(5, attribute(a));
    this.nodes.push(w);
    return out;
  }
}

export interface OnnxExportOptions {
  /** Side of the square RGBA input images; the resize to the network's input size is baked in. */
  side: number;
}

/** Returns the bytes of an ONNX model for RGBA input of the given side. */
export function exportOnnx(weights: StudentWeights, options: OnnxExportOptions): Uint8Array {
  const g = new Graph();
  const t = (name: string) => {
    const v = weights.tensors.get(name);
    if (!v) throw new Error(`missing tensor ${name}`);
    return v;
  };
  const network = buildNetwork(weights);
  const S = weights.architecture.inputSize;
  const side = options.side;
  const i64 = (v: number[]) => BigInt64Array.from(v.map(BigInt));

  // Preprocessing: uint8 NHWC RGBA → float NCHW RGB → resize → normalise.
  let x = g.op('Cast', ['pixels'], [{ name: 'to', i: FLOAT }]);
  x = g.op('Slice', [
    x,
    g.init('rgb_starts', [1], i64([0])),
    g.init('rgb_ends', [1], i64([3])),
    g.init('rgb_axes', [1], i64([3])),
  ]);
  x = g.op('Transpose', [x], [{ name: 'perm', ints: [0, 3, 1, 2] }]);
  if (side !== S) {
    const r = resizeMatrix(S, side, weights.input.resize);
    const rT = new Float32Array(side * S);
    for (let i = 0; i < S; i++) for (let j = 0; j < side; j++) rT[j * S + i] = r[i * side + j];
    x = g.op('MatMul', [g.init('resize_rows', [S, side], r), x]);
    x = g.op('MatMul', [x, g.init('resize_cols_t', [side, S], rT)]);
  }
  const norm = normalisation(weights.input);
  x = g.op('Mul', [x, g.init('norm_scale', [1, 3, 1, 1], Float32Array.from(norm.scale))]);
  x = g.op('Add', [x, g.init('norm_shift', [1, 3, 1, 1], Float32Array.from(norm.shift))]);

  const tensors = new Map<number, string>([[0, x]]);
  const act = (y: string, alpha: string | undefined, channels: number) =>
    alpha === undefined ? y : g.op('PRelu', [y, g.init(`${alpha}_slope`, [channels, 1, 1], t(alpha))]);
  for (const layer of network.layers) {
    const input = tensors.get(layer.input)!;
    let y: string;
    switch (layer.kind) {
      case 'conv': {
        const { outChannels: out, kernel: k, pad } = layer;
        const w = g.init(layer.weight, [out, layer.inChannels / layer.groups, k, k], t(layer.weight));
        const b = g.init(layer.bias, [out], t(layer.bias));
        y = g.op(
          'Conv',
          [input, w, b],
          [
            { name: 'kernel_shape', ints: [k, k] },
            { name: 'pads', ints: [pad, pad, pad, pad] },
            { name: 'strides', ints: [layer.stride, layer.stride] },
            { name: 'group', i: layer.groups },
          ],
        );
        y = act(y, layer.act ? layer.alpha : undefined, out);
        if (layer.act === 1) y = g.op('Relu', [y]);
        break;
      }
      case 'pointwise': {
        // Every 1×1 layer, the fully connected one included (on the pooled N×C×1×1), is a 1×1 Conv: a block or
        // head on a 1×1 map also has one pixel per face, and keeps its activation and residual.
        const w = g.init(layer.weight, [layer.outChannels, layer.inChannels, 1, 1], t(layer.weight));
        const b = g.init(layer.bias, [layer.outChannels], t(layer.bias));
        y = g.op('Conv', [input, w, b], [{ name: 'kernel_shape', ints: [1, 1] }]);
        y = act(y, layer.act ? layer.alpha : undefined, layer.outChannels);
        if (layer.act === 1) y = g.op('Relu', [y]);
        if (layer.residual !== undefined) y = g.op('Add', [y, tensors.get(layer.residual)!]);
        break;
      }
      case 'avgpool':
        y = g.op('GlobalAveragePool', [input]);
        break;
      case 'l2norm': {
        const flat = g.op('Flatten', [input], [{ name: 'axis', i: 1 }]);
        const n = g.op(
          'ReduceL2',
          [flat],
          [
            { name: 'axes', ints: [1] },
            { name: 'keepdims', i: 1 },
          ],
        );
        const safe = g.op('Max', [n, g.init('l2_eps', [], Float32Array.of(1e-12))]);
        y = g.op('Div', [flat, safe], [], 'embedding');
        break;
      }
    }
    tensors.set(layer.output, y);
  }

  const graph = new Writer();
  for (const n of g.nodes) graph.message(1, n);
  graph.string(2, 'bridgeface_student');
  for (const i of g.inits) graph.message(5, i);
  graph.message(11, valueInfo('pixels', UINT8, ['N', side, side, 4]));
  graph.message(12, valueInfo('embedding', FLOAT, ['N', weights.architecture.embeddingDim]));
  return new Writer()
    .int(1, 7) // ir_version 7 (opset 13)
    .string(2, 'bridgeface-bench')
    .string(3, '0.1.0')
    .message(7, graph)
    .message(8, new Writer().string(1, '').int(2, 13))
    .finish();
}
