import { WeightsFormatError } from '../errors.js';

/** The student family described in docs/weights-format.md; every field comes from the weights header. */
export interface Architecture {
  inputSize: number;
  activation: Activation;
  stem: { channels: number; stride: 1 | 2 };
  blocks: BlockSpec[];
  pooling: 'gdc' | 'avg';
  embeddingDim: number;
}
export type Activation = 'prelu' | 'relu';
export interface BlockSpec {
  channels: number;
  stride: 1 | 2;
  residual: boolean;
}

/** How raw pixels become the network input (see docs/weights-format.md, "Preprocessing"). */
export interface InputSpec {
  mean: [number, number, number];
  std: [number, number, number];
  resize: ResizeMode;
  crop?: unknown;
}
export type ResizeMode = 'area' | 'bilinear';

/** The default student: ≈0.19M parameters, 32×32 input, 128-D embedding. */
export const DEFAULT_ARCHITECTURE: Architecture = {
  inputSize: 32,
  activation: 'prelu',
  stem: { channels: 32, stride: 1 },
  blocks: [
    { channels: 64, stride: 2, residual: false },
    { channels: 64, stride: 1, residual: true },
    { channels: 128, stride: 2, residual: false },
    { channels: 128, stride: 1, residual: true },
    { channels: 128, stride: 1, residual: true },
    { channels: 256, stride: 2, residual: false },
    { channels: 256, stride: 1, residual: true },
  ],
  pooling: 'gdc',
  embeddingDim: 128,
};

export const DEFAULT_INPUT: InputSpec = { mean: [0.5, 0.5, 0.5], std: [0.5, 0.5, 0.5], resize: 'area' };

/** Limits that keep every buffer well inside the smallest storage-binding limit we support (128 MiB). */
const MAX_INPUT_SIZE = 256;
const MAX_CHANNELS = 2048;

/** Output side of a 3×3, padding-1 convolution. */
export function convOutSize(size: number, stride: number): number {
  return Math.floor((size - 1) / stride) + 1;
}

function fail(message: string): never {
  throw new WeightsFormatError('unsupported-architecture', message);
}

function positiveInt(value: unknown, what: string, max: number): number {
  if (typeof value !== 'number' || !Number.isInteger(value) || value < 1 || value > max) {
    fail(`${what} must be an integer in [1, ${max}], got ${JSON.stringify(value)}`);
  }
  return value;
}

function stride(value: unknown, what: string): 1 | 2 {
  if (value !== 1 && value !== 2) fail(`${what} must be 1 or 2, got ${JSON.stringify(value)}`);
  return value;
}

/** Checks an untrusted header object and returns a typed architecture, or throws `WeightsFormatError`. */
export function parseArchitecture(raw: unknown): Architecture {
  if (typeof raw !== 'object' || raw === null) fail('architecture is missing');
  const a = raw as Record<string, unknown>;
  const inputSize = positiveInt(a.inputSize, 'architecture.inputSize', MAX_INPUT_SIZE);
  if (a.activation !== 'prelu' && a.activation !== 'relu') {
    fail(`architecture.activation must be "prelu" or "relu", got ${JSON.stringify(a.activation)}`);
  }
  const stem = (a.stem ?? {}) as Record<string, unknown>;
  const stemSpec = {
    channels: positiveInt(stem.channels, 'architecture.stem.channels', MAX_CHANNELS),
    stride: stride(stem.stride, 'architecture.stem.stride'),
  };
  if (!Array.isArray(a.blocks) || a.blocks.length === 0) fail('architecture.blocks must be a non-empty array');
  let channels = stemSpec.channels;
  let size = convOutSize(inputSize, stemSpec.stride);
  const blocks = a.blocks.map((b: unknown, i: number): BlockSpec => {
    const block = (b ?? {}) as Record<string, unknown>;
    const spec: BlockSpec = {
      channels: positiveInt(block.channels, `architecture.blocks[${i}].channels`, MAX_CHANNELS),
      stride: stride(block.stride, `architecture.blocks[${i}].stride`),
      residual: block.residual === true,
    };
    if (block.residual !== undefined && typeof block.residual !== 'boolean') {
      fail(`architecture.blocks[${i}].residual must be a boolean`);
    }
    if (spec.residual && (spec.stride !== 1 || spec.channels !== channels)) {
      fail(`architecture.blocks[${i}] is residual but changes shape (stride ${spec.stride}, ${channels}→${spec.channels})`);
    }
    channels = spec.channels;
    size = convOutSize(size, spec.stride);
    return spec;
  });
  if (a.pooling !== 'gdc' && a.pooling !== 'avg') {
    fail(`architecture.pooling must be "gdc" or "avg", got ${JSON.stringify(a.pooling)}`);
  }
  return {
    inputSize,
    activation: a.activation,
    stem: stemSpec,
    blocks,
    pooling: a.pooling,
    embeddingDim: positiveInt(a.embeddingDim, 'architecture.embeddingDim', MAX_CHANNELS),
  };
}

