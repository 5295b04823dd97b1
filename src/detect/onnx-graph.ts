/**
 * An ONNX detector model as a typed graph of the ops bridgeface's runtime runs, read without ONNX Runtime: the
 * protobuf is decoded by `onnx-proto` (ONNX's own schema compiled for protobufjs), then each node is checked
 * against what the runtime implements — every attribute it has, not only those it uses — so an export the runtime
 * would compute wrongly is refused (`DetectorError('unsupported-op')`, naming the node) instead of run.
 *
 * The ops are those YuNet's export (opset 11) is made of: convolutions (dense, depthwise, 1×1) each with its
 * ReLU fused, 2×2 max pooling, nearest upsampling and the adds of the feature pyramid, and at the heads a
 * transpose to channels-last, a reshape (whose target is computed from the tensor's runtime shape by Shape,
 * Gather, Unsqueeze and Concat) and a sigmoid. The shape arithmetic is kept as ops too: graph-plan.ts evaluates
 * it once per input size, so a dynamic-size model needs no shape-specific rewriting.
 */
import { DetectorError } from '../errors.js';

/** A conv's epilogue activation (the ReLU that follows it in the graph, fused). */
type GraphActivation = 'none' | 'relu';

interface Unary {
  input: string;
  output: string;
}

/** Square-kernel 2-D convolution, NCHW, equal zero padding on every side; weight [O, C/groups, K, K]. */
export interface ConvOp extends Unary {
  op: 'conv';
  inChannels: number;
  outChannels: number;
  kernel: number;
  stride: number;
  pad: number;
  groups: number;
  act: GraphActivation;
  weight: Float32Array;
  bias: Float32Array;
}

/** Square-window max pooling with equal padding (padding never wins the max). */
interface MaxPoolOp extends Unary {
  op: 'maxpool';
  kernel: number;
  stride: number;
  pad: number;
  /** Output size rounds up (a partial last window) instead of down. */
  ceil: boolean;
}

/** Nearest-neighbour resize of H and W: out[y][x] = in[⌊y / scaleH⌋][⌊x / scaleW⌋] (ONNX 'asymmetric', 'floor'). */
interface ResizeOp extends Unary {
  op: 'resize';
  scaleH: number;
  scaleW: number;
}

/** Elementwise sum of two tensors of the same shape. */
interface AddOp {
  op: 'add';
  inputs: [string, string];
  output: string;
}

interface SigmoidOp extends Unary {
  op: 'sigmoid';
}

interface TransposeOp extends Unary {
  op: 'transpose';
  perm: number[];
}

/** Same data, new shape; `shape` names an integer tensor (0 keeps that dimension, −1 takes what is left). */
interface ReshapeOp extends Unary {
  op: 'reshape';
  shape: string;
}

/** Shape arithmetic: evaluated per input size when a plan is made, never dispatched. */
interface ShapeOp extends Unary {
  op: 'shape';
}

interface GatherOp extends Unary {
  op: 'gather';
  indices: string;
  axis: number;
}

interface UnsqueezeOp extends Unary {
  op: 'unsqueeze';
  axes: number[];
}

interface ConcatOp {
  op: 'concat';
  inputs: string[];
  axis: number;
  output: string;
}

export type GraphOp =
  | ConvOp
  | MaxPoolOp
  | ResizeOp
  | AddOp
  | SigmoidOp
  | TransposeOp
  | ReshapeOp
  | ShapeOp
  | GatherOp
  | UnsqueezeOp
  | ConcatOp;

/** An integer constant of the graph (shape arithmetic reads these). */
export interface IntTensor {
  dims: number[];
  values: number[];
}

export interface DetectorGraph {
  /** The one image input, NCHW with `channels` channels and dynamic (or fixed) height and width. */
  input: { name: string; channels: number };
  outputs: string[];
  /** In execution order: every op's inputs are the graph input, a constant or an earlier op's output. */
  ops: GraphOp[];
  constants: Map<string, IntTensor>;
}

