import { WeightsFormatError, type WeightsFormatErrorCode } from '../errors.js';

/** The student family described in docs/weights-format.md; every field comes from the weights header. */
export interface Architecture {
  inputSize: number;
  activation: Activation;
  stem: { channels: number; stride: 1 | 2 };
  blocks: BlockSpec[];
  pooling: 'gdc' | 'avg';
  embeddingDim: number;
}
type Activation = 'prelu' | 'relu';
interface BlockSpec {
  channels: number;
  stride: 1 | 2;
  residual: boolean;
}

/** How raw pixels become the network input (see docs/weights-format.md, "Preprocessing" and "Crop conventions"). */
export interface InputSpec {
  mean: [number, number, number];
  std: [number, number, number];
  resize: ResizeMode;
  crop?: CropSpec;
}
export type ResizeMode = 'area' | 'bilinear';

/** A box in pixels: finite x, y and positive, finite width and height. */
interface CropBox {
  x: number;
  y: number;
  width: number;
  height: number;
}

/** The face-box conventions the student was trained with; each is optional, unknown keys are ignored. */
interface CropSpec {
  /** The aligned face chip: pass the whole chip. */
  aligned?: { convention?: string };
  /** A fixed box in a `frame`×`frame` image of a known framing (LFW deep-funneled), scaled to the image size. */
  loose?: { convention?: string; frame: number; box: CropBox; jitterTrained?: { scale: number; shift: number } };
  /** From a detector's box of side s: a square of side `scale`·s centred at the box centre + (dx, dy)·s. */
  detector?: { convention?: string; scale: number; dx: number; dy: number };
}

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
/** Blocks in the network (the default has 7): each is two dispatches per batch, so this bounds the plan too. */
const MAX_BLOCKS = 256;

/**
 * What one face may cost, checked when the header is parsed (`unsupported-architecture`), before anything is
 * allocated: a small file must not demand gigabytes. The largest activation tensor of one face may take 1 MiB
 * (8× the default student's 128 KiB), so a 128-face batch of it fits a 128 MiB storage binding; a face may take
 * 2^28 multiply–accumulates (37× the default's 7.1 M).
 */
export const ARCHITECTURE_LIMITS = { activationBytesPerFace: 1 << 20, macsPerFace: 2 ** 28 } as const;

/** Output side of a 3×3, padding-1 convolution. */
export function convOutSize(size: number, stride: number): number {
  return Math.floor((size - 1) / stride) + 1;
}

function fail(message: string, code: WeightsFormatErrorCode = 'unsupported-architecture'): never {
  throw new WeightsFormatError(code, message);
}