/** Checks the `input` section of a header; missing fields take the defaults. */
export function parseInputSpec(raw: unknown): InputSpec {
  if (raw === undefined) return DEFAULT_INPUT;
  if (typeof raw !== 'object' || raw === null) fail('input must be an object');
  const r = raw as Record<string, unknown>;
  const triple = (v: unknown, what: string, fallback: [number, number, number], positive: boolean) => {
    if (v === undefined) return fallback;
    if (!Array.isArray(v) || v.length !== 3 || !v.every((x) => typeof x === 'number' && Number.isFinite(x))) {
      fail(`input.${what} must be three finite numbers`);
    }
    if (positive && v.some((x) => x <= 0)) fail(`input.${what} must be positive`);
    return v as [number, number, number];
  };
  const resize = r.resize ?? DEFAULT_INPUT.resize;
  if (resize !== 'area' && resize !== 'bilinear') fail(`input.resize must be "area" or "bilinear", got ${JSON.stringify(resize)}`);
  return {
    mean: triple(r.mean, 'mean', DEFAULT_INPUT.mean, false),
    std: triple(r.std, 'std', DEFAULT_INPUT.std, true),
    resize,
    crop: r.crop,
  };
}

/** One tensor the architecture expects, with its exact shape. */
export interface TensorSpec {
  name: string;
  shape: number[];
}

/**
 * The tensors an architecture needs, in file order. This list is the single source of truth for names and
 * shapes: the reader checks files against it and the model builds its layers from it.
 */
export function expectedTensors(arch: Architecture): TensorSpec[] {
  const out: TensorSpec[] = [];
  const prelu = arch.activation === 'prelu';
  const conv = (name: string, shape: number[]) => {
    out.push({ name: `${name}.weight`, shape }, { name: `${name}.bias`, shape: [shape[0]] });
    if (prelu) out.push({ name: `${name}.prelu`, shape: [shape[0]] });
  };
  conv('stem', [arch.stem.channels, 3, 3, 3]);
  let channels = arch.stem.channels;
  let size = convOutSize(arch.inputSize, arch.stem.stride);
  arch.blocks.forEach((b, i) => {
    conv(`blocks.${i}.dw`, [channels, 1, 3, 3]);
    conv(`blocks.${i}.pw`, [b.channels, channels, 1, 1]);
    channels = b.channels;
    size = convOutSize(size, b.stride);
  });
  if (arch.pooling === 'gdc') {
    out.push({ name: 'pool.weight', shape: [channels, 1, size, size] }, { name: 'pool.bias', shape: [channels] });
  }
  out.push({ name: 'fc.weight', shape: [arch.embeddingDim, channels] }, { name: 'fc.bias', shape: [arch.embeddingDim] });
  return out;
}

/** Number of learned scalars (BatchNorm already folded). */
export function parameterCount(arch: Architecture): number {
  return expectedTensors(arch).reduce((sum, t) => sum + t.shape.reduce((a, b) => a * b, 1), 0);
}