/**
 * The ONNX opsets whose semantics of these ops were checked: 12 changed none of them; 13 moved Unsqueeze's axes
 * to an input, made Resize's roi optional and Reshape's zeros selectable.
 */
const OPSETS = [11, 12];

type Proto = typeof import('onnx-proto').onnx;
/** Decoded messages are class instances: their repeated fields are arrays, never null. */
type NodeProto = import('onnx-proto').onnx.NodeProto;
type GraphProto = import('onnx-proto').onnx.GraphProto;
type TensorProto = import('onnx-proto').onnx.ITensorProto;
type AttributeProto = import('onnx-proto').onnx.IAttributeProto;
/** protobufjs gives int64 fields as numbers or as `Long` objects (when the `long` package is present). */
type Int64 = number | { toNumber(): number };

const int = (v: Int64 | null | undefined): number => (v == null ? 0 : typeof v === 'number' ? v : v.toNumber());

let proto: Promise<Proto> | undefined;

/** onnx-proto, imported on first use so that recognition-only applications never load it. */
function loadProto(): Promise<Proto> {
  proto ??= import('onnx-proto').then(
    (m) => (m as { onnx?: Proto; default?: { onnx: Proto } }).onnx ?? m.default!.onnx,
  );
  return proto;
}

function unsupported(node: NodeProto | string, why: string): DetectorError {
  const where =
    typeof node === 'string' ? node : `${node.opType} node ${JSON.stringify(node.name || node.output?.[0])}`;
  return new DetectorError('unsupported-op', `${where}: ${why} (bridgeface's runtime cannot run it; use ONNX Runtime)`);
}

/** Reads an ONNX model's bytes into a `DetectorGraph`, or throws `DetectorError` ('bad-model', 'unsupported-op'). */
export async function parseOnnxGraph(bytes: Uint8Array): Promise<DetectorGraph> {
  const onnx = await loadProto();
  let model: import('onnx-proto').onnx.ModelProto;
  try {
    model = onnx.ModelProto.decode(bytes);
  } catch (e) {
    throw new DetectorError('bad-model', `not an ONNX model: ${(e as Error).message}`);
  }
  const graph = model.graph as GraphProto | null;
  if (!graph || graph.node.length === 0) throw new DetectorError('bad-model', 'the ONNX model has no graph');
  const opset = model.opsetImport.find((o) => !o.domain)?.version;
  if (!OPSETS.includes(int(opset)))
    throw unsupported('model', `ONNX opset ${int(opset)}; bridgeface runs opsets ${OPSETS.join(' and ')}`);
  const other = model.opsetImport.find((o) => o.domain && o.domain !== 'ai.onnx');
  if (other) throw unsupported('model', `operators of domain ${other.domain}`);

  const floats = new Map<string, { dims: number[]; data: Float32Array }>();
  const constants = new Map<string, IntTensor>();
  for (const t of graph.initializer) {
    const dims = (t.dims ?? []).map(int);
    if (t.dataLocation === onnx.TensorProto.DataLocation.EXTERNAL)
      throw unsupported(`initializer ${t.name}`, 'data in an external file (pass a model with its weights inside)');
    const values =
      t.dataType === onnx.TensorProto.DataType.FLOAT
        ? floatData(t)
        : t.dataType === onnx.TensorProto.DataType.INT64
          ? int64Data(t)
          : undefined;
    if (!values) throw unsupported(`initializer ${t.name}`, `data type ${t.dataType} (only float32 and int64)`);
    if (values.length !== dims.reduce((a, b) => a * b, 1))
      throw new DetectorError('bad-model', `initializer ${t.name} holds ${values.length} values for dims [${dims}]`);
    if (values instanceof Float32Array) floats.set(t.name!, { dims, data: values });
    else constants.set(t.name!, { dims, values });
  }

  const initializers = new Set([...floats.keys(), ...constants.keys()]);
  const inputs = graph.input.filter((i) => !initializers.has(i.name!));
  if (inputs.length !== 1) throw unsupported('model', `${inputs.length} inputs; a detector takes one image`);
  const dims = inputs[0].type?.tensorType?.shape?.dim ?? [];
  const channels = int(dims[1]?.dimValue);
  if (dims.length !== 4 || channels <= 0)
    throw unsupported('model', `input ${inputs[0].name} is not an NCHW image with a fixed channel count`);

  const ctx: Context = { floats, constants, defined: new Set([inputs[0].name!, ...initializers]) };
  const ops: GraphOp[] = [];
  for (const node of graph.node as NodeProto[]) {
    for (const name of node.input) {
      if (name && !ctx.defined.has(name))
        throw new DetectorError('bad-model', `${node.opType} node reads ${name} before any node writes it`);
    }
    const op = toOp(node, ctx);
    if (op) ops.push(op);
    for (const name of node.output) ctx.defined.add(name);
  }
  const outputs = graph.output.map((o) => o.name!);
  return { input: { name: inputs[0].name!, channels }, outputs, ops: fuseRelu(ops, outputs, ctx.relus), constants };
}

