import { WeightsFormatError, type WeightsFormatErrorCode } from '../errors.js';

/**
 * The student family described in docs/weights-format.md; every field comes from the weights header. A 3×3 stem,
 * then blocks of two kinds (each keeps or halves the map, and may add its input back), an optional 1×1 head, a
 * global pooling and a fully connected layer to the embedding.
 */
export interface Architecture {
  inputSize: number;
  activation: Activation;
  stem: { channels: number; stride: 1 | 2 };
  blocks: BlockSpec[];
  /** A 1×1 conv + act after the last block, before the pooling (MobileFaceNet's wide layer); absent: none. */
  head?: { channels: number };
  pooling: 'gdc' | 'avg';
  embeddingDim: number;
}
type Activation = 'prelu' | 'relu';

interface BlockBase {
  /** Output channels. */
  channels: number;
  stride: 1 | 2;
  /** Adds the block's input to its output: only with stride 1 and unchanged channels. */
  residual: boolean;
}

/**
 * Depthwise-separable: 3×3 depthwise (stride, padding 1) → act → 1×1 pointwise to `channels` → act. `type` is
 * absent in parsed architectures (what the Python writer writes); a file may also say "dsc".
 */
interface DscBlock extends BlockBase {
  type?: 'dsc';
}

/**
 * Inverted residual (MobileNetV2, MobileFaceNet): 1×1 expansion to `expand`·C → act → 3×3 depthwise (stride,
 * padding 1) → act → linear 1×1 projection to `channels` (no activation, so the residual sum is not clipped).
 */
interface IrBlock extends BlockBase {
  type: 'ir';
  expand: number;
}

type BlockSpec = DscBlock | IrBlock;

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
/** Blocks in the network (the default has 7): each is two or three dispatches per batch, so this bounds the plan too. */
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

/**
 * Refuses a key this reader does not know: in the architecture it could only mean a network other than the one the
 * known keys describe (a block type from a newer writer, a misspelt `expand`), and running that would be garbage.
 */
function knownKeys(o: Record<string, unknown>, known: readonly string[], what: string): void {
  const unknown = Object.keys(o).find((k) => !known.includes(k));
  if (unknown !== undefined) {
    fail(`${what} has the unknown key ${JSON.stringify(unknown)} (known: ${known.join(', ')})`);
  }
}

const ARCHITECTURE_KEYS = ['inputSize', 'activation', 'stem', 'blocks', 'head', 'pooling', 'embeddingDim'] as const;
const BLOCK_KEYS = {
  dsc: ['channels', 'stride', 'residual', 'type'],
  ir: ['channels', 'stride', 'residual', 'type', 'expand'],
};

function parseBlock(raw: unknown, i: number, inChannels: number): BlockSpec {
  const what = `architecture.blocks[${i}]`;
  if (!isObject(raw)) fail(`${what} must be an object`);
  const block = raw as Record<string, unknown>;
  const type = block.type === undefined ? 'dsc' : block.type;
  if (type !== 'dsc' && type !== 'ir') fail(`${what}.type must be "dsc" or "ir", got ${JSON.stringify(block.type)}`);
  knownKeys(block, BLOCK_KEYS[type], `${what} (type ${type})`);
  if (block.residual !== undefined && typeof block.residual !== 'boolean') fail(`${what}.residual must be a boolean`);
  const common = {
    channels: positiveInt(block.channels, `${what}.channels`, MAX_CHANNELS),
    stride: stride(block.stride, `${what}.stride`),
    residual: block.residual === true,
  };
  if (common.residual && (common.stride !== 1 || common.channels !== inChannels)) {
    fail(`${what} is residual but changes shape (stride ${common.stride}, ${inChannels}→${common.channels})`);
  }
  if (type === 'dsc') return common;
  // The expanded layers' channel count obeys the same bound as every other layer's.
  const maxExpand = Math.floor(MAX_CHANNELS / inChannels);
  const { expand } = block;
  if (typeof expand !== 'number' || !Number.isInteger(expand) || expand < 1 || expand > maxExpand) {
    fail(
      `${what}.expand must be an integer in [1, ${maxExpand}] (${inChannels} input channels × expand ≤ ${MAX_CHANNELS}), got ${JSON.stringify(expand)}`,
    );
  }
  return { ...common, type, expand };
}

