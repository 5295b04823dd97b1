/**
 * A detector graph laid out for one input size, as the student network is (model/network.ts): numbered float
 * tensors (NCHW, batch 1) and a list of steps over them, every shape resolved. The shape arithmetic of the graph
 * (Shape, Gather, Unsqueeze, Concat on integer vectors) is evaluated here, and a Reshape only renames its input's
 * data with new dimensions, so what is left to run is convolutions, pooling, upsampling, adds, transposes and
 * sigmoids. Each backend (graph-reference.ts, the WebGPU runner) executes this same list.
 */
import { DetectorError } from '../errors.js';
import type { MapOp } from '../runtime/cpu/map-ops.js';
import { type MemoryPlan, planSlots } from '../runtime/memory-plan.js';
import type { ConvOp, DetectorGraph, GraphOp, IntTensor } from './onnx-graph.js';

/** Height and width of a step's input and output maps. */
interface MapSizes {
  inHeight: number;
  inWidth: number;
  outHeight: number;
  outWidth: number;
}

export interface ConvStep extends MapSizes {
  kind: 'conv';
  input: number;
  output: number;
  conv: ConvOp;
}

/** A feature-map op (pooling, upsampling, add, transpose, sigmoid) on whole tensors. */
interface MapStep {
  kind: 'map';
  inputs: number[];
  output: number;
  op: MapOp;
}

export type PlanStep = ConvStep | MapStep;

interface GraphOutput {
  name: string;
  tensor: number;
  dims: number[];
}

export interface GraphPlan {
  height: number;
  width: number;
  /** Tensor 0 is the input, 1×C×H×W. */
  tensorSizes: number[];
  steps: PlanStep[];
  outputs: GraphOutput[];
}

interface FloatValue {
  kind: 'float';
  tensor: number;
  dims: number[];
}
type Value = FloatValue | { kind: 'int'; value: IntTensor };

const product = (dims: readonly number[]) => dims.reduce((a, b) => a * b, 1);

function badShape(op: GraphOp, why: string): DetectorError {
  return new DetectorError('bad-model', `${op.op} → ${op.output}: ${why}`);
}

function unsupportedShape(op: GraphOp, why: string): DetectorError {
  return new DetectorError('unsupported-op', `${op.op} → ${op.output}: ${why} (bridgeface's runtime cannot run it)`);
}

/** Output side of a convolution or pooling window sliding over `size` (ceil: a partial last window counts). */
function windowOut(size: number, kernel: number, stride: number, pad: number, ceil = false): number {
  const span = size + 2 * pad - kernel;
  let out = (ceil ? Math.ceil(span / stride) : Math.floor(span / stride)) + 1;
  // ONNX (like PyTorch) drops a last window that would start in the right padding.
  if (ceil && (out - 1) * stride >= size + pad) out--;
  return out;
}