interface Context {
  floats: Map<string, { dims: number[]; data: Float32Array }>;
  constants: Map<string, IntTensor>;
  defined: Set<string>;
  /** Relu nodes seen, as input → output, folded into the convs that produce their inputs by `fuseRelu`. */
  relus?: Map<string, string>;
}

function floatData(t: TensorProto): Float32Array {
  if (t.rawData && t.rawData.length > 0) {
    if (t.rawData.length % 4 !== 0)
      throw new DetectorError('bad-model', `initializer ${t.name} has ${t.rawData.length} bytes of float32 data`);
    // Copied (`Uint8Array.from`, not `slice`, which is a view on Node's Buffer): the raw bytes sit in the model
    // buffer at an arbitrary, maybe unaligned offset. ONNX stores little-endian, as every WebGPU host is.
    return new Float32Array(Uint8Array.from(t.rawData).buffer);
  }
  return Float32Array.from(t.floatData ?? []);
}

function int64Data(t: TensorProto): number[] {
  if (t.rawData && t.rawData.length > 0) {
    const view = new DataView(t.rawData.buffer, t.rawData.byteOffset, t.rawData.byteLength);
    return Array.from({ length: t.rawData.byteLength / 8 }, (_, i) => Number(view.getBigInt64(8 * i, true)));
  }
  return (t.int64Data ?? []).map(int);
}

/** A node's attributes by name; `take` marks each as read so that any the op does not understand is refused. */
class Attributes {
  private readonly byName = new Map<string, AttributeProto>();

  constructor(private readonly node: NodeProto) {
    for (const a of node.attribute ?? []) this.byName.set(a.name!, a);
  }

  ints(name: string, fallback?: number[]): number[] {
    const a = this.take(name);
    if (a) return (a.ints ?? []).map(int);
    if (fallback === undefined) throw unsupported(this.node, `attribute ${name} is missing`);
    return fallback;
  }

  int(name: string, fallback: number): number {
    const a = this.take(name);
    return a ? int(a.i) : fallback;
  }

  string(name: string, fallback: string): string {
    const a = this.take(name);
    return a ? new TextDecoder().decode(a.s ?? new Uint8Array()) : fallback;
  }

  /** Marks an attribute read without using it (one that only matters to modes the op already refused). */
  ignore(name: string): void {
    this.take(name);
  }

  /** After an op read what it understands: anything left is an attribute the runtime would silently ignore. */
  done(): void {
    const left = [...this.byName.keys()];
    if (left.length > 0) throw unsupported(this.node, `attribute ${left.join(', ')}`);
  }

  private take(name: string): AttributeProto | undefined {
    const a = this.byName.get(name);
    this.byName.delete(name);
    return a;
  }
}

