/**
 * Image files for the CLI: expanding files and folders, and decoding with sharp (JPEG, PNG and the other formats
 * libvips reads) to RGBA8. Every problem is an ImageFileError naming the file, so a batch reports it and goes on.
 * Only regular files are opened (a FIFO or device would block or never end), and decoding refuses images above a
 * pixel limit before allocating them (a small PNG can declare 16000×16000).
 */
import { readdir, stat } from 'node:fs/promises';
import path from 'node:path';
import type { Sharp, SharpOptions } from 'sharp';
import { BridgefaceError } from '../errors.js';
import type { RgbaImage } from '../runtime/image.js';
import { CliError } from './context.js';

/** Extensions picked up when a folder is given (files named explicitly are always tried). */
const IMAGE_EXTENSIONS = new Set(['.jpg', '.jpeg', '.jpe', '.jfif', '.png', '.webp']);

/** Decoding refuses images with more pixels than this (--max-pixels): 40 MP is a 7300×5500 photo, 160 MB as RGBA. */
export const DEFAULT_MAX_PIXELS = 40_000_000;

/** A file the CLI could not use; the message names it. */
export class ImageFileError extends BridgefaceError<'unreadable-image'> {
  override readonly name = 'ImageFileError';
  constructor(
    readonly file: string,
    reason: string,
  ) {
    super('unreadable-image', `${file}: ${reason}`);
  }
}

/**
 * Files in input order: a file as given, a folder as its image files (recursively, sorted by path). Paths that do
 * not exist, are not regular files, or are folders without images are returned as errors in place.
 */
export async function expandInputs(inputs: readonly string[]): Promise<Array<string | ImageFileError>> {
  const out: Array<string | ImageFileError> = [];
  for (const input of inputs) {
    const info = await stat(input).catch(() => undefined);
    if (!info) out.push(new ImageFileError(input, 'no such file or folder'));
    else if (info.isDirectory()) {
      const images = await listImages(input);
      out.push(
        ...(images.length > 0
          ? images
          : [new ImageFileError(input, `folder holds no images (${[...IMAGE_EXTENSIONS].join(', ')})`)]),
      );
    } else if (!info.isFile())
      out.push(new ImageFileError(input, 'not a regular file (a pipe, socket or device); skipped'));
    else out.push(input);
  }
  return out;
}

async function listImages(dir: string): Promise<string[]> {
  const entries = await readdir(dir, { withFileTypes: true, recursive: true });
  return entries
    .filter((e) => e.isFile() && IMAGE_EXTENSIONS.has(path.extname(e.name).toLowerCase()))
    .map((e) => path.join(e.parentPath ?? (e as unknown as { path: string }).path, e.name))
    .sort((a, b) => (a < b ? -1 : a > b ? 1 : 0));
}

let sharpModule: Promise<(input: string, options?: SharpOptions) => Sharp> | undefined;

/** sharp is an optional peer dependency (browser apps never need it): load it on first use, or say how to get it. */
function loadSharp(): Promise<(input: string, options?: SharpOptions) => Sharp> {
  sharpModule ??= import('sharp').then(
    (m) => m.default,
    (e: Error) => {
      sharpModule = undefined;
      throw new CliError(
        'missing-dependency',
        `the command line decodes images with the optional 'sharp' package: npm install sharp (${e.message.split('\n')[0]})`,
      );
    },
  );
  return sharpModule;
}

/** Decodes an image file to RGBA8 (EXIF orientation applied), refusing more than `maxPixels` pixels. */
export async function decodeImage(file: string, maxPixels = DEFAULT_MAX_PIXELS): Promise<RgbaImage> {
  const sharp = await loadSharp();
  const info = await stat(file).catch(() => undefined);
  if (!info) throw new ImageFileError(file, 'no such file');
  if (!info.isFile()) throw new ImageFileError(file, 'not a regular file (a pipe, socket or device); skipped');
  try {
    const { data, info: out } = await sharp(file, { limitInputPixels: maxPixels })
      .rotate()
      .ensureAlpha()
      .raw()
      .toBuffer({ resolveWithObject: true });
    if (out.channels !== 4) throw new Error(`decoded to ${out.channels} channels`);
    return { data: new Uint8Array(data.buffer, data.byteOffset, data.length), width: out.width, height: out.height };
  } catch (e) {
    const message = (e as Error).message.split('\n')[0];
    if (/pixel limit/i.test(message))
      throw new ImageFileError(file, `larger than ${maxPixels.toLocaleString('en')} pixels (--max-pixels); skipped`);
    const unreadable =
      /unsupported image format|bad seek|corrupt|premature|VipsJpeg|pngload|Input file is missing/i.test(message);
    throw new ImageFileError(file, unreadable ? `not a readable image (${message})` : message);
  }
}

/**
 * Whether an image could be LFW-framed, as `--crop framed` assumes: LFW deep-funneled images are square with the
 * face centred. Only the shape is checked (a detector would be needed to find the face); a non-square image gets
 * a warning naming the alternatives.
 */
export function framingWarning(file: string, image: RgbaImage): string | undefined {
  const ratio = image.width / image.height;
  if (Math.abs(ratio - 1) <= 0.05) return undefined;
  return (
    `${file} is ${image.width}×${image.height}, not square like an LFW-framed image: --crop framed assumes the face is ` +
    'centred and fills ~45 % of the side; pass --crop x,y,w,h (a face box) or --crop none (the whole image is the face)'
  );
}