/** Lays `graph` out for a 1×C×`height`×`width` input. */
export function planGraph(graph: DetectorGraph, height: number, width: number): GraphPlan {
  if (!(Number.isInteger(height) && Number.isInteger(width) && height > 0 && width > 0))
    throw new RangeError(`input size must be positive integers, got ${width}×${height}`);
  const tensorSizes: number[] = [];
  const values = new Map<string, Value>();
  const newFloat = (dims: number[]): FloatValue => ({
    kind: 'float',
    tensor: tensorSizes.push(product(dims)) - 1,
    dims,
  });
  values.set(graph.input.name, newFloat([1, graph.input.channels, height, width]));
  for (const [name, value] of graph.constants) values.set(name, { kind: 'int', value });
  const steps: PlanStep[] = [];
  const mapStep = (op: GraphOp, inputs: number[], dims: number[], mapOp: MapOp) => {
    const y = newFloat(dims);
    steps.push({ kind: 'map', inputs, output: y.tensor, op: mapOp });
    values.set(op.output, y);
  };

  const float = (op: GraphOp, name: string): FloatValue => {
    const v = values.get(name);
    if (v?.kind !== 'float') throw unsupportedShape(op, `${name} is not a float tensor computed by the graph`);
    return v;
  };
  const ints = (op: GraphOp, name: string): IntTensor => {
    const v = values.get(name);
    if (v?.kind !== 'int') throw unsupportedShape(op, `shape arithmetic on ${name}, which depends on pixel values`);
    return v.value;
  };
  const map = (op: GraphOp, name: string) => {
    const v = float(op, name);
    if (v.dims.length !== 4) throw badShape(op, `${name} has dims [${v.dims}], not N×C×H×W`);
    return { ...v, channels: v.dims[1], inHeight: v.dims[2], inWidth: v.dims[3] };
  };

  for (const op of graph.ops) {
    switch (op.op) {
      case 'conv': {
        const x = map(op, op.input);
        if (x.channels !== op.inChannels)
          throw badShape(op, `${x.channels} input channels, weight wants ${op.inChannels}`);
        const outHeight = windowOut(x.inHeight, op.kernel, op.stride, op.pad);
        const outWidth = windowOut(x.inWidth, op.kernel, op.stride, op.pad);
        const y = newFloat([1, op.outChannels, outHeight, outWidth]);
        steps.push({ kind: 'conv', input: x.tensor, output: y.tensor, conv: op, ...sizes(x, outHeight, outWidth) });
        values.set(op.output, y);
        break;
      }
      case 'maxpool': {
        const x = map(op, op.input);
        const outHeight = windowOut(x.inHeight, op.kernel, op.stride, op.pad, op.ceil);
        const outWidth = windowOut(x.inWidth, op.kernel, op.stride, op.pad, op.ceil);
        const { kernel, stride, pad } = op;
        const shape = { planes: x.channels, kernel, stride, pad, ...sizes(x, outHeight, outWidth) };
        mapStep(op, [x.tensor], [1, x.channels, outHeight, outWidth], { kind: 'maxpool', ...shape });
        break;
      }
      case 'resize': {
        const x = map(op, op.input);
        const outHeight = Math.floor(x.inHeight * op.scaleH);
        const outWidth = Math.floor(x.inWidth * op.scaleW);
        const { scaleH, scaleW } = op;
        const shape = { planes: x.channels, scaleH, scaleW, ...sizes(x, outHeight, outWidth) };
        mapStep(op, [x.tensor], [1, x.channels, outHeight, outWidth], { kind: 'resize', ...shape });
        break;
      }
      case 'add': {
        const [a, b] = op.inputs.map((name) => float(op, name));
        if (a.dims.join() !== b.dims.join())
          throw unsupportedShape(op, `broadcasting [${a.dims}] + [${b.dims}] (only equal shapes)`);
        mapStep(op, [a.tensor, b.tensor], a.dims, { kind: 'add', length: product(a.dims) });
        break;
      }
      case 'sigmoid': {
        const x = float(op, op.input);
        mapStep(op, [x.tensor], x.dims, { kind: 'sigmoid', length: product(x.dims) });
        break;
      }
      case 'transpose': {
        const x = float(op, op.input);
        if (x.dims.length > 4 || op.perm.length !== x.dims.length || [...op.perm].sort().some((p, i) => p !== i))
          throw badShape(op, `perm [${op.perm}] for dims [${x.dims}]`);
        // Lower ranks are padded with leading 1s: one 4-D kernel serves them all.
        const lead = 4 - x.dims.length;
        const dims = [...Array(lead).fill(1), ...x.dims] as [number, number, number, number];
        const perm = [...Array.from({ length: lead }, (_, i) => i), ...op.perm.map((p) => p + lead)] as typeof dims;
        mapStep(
          op,
          [x.tensor],
          op.perm.map((p) => x.dims[p]),
          { kind: 'transpose', dims, perm },
        );
        break;
      }
      case 'reshape': {
        const x = float(op, op.input);
        values.set(op.output, {
          kind: 'float',
          tensor: x.tensor,
          dims: reshaped(op, x.dims, ints(op, op.shape).values),
        });
        break;
      }
      case 'shape': {
        const x = float(op, op.input);
        values.set(op.output, { kind: 'int', value: { dims: [x.dims.length], values: [...x.dims] } });
        break;
      }
      case 'gather': {
        const data = ints(op, op.input);
        const indices = ints(op, op.indices);
        if (data.dims.length !== 1 || op.axis !== 0) throw unsupportedShape(op, 'a gather other than from a 1-D shape');
        const n = data.values.length;
        const picked = indices.values.map((i) => {
          if (i < -n || i >= n) throw badShape(op, `index ${i} out of [${-n}, ${n})`);
          return data.values[i < 0 ? i + n : i];
        });
        values.set(op.output, { kind: 'int', value: { dims: indices.dims, values: picked } });
        break;
      }
      case 'unsqueeze': {
        const x = ints(op, op.input);
        const rank = x.dims.length + op.axes.length;
        const axes = op.axes.map((a) => (a < 0 ? a + rank : a));
        const dims: number[] = [];
        for (let i = 0, j = 0; i < rank; i++) dims.push(axes.includes(i) ? 1 : x.dims[j++]);
        values.set(op.output, { kind: 'int', value: { dims, values: x.values } });
        break;
      }
      case 'concat': {
        const parts = op.inputs.map((name) => ints(op, name));
        if (parts.some((p) => p.dims.length !== 1) || (op.axis !== 0 && op.axis !== -1))
          throw unsupportedShape(op, 'a concat other than of 1-D shapes');
        const joined = parts.flatMap((p) => p.values);
        values.set(op.output, { kind: 'int', value: { dims: [joined.length], values: joined } });
        break;
      }
    }
  }

  const outputs = graph.outputs.map((name) => {
    const v = values.get(name);
    if (v?.kind !== 'float')
      throw new DetectorError('bad-model', `graph output ${name} is not a computed float tensor`);
    return { name, tensor: v.tensor, dims: v.dims };
  });
  return { height, width, tensorSizes, steps, outputs };
}

/**
 * Which reusable slot holds each tensor of `plan` (memory-plan.ts): both executors allocate these, so a large input
 * holds a few maps at a time instead of every one; the outputs stay live until they are read. `floats` overrides
 * the tensor sizes (WebGPU pads some tensors).
 */
export function planMemoryOf(plan: GraphPlan, floats: readonly number[] = plan.tensorSizes): MemoryPlan {
  const steps = plan.steps.map((s) => ({ inputs: s.kind === 'conv' ? [s.input] : s.inputs, output: s.output }));
  return planSlots(floats, steps, [...new Set(plan.outputs.map((o) => o.tensor))]);
}

function sizes(x: { inHeight: number; inWidth: number }, outHeight: number, outWidth: number): MapSizes {
  return { inHeight: x.inHeight, inWidth: x.inWidth, outHeight, outWidth };
}

/** ONNX Reshape (opset 11): 0 copies the input's dimension, one −1 takes the rest. */
function reshaped(op: GraphOp, dims: number[], target: number[]): number[] {
  const out = target.map((d, i) => (d === 0 ? dims[i] : d));
  const free = out.indexOf(-1);
  const known = product(out.filter((d) => d !== -1));
  if (free >= 0) out[free] = product(dims) / known;
  if (out.some((d) => !Number.isInteger(d) || d < 0) || product(out) !== product(dims))
    throw badShape(op, `reshape of [${dims}] to [${target}]`);
  return out;
}