function requireAll(node: NodeProto, values: number[], expected: number, what: string): void {
  if (values.some((v) => v !== expected)) throw unsupported(node, `${what} [${values.join(', ')}]`);
}

/** One value for every spatial axis (the runtime's kernels are square), or an error naming the attribute. */
function uniform(node: NodeProto, values: number[], what: string): number {
  if (values.length === 0 || values.some((v) => v !== values[0]))
    throw unsupported(node, `${what} [${values.join(', ')}] (only equal values on every side)`);
  return values[0];
}

function toOp(node: NodeProto, ctx: Context): GraphOp | undefined {
  const attrs = new Attributes(node);
  const [input] = node.input;
  const [output] = node.output;
  const op = ((): GraphOp | undefined => {
    switch (node.opType) {
      case 'Conv':
        return conv(node, attrs, ctx);
      case 'Relu':
        ctx.relus ??= new Map();
        ctx.relus.set(input, output);
        return undefined;
      case 'MaxPool': {
        if (attrs.string('auto_pad', 'NOTSET') !== 'NOTSET') throw unsupported(node, 'auto_pad');
        requireAll(node, attrs.ints('dilations', [1, 1]), 1, 'dilations');
        if (attrs.int('storage_order', 0) !== 0) throw unsupported(node, 'storage_order 1');
        if (node.output.length > 1) throw unsupported(node, 'the Indices output');
        return {
          op: 'maxpool',
          input,
          output,
          kernel: uniform(node, attrs.ints('kernel_shape'), 'kernel_shape'),
          stride: uniform(node, attrs.ints('strides', [1, 1]), 'strides'),
          pad: uniform(node, attrs.ints('pads', [0, 0, 0, 0]), 'pads'),
          ceil: attrs.int('ceil_mode', 0) === 1,
        };
      }
      case 'Resize':
        return resize(node, attrs, ctx);
      case 'Add':
        return { op: 'add', inputs: [node.input[0], node.input[1]], output };
      case 'Sigmoid':
        return { op: 'sigmoid', input, output };
      case 'Transpose':
        return { op: 'transpose', input, output, perm: attrs.ints('perm') };
      case 'Reshape':
        return { op: 'reshape', input, shape: node.input[1], output };
      case 'Shape':
        return { op: 'shape', input, output };
      case 'Gather':
        return { op: 'gather', input, indices: node.input[1], axis: attrs.int('axis', 0), output };
      case 'Unsqueeze':
        return { op: 'unsqueeze', input, axes: attrs.ints('axes'), output };
      case 'Concat':
        return { op: 'concat', inputs: [...node.input], axis: attrs.int('axis', 0), output };
      default:
        throw unsupported(node, 'no such op in the runtime');
    }
  })();
  attrs.done();
  for (const name of node.input) {
    // Float constants are only ever weights or resize scales, both read above: anything else would need an op
    // with a constant operand, which the runtime does not have.
    if (ctx.floats.has(name) && !consumesFloatConstant(op, name, node))
      throw unsupported(node, `the float constant ${name} as an operand`);
  }
  return op;
}

function consumesFloatConstant(op: GraphOp | undefined, name: string, node: NodeProto): boolean {
  if (op?.op === 'conv') return node.input[1] === name || node.input[2] === name;
  if (op?.op === 'resize') return node.input[1] === name || node.input[2] === name;
  return false;
}

