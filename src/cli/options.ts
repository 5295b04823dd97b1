/**
 * Option parsing shared by the commands: sizes, crops, the common embedding options, and the preprocessing they
 * select. A value that does not parse is a usage error (exit 2) with a one-line message.
 */
import { type Command, InvalidArgumentError, Option } from 'commander';
import type { PrepareOptions } from '../api/prepare.js';
import type { FaceBox } from '../runtime/image.js';

export interface CommonOptions {
  size?: number;
  backend: 'auto' | 'cpu' | 'webgpu';
  weights?: string;
  crop: 'framed' | 'none' | FaceBox;
  mirror?: boolean;
}

/** Face sizes the shipped student was trained on (training/README.md: 8–32 px synthetic faces). */
const TRAINED_SIZES = { min: 8, max: 32 } as const;

function parseSize(value: string): number {
  const n = Number(value);
  if (!Number.isInteger(n) || n < 1 || n > 1024)
    throw new InvalidArgumentError(`"${value}" is not an integer from 1 to 1024 (pixels)`);
  return n;
}

export function parseCount(value: string): number {
  const n = Number(value);
  if (!Number.isInteger(n) || n < 1) throw new InvalidArgumentError(`"${value}" is not a positive integer`);
  return n;
}

function parseCrop(value: string): CommonOptions['crop'] {
  if (value === 'framed' || value === 'none') return value;
  const parts = value.split(',').map(Number);
  if (parts.length !== 4 || !parts.every(Number.isFinite) || parts[2] <= 0 || parts[3] <= 0) {
    throw new InvalidArgumentError(`"${value}" is not 'framed', 'none' or x,y,width,height in pixels`);
  }
  return { x: parts[0], y: parts[1], width: parts[2], height: parts[3] };
}

export function parseSizes(value: string): Array<number | 'hr'> {
  return value.split(',').map((s) => (s.trim().toLowerCase() === 'hr' ? 'hr' : parseSize(s.trim())));
}

export function prepareOptions(o: Pick<CommonOptions, 'size' | 'crop'>): PrepareOptions {
  return { size: o.size, ...(typeof o.crop === 'object' ? { box: o.crop } : { framing: o.crop }) };
}

/** A warning for face sizes outside what the student was trained on, or undefined. */
export function sizeWarning(size: number | undefined): string | undefined {
  if (size === undefined) return undefined;
  if (size < TRAINED_SIZES.min)
    return `--size ${size} is below the trained range (${TRAINED_SIZES.min}–${TRAINED_SIZES.max} px): expect lower accuracy than any table states`;
  if (size > TRAINED_SIZES.max)
    return `--size ${size} is above the network's ${TRAINED_SIZES.max}-px input: the face is resized to ${TRAINED_SIZES.max} px anyway`;
  return undefined;
}

const CROP_HELP =
  "face box: 'framed' (default) = the image is framed like LFW (square, face centred, ~45 % of the side) and the loose " +
  "box of that framing is cropped; 'none' = the whole image is the face; x,y,w,h = an explicit box (e.g. from a face detector)";

/** Options every embedding command takes; `embed`, `verify` and `eval-lfw` share the preprocessing defaults. */
export function addCommon(command: Command, withSize: boolean): Command {
  if (withSize) {
    command.addOption(
      new Option(
        '--size <N>',
        'degrade each face to N×N (area downsample) first, to simulate low resolution',
      ).argParser(parseSize),
    );
  }
  return command
    .addOption(
      new Option('--backend <kind>', 'where the network runs').choices(['auto', 'cpu', 'webgpu']).default('auto'),
    )
    .option('--weights <file>', 'a .bfw weights file (default: the shipped student)')
    .addOption(new Option('--crop <box>', CROP_HELP).argParser(parseCrop).default('framed'))
    .option(
      '--mirror',
      'average each embedding with that of the mirrored face (twice the work; thresholds were calibrated without)',
    );
}
