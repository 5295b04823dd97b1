/**
 * Small ONNX models written with onnx-proto for the graph tests: a detector-shaped graph using every op
 * bridgeface's runtime runs (so parity with ONNX Runtime is tested without the YuNet files), and single-node
 * edits of it that the loader must refuse.
 */
import onnxProto from 'onnx-proto';
import { seededRandom } from '../support/random.js';

const { onnx } = onnxProto;
type Node = import('onnx-proto').onnx.INodeProto;
/** The nodes of the pyramid model, for an edit to change in place. */
export type Edited = Node[];
type Attribute = import('onnx-proto').onnx.IAttributeProto;

const A = onnx.AttributeProto.AttributeType;

export const ints = (name: string, values: number[]): Attribute => ({ name, type: A.INTS, ints: values });
export const int = (name: string, i: number): Attribute => ({ name, type: A.INT, i });
export const str = (name: string, s: string): Attribute => ({ name, type: A.STRING, s: new TextEncoder().encode(s) });

function floats(name: string, dims: number[], rand: () => number): import('onnx-proto').onnx.ITensorProto {
  const n = dims.reduce((a, b) => a * b, 1);
  return { name, dims, dataType: onnx.TensorProto.DataType.FLOAT, floatData: Array.from({ length: n }, rand) };
}

const int64s = (name: string, dims: number[], values: number[]) => ({
  name,
  dims,
  dataType: onnx.TensorProto.DataType.INT64,
  int64Data: values,
});

const conv = (name: string, input: string, output: string, k: number, stride: number, groups = 1): Node => ({
  name,
  opType: 'Conv',
  input: [input, `${name}.w`, `${name}.b`],
  output: [output],
  attribute: [
    ints('kernel_shape', [k, k]),
    ints('strides', [stride, stride]),
    ints('pads', Array(4).fill((k - 1) / 2)),
    ints('dilations', [1, 1]),
    int('group', groups),
  ],
});

/**
 * A two-level feature pyramid with YuNet's structure: stem conv (3→16, stride 2) + ReLU, a max pool, a depthwise
 * and a 1×1 conv, a dense stride-2 conv (8→8) to the coarse level, nearest ×2 upsampling added to the finer map,
 * and per level a head: 1×1 conv → transpose to channels-last → reshape to [N, H·W, C] through
 * Shape/Gather/Unsqueeze/Concat → sigmoid. On WebGPU its convs take each conv kernel: the stem a dense 3×3 one,
 * the depthwise depthwise3x3, the 8-channel dense conv conv2d, the 1×1 convs pointwise.
 */
export function pyramidModel(edit: (nodes: Edited) => void = () => {}, opset = 11): Uint8Array {
  const rand = seededRandom(5);
  const r = () => rand() * 2 - 1;
  const nodes: Node[] = [
    conv('stem', 'input', 's0', 3, 2),
    { name: 'stem.relu', opType: 'Relu', input: ['s0'], output: ['s1'] },
    {
      name: 'pool',
      opType: 'MaxPool',
      input: ['s1'],
      output: ['p1'],
      attribute: [
        ints('kernel_shape', [2, 2]),
        ints('strides', [2, 2]),
        ints('pads', [0, 0, 0, 0]),
        int('ceil_mode', 0),
      ],
    },
    conv('dw', 'p1', 'd0', 3, 1, 16),
    { name: 'dw.relu', opType: 'Relu', input: ['d0'], output: ['d1'] },
    conv('pw', 'd1', 'fine', 1, 1),
    conv('down', 'fine', 'c0', 3, 2),
    { name: 'down.relu', opType: 'Relu', input: ['c0'], output: ['coarse'] },
    {
      name: 'up',
      opType: 'Resize',
      input: ['coarse', 'roi', 'scales'],
      output: ['u'],
      attribute: [
        str('coordinate_transformation_mode', 'asymmetric'),
        str('mode', 'nearest'),
        str('nearest_mode', 'floor'),
        { name: 'cubic_coeff_a', type: A.FLOAT, f: -0.75 },
      ],
    },
    { name: 'sum', opType: 'Add', input: ['fine', 'u'], output: ['merged'] },
  ];
  for (const [level, map] of [
    [0, 'merged'],
    [1, 'coarse'],
  ] as const) {
    const h = `head${level}`;
    nodes.push(
      conv(h, map, `${h}.y`, 1, 1),
      {
        name: `${h}.t`,
        opType: 'Transpose',
        input: [`${h}.y`],
        output: [`${h}.nhwc`],
        attribute: [ints('perm', [0, 2, 3, 1])],
      },
      { name: `${h}.shape`, opType: 'Shape', input: [`${h}.y`], output: [`${h}.dims`] },
      {
        name: `${h}.gather`,
        opType: 'Gather',
        input: [`${h}.dims`, 'zero'],
        output: [`${h}.n`],
        attribute: [int('axis', 0)],
      },
      {
        name: `${h}.unsq`,
        opType: 'Unsqueeze',
        input: [`${h}.n`],
        output: [`${h}.n1`],
        attribute: [ints('axes', [0])],
      },
      {
        name: `${h}.cat`,
        opType: 'Concat',
        input: [`${h}.n1`, 'minus1', 'three'],
        output: [`${h}.to`],
        attribute: [int('axis', 0)],
      },
      { name: `${h}.reshape`, opType: 'Reshape', input: [`${h}.nhwc`, `${h}.to`], output: [`${h}.rows`] },
      { name: `${h}.sigmoid`, opType: 'Sigmoid', input: [`${h}.rows`], output: [`out${level}`] },
    );
  }
  edit(nodes);
  const initializer = [
    floats('stem.w', [16, 3, 3, 3], r),
    floats('stem.b', [16], r),
    floats('dw.w', [16, 1, 3, 3], r),
    floats('dw.b', [16], r),
    floats('pw.w', [8, 16, 1, 1], r),
    floats('pw.b', [8], r),
    floats('down.w', [8, 8, 3, 3], r),
    floats('down.b', [8], r),
    floats('head0.w', [3, 8, 1, 1], r),
    floats('head0.b', [3], r),
    floats('head1.w', [3, 8, 1, 1], r),
    floats('head1.b', [3], r),
    { name: 'roi', dims: [0], dataType: onnx.TensorProto.DataType.FLOAT },
    { name: 'scales', dims: [4], dataType: onnx.TensorProto.DataType.FLOAT, floatData: [1, 1, 2, 2] },
    int64s('zero', [], [0]),
    int64s('minus1', [1], [-1]),
    int64s('three', [1], [3]),
  ];
  const dim = (d: number | string) => (typeof d === 'number' ? { dimValue: d } : { dimParam: d });
  const value = (name: string, dims: Array<number | string>) => ({
    name,
    type: { tensorType: { elemType: onnx.TensorProto.DataType.FLOAT, shape: { dim: dims.map(dim) } } },
  });
  const model = onnx.ModelProto.create({
    irVersion: 6,
    opsetImport: [{ domain: '', version: opset }],
    graph: {
      name: 'pyramid',
      node: nodes,
      initializer,
      input: [value('input', ['batch', 3, 'height', 'width'])],
      output: [value('out0', ['batch', 'cells', 3]), value('out1', ['batch', 'cells', 3])],
    },
  });
  return onnx.ModelProto.encode(model).finish();
}