function conv(node: NodeProto, attrs: Attributes, ctx: Context): ConvOp {
  if (attrs.string('auto_pad', 'NOTSET') !== 'NOTSET') throw unsupported(node, 'auto_pad');
  requireAll(node, attrs.ints('dilations', [1, 1]), 1, 'dilations');
  const w = ctx.floats.get(node.input[1]);
  if (w?.dims.length !== 4) throw unsupported(node, 'a weight that is not a constant [O, C/groups, K, K] tensor');
  const [outChannels, perGroup, kh, kw] = w.dims;
  const kernel = uniform(node, attrs.ints('kernel_shape', [kh, kw]), 'kernel_shape');
  if (kh !== kernel || kw !== kernel) throw unsupported(node, `kernel_shape ${kernel} for a ${kh}×${kw} weight`);
  const groups = attrs.int('group', 1);
  if (outChannels % groups !== 0) throw unsupported(node, `${outChannels} output channels in ${groups} groups`);
  const biasName = node.input[2];
  const b = biasName ? ctx.floats.get(biasName) : undefined;
  if (biasName && (!b || b.data.length !== outChannels)) throw unsupported(node, `bias ${biasName} of the wrong size`);
  return {
    op: 'conv',
    input: node.input[0],
    output: node.output[0],
    inChannels: perGroup * groups,
    outChannels,
    kernel,
    stride: uniform(node, attrs.ints('strides', [1, 1]), 'strides'),
    pad: uniform(node, attrs.ints('pads', [0, 0, 0, 0]), 'pads'),
    groups,
    act: 'none',
    weight: w.data,
    bias: b?.data ?? new Float32Array(outChannels),
  };
}

function resize(node: NodeProto, attrs: Attributes, ctx: Context): ResizeOp {
  const mode = attrs.string('mode', 'nearest');
  const transform = attrs.string('coordinate_transformation_mode', 'half_pixel');
  const rounding = attrs.string('nearest_mode', 'round_prefer_floor');
  if (mode !== 'nearest' || transform !== 'asymmetric' || rounding !== 'floor')
    throw unsupported(node, `mode ${mode} / ${transform} / ${rounding} (only nearest / asymmetric / floor)`);
  // Only the cubic and crop modes read these, and both are refused above.
  for (const unused of ['cubic_coeff_a', 'exclude_outside', 'extrapolation_value']) attrs.ignore(unused);
  const scales = ctx.floats.get(node.input[2] ?? '');
  if (node.input[3] || !scales) throw unsupported(node, 'output sizes instead of constant scales');
  const [n, c, scaleH, scaleW] = scales.data;
  if (scales.data.length !== 4 || n !== 1 || c !== 1 || !(scaleH > 0 && scaleW > 0))
    throw unsupported(node, `scales [${[...scales.data].join(', ')}] (only of H and W)`);
  return { op: 'resize', input: node.input[0], output: node.output[0], scaleH, scaleW };
}

/**
 * Folds each Relu into the conv that produces its input, so that the kernels apply it in their epilogue. A Relu
 * after anything else, or after a conv whose raw output is also read elsewhere, has no kernel to run on.
 */
function fuseRelu(ops: GraphOp[], outputs: string[], relus: Map<string, string> | undefined): GraphOp[] {
  if (!relus) return ops;
  const readers = new Map<string, number>();
  for (const op of ops) for (const name of inputsOf(op)) readers.set(name, (readers.get(name) ?? 0) + 1);
  const fused = ops.map((op) => {
    const after = relus.get(op.output);
    if (after === undefined) return op;
    if (op.op !== 'conv' || readers.has(op.output) || outputs.includes(op.output))
      throw unsupported(`Relu node after ${op.output}`, 'a ReLU that does not follow a conv read by it alone');
    relus.delete(op.output);
    return { ...op, output: after, act: 'relu' as const };
  });
  const [stray] = relus.keys();
  if (stray !== undefined) throw unsupported(`Relu node reading ${stray}`, 'a ReLU that does not follow a conv');
  return fused;
}

/** The tensor names an op reads. */
function inputsOf(op: GraphOp): string[] {
  switch (op.op) {
    case 'add':
    case 'concat':
      return op.inputs;
    case 'reshape':
      return [op.input, op.shape];
    case 'gather':
      return [op.input, op.indices];
    default:
      return [op.input];
  }
}