const isObject = (v: unknown): v is Record<string, unknown> => typeof v === 'object' && v !== null && !Array.isArray(v);

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
  if (!isObject(raw)) fail('architecture is missing or not an object');
  const a = raw as Record<string, unknown>;
  const inputSize = positiveInt(a.inputSize, 'architecture.inputSize', MAX_INPUT_SIZE);
  if (a.activation !== 'prelu' && a.activation !== 'relu') {
    fail(`architecture.activation must be "prelu" or "relu", got ${JSON.stringify(a.activation)}`);
  }
  if (!isObject(a.stem)) fail('architecture.stem must be an object');
  const stem = a.stem as Record<string, unknown>;
  const stemSpec = {
    channels: positiveInt(stem.channels, 'architecture.stem.channels', MAX_CHANNELS),
    stride: stride(stem.stride, 'architecture.stem.stride'),
  };
  if (!Array.isArray(a.blocks) || a.blocks.length === 0 || a.blocks.length > MAX_BLOCKS) {
    fail(`architecture.blocks must be an array of 1 to ${MAX_BLOCKS} blocks`);
  }
  let channels = stemSpec.channels;
  const blocks = a.blocks.map((b: unknown, i: number): BlockSpec => {
    if (!isObject(b)) fail(`architecture.blocks[${i}] must be an object`);
    const block = b as Record<string, unknown>;
    const spec: BlockSpec = {
      channels: positiveInt(block.channels, `architecture.blocks[${i}].channels`, MAX_CHANNELS),
      stride: stride(block.stride, `architecture.blocks[${i}].stride`),
      residual: block.residual === true,
    };
    if (block.residual !== undefined && typeof block.residual !== 'boolean') {
      fail(`architecture.blocks[${i}].residual must be a boolean`);
    }
    if (spec.residual && (spec.stride !== 1 || spec.channels !== channels)) {
      fail(
        `architecture.blocks[${i}] is residual but changes shape (stride ${spec.stride}, ${channels}→${spec.channels})`,
      );
    }
    channels = spec.channels;
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

const badInput = (message: string): never => fail(message, 'bad-input');

/** A finite number, optionally within [min, max] or strictly positive; else `bad-input` naming `what`. */
function finite(v: unknown, what: string, range: { min?: number; max?: number; positive?: boolean } = {}): number {
  const { min = -Infinity, max = Infinity, positive = false } = range;
  if (typeof v !== 'number' || !Number.isFinite(v) || v < min || v > max || (positive && v <= 0)) {
    const want = positive
      ? 'a positive finite number'
      : Number.isFinite(min) || Number.isFinite(max)
        ? `a number in [${min}, ${max}]`
        : 'a finite number';
    badInput(`${what} must be ${want}, got ${JSON.stringify(v)}`);
  }
  return v as number;
}

/** An optional free-text field: absent, or a string. */
function text(v: unknown, what: string): { convention?: string } {
  if (v !== undefined && typeof v !== 'string') badInput(`${what} must be a string, got ${JSON.stringify(v)}`);
  return v === undefined ? {} : { convention: v as string };
}

function section(v: unknown, what: string): Record<string, unknown> {
  if (!isObject(v)) badInput(`${what} must be an object, got ${JSON.stringify(v)}`);
  return v as Record<string, unknown>;
}

/** Checks `input.crop`: every convention present is fully typed and in range. */
function parseCrop(raw: unknown): CropSpec {
  const r = section(raw, 'input.crop');
  const crop: CropSpec = {};
  if (r.aligned !== undefined)
    crop.aligned = text(section(r.aligned, 'input.crop.aligned').convention, 'input.crop.aligned.convention');
  if (r.loose !== undefined) {
    const l = section(r.loose, 'input.crop.loose');
    const b = section(l.box, 'input.crop.loose.box');
    crop.loose = {
      ...text(l.convention, 'input.crop.loose.convention'),
      frame: finite(l.frame, 'input.crop.loose.frame', { positive: true }),
      box: {
        x: finite(b.x, 'input.crop.loose.box.x'),
        y: finite(b.y, 'input.crop.loose.box.y'),
        width: finite(b.width, 'input.crop.loose.box.width', { positive: true }),
        height: finite(b.height, 'input.crop.loose.box.height', { positive: true }),
      },
    };
    if (l.jitterTrained !== undefined) {
      const j = section(l.jitterTrained, 'input.crop.loose.jitterTrained');
      crop.loose.jitterTrained = {
        scale: finite(j.scale, 'input.crop.loose.jitterTrained.scale', { min: 0, max: 1 }),
        shift: finite(j.shift, 'input.crop.loose.jitterTrained.shift', { min: 0, max: 1 }),
      };
    }
  }
  if (r.detector !== undefined) {
    const d = section(r.detector, 'input.crop.detector');
    crop.detector = {
      ...text(d.convention, 'input.crop.detector.convention'),
      scale: finite(d.scale, 'input.crop.detector.scale', { positive: true }),
      dx: finite(d.dx, 'input.crop.detector.dx'),
      dy: finite(d.dy, 'input.crop.detector.dy'),
    };
  }
  return crop;
}

/** Checks the `input` section of a header (`bad-input` for any bad value); missing fields take the defaults. */
export function parseInputSpec(raw: unknown): InputSpec {
  if (raw === undefined) return DEFAULT_INPUT;
  const r = section(raw, 'input');
  const triple = (
    v: unknown,
    what: string,
    fallback: [number, number, number],
    range: Parameters<typeof finite>[2],
  ) => {
    if (v === undefined) return fallback;
    if (!Array.isArray(v) || v.length !== 3) badInput(`input.${what} must be three numbers, got ${JSON.stringify(v)}`);
    return (v as unknown[]).map((x, i) => finite(x, `input.${what}[${i}]`, range)) as [number, number, number];
  };
  const resize = r.resize ?? DEFAULT_INPUT.resize;
  if (resize !== 'area' && resize !== 'bilinear')
    badInput(`input.resize must be "area" or "bilinear", got ${JSON.stringify(resize)}`);
  return {
    // x = (rgb/255 − mean) / std: a mean outside [0, 1] or a non-positive std is never a normalisation.
    mean: triple(r.mean, 'mean', DEFAULT_INPUT.mean, { min: 0, max: 1 }),
    std: triple(r.std, 'std', DEFAULT_INPUT.std, { positive: true }),
    resize: resize as ResizeMode,
    ...(r.crop === undefined ? {} : { crop: parseCrop(r.crop) }),
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
  out.push(
    { name: 'fc.weight', shape: [arch.embeddingDim, channels] },
    { name: 'fc.bias', shape: [arch.embeddingDim] },
  );
  return out;
}

/** Number of learned scalars (BatchNorm already folded). */
export function parameterCount(arch: Architecture): number {
  return expectedTensors(arch).reduce((sum, t) => sum + t.shape.reduce((a, b) => a * b, 1), 0);
}
