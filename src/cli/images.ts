/**
 * Image files for the CLI: expanding files and folders, and decoding with sharp (JPEG, PNG and the other
 * formats libvips reads) to RGBA8. Errors name the file.
 */
import { readdir, stat } from 'node:fs/promises';
import path from 'node:path';
import sharp from 'sharp';
import { BridgefaceError } from '../errors.js';
import type { RgbaImage } from '../runtime/image.js';

/** Extensions picked up when a folder is given (files named explicitly are always tried). */
export const IMAGE_EXTENSIONS = new Set(['.jpg', '.jpeg', '.jpe', '.jfif', '.png', '.webp']);

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
 * Files in input order: a file as given, a folder as its image files (recursively, sorted by path).
 * Paths that do not exist are returned as errors in place, so the caller reports them and goes on.
 */
export async function expandInputs(inputs: readonly string[]): Promise<Array<string | ImageFileError>> {
  const out: Array<string | ImageFileError> = [];
  for (const input of inputs) {
    const info = await stat(input).catch(() => undefined);
    if (!info) out.push(new ImageFileError(input, 'no such file or folder'));
    else if (info.isDirectory()) out.push(...(await listImages(input)));
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

/** Decodes an image file to RGBA8 (EXIF orientation applied). */
export async function decodeImage(file: string): Promise<RgbaImage> {
  try {
    const { data, info } = await sharp(file).rotate().ensureAlpha().raw().toBuffer({ resolveWithObject: true });
    if (info.channels !== 4) throw new Error(`decoded to ${info.channels} channels`);
    return { data: new Uint8Array(data.buffer, data.byteOffset, data.length), width: info.width, height: info.height };
  } catch (e) {
    const message = (e as Error).message;
    const reason = /unsupported image format|bad seek|corrupt|premature|VipsJpeg|pngload|Input file is missing/i.test(message)
      ? `not a readable image (${message.split('\n')[0]})`
      : message.split('\n')[0];
    throw new ImageFileError(file, reason);
  }
}