/** Checks an untrusted header object and returns a typed architecture, or throws `WeightsFormatError`. */
export function parseArchitecture(raw: unknown): Architecture {
  if (!isObject(raw)) fail('architecture is missing or not an object');
  const a = raw as Record<string, unknown>;
  knownKeys(a, ARCHITECTURE_KEYS, 'architecture');
  const inputSize = positiveInt(a.inputSize, 'architecture.inputSize', MAX_INPUT_SIZE);
  if (a.activation !== 'prelu' && a.activation !== 'relu') {
    fail(`architecture.activation must be "prelu" or "relu", got ${JSON.stringify(a.activation)}`);
  }
  if (!isObject(a.stem)) fail('architecture.stem must be an object');
  const stem = a.stem as Record<string, unknown>;
  knownKeys(stem, ['channels', 'stride'], 'architecture.stem');
  const stemSpec = {
    channels: positiveInt(stem.channels, 'architecture.stem.channels', MAX_CHANNELS),
    stride: stride(stem.stride, 'architecture.stem.stride'),
  };
  if (!Array.isArray(a.blocks) || a.blocks.length === 0 || a.blocks.length > MAX_BLOCKS) {
    fail(`architecture.blocks must be an array of 1 to ${MAX_BLOCKS} blocks`);
  }
  let channels = stemSpec.channels;
  const blocks = a.blocks.map((b: unknown, i: number) => {
    const spec = parseBlock(b, i, channels);
    channels = spec.channels;
    return spec;
  });
  let head: Architecture['head'];
  if (a.head !== undefined) {
    if (!isObject(a.head)) fail('architecture.head must be an object');
    const h = a.head as Record<string, unknown>;
    knownKeys(h, ['channels'], 'architecture.head');
    head = { channels: positiveInt(h.channels, 'architecture.head.channels', MAX_CHANNELS) };
  }
  if (a.pooling !== 'gdc' && a.pooling !== 'avg') {
    fail(`architecture.pooling must be "gdc" or "avg", got ${JSON.stringify(a.pooling)}`);
  }
  return {
    inputSize,
    activation: a.activation,
    stem: stemSpec,
    blocks,
    ...(head && { head }),
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
  // A convolution's weight [O, C/groups, K, K] (1×1 ones too, as PyTorch stores them) and bias; its PReLU slopes
  // when it has an activation and the activation is PReLU.
  const conv = (name: string, shape: number[], activated = true) => {
    out.push({ name: `${name}.weight`, shape }, { name: `${name}.bias`, shape: [shape[0]] });
    if (activated && prelu) out.push({ name: `${name}.prelu`, shape: [shape[0]] });
  };
  conv('stem', [arch.stem.channels, 3, 3, 3]);
  let channels = arch.stem.channels;
  let size = convOutSize(arch.inputSize, arch.stem.stride);
  arch.blocks.forEach((b, i) => {
    if (b.type === 'ir') {
      const expanded = channels * b.expand;
      conv(`blocks.${i}.expand`, [expanded, channels, 1, 1]);
      conv(`blocks.${i}.dw`, [expanded, 1, 3, 3]);
      conv(`blocks.${i}.project`, [b.channels, expanded, 1, 1], false);
    } else {
      conv(`blocks.${i}.dw`, [channels, 1, 3, 3]);
      conv(`blocks.${i}.pw`, [b.channels, channels, 1, 1]);
    }
    channels = b.channels;
    size = convOutSize(size, b.stride);
  });
  if (arch.head) {
    conv('head', [arch.head.channels, channels, 1, 1]);
    channels = arch.head.channels;
  }
  if (arch.pooling === 'gdc') conv('pool', [channels, 1, size, size], false);
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
