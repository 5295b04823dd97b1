/** `bridgeface identify <images…> --gallery g.bfg`: every face in each image, named from a saved gallery or "unknown". */
import { readFile } from 'node:fs/promises';
import { type Command, InvalidArgumentError, Option } from 'commander';
import { Gallery } from '../api/gallery.js';
import { type CliIo, openRecognizer } from './context.js';
import {
  type DetectorCliOptions,
  addDetectorOptions,
  detectOptions,
  faceJson,
  forEachImage,
  openDetector,
} from './detect.js';
import type { CommandContext } from './main.js';

/** The recognizer options `identify` and `enroll` share. */
export interface RecognizerCliOptions {
  align: boolean;
  backend: 'auto' | 'cpu' | 'webgpu';
  weights?: string;
  verbose?: boolean;
}

interface IdentifyCliOptions extends DetectorCliOptions, RecognizerCliOptions {
  gallery: string;
  k: number;
  far: string;
  json?: boolean;
}

/** The recognizer options of `identify` and `enroll`. */
export function addRecognizerOptions(command: Command): Command {
  return command
    .addOption(
      new Option('--backend <kind>', 'where the recognition network runs')
        .choices(['auto', 'cpu', 'webgpu'])
        .default('auto'),
    )
    .option('--weights <file>', 'a .bfw weights file (default: the shipped student)')
    .option('--no-align', 'crop the loose box from the detector box instead of aligning by the landmarks');
}

async function identifyCommand(inputs: string[], o: IdentifyCliOptions, io: CliIo): Promise<number> {
  const gallery = Gallery.load(await readFile(o.gallery));
  const [rec, detector] = [await openRecognizer({ ...o, crop: 'none' }, io), await openDetector(o)];
  try {
    const images: unknown[] = [];
    const far = Number(o.far) as 1e-2 | 1e-3;
    const { failed, total } = await forEachImage(inputs, io, async (file, image) => {
      const faces = await rec.identifyFaces(image, gallery, {
        ...detectOptions(o),
        detector,
        k: o.k,
        far,
        align: o.align,
      });
      const rows = faces.map((f) => ({
        ...faceJson(f),
        alignment: f.alignment,
        faceSize: f.faceSize,
        label: f.label ?? 'unknown',
        similarity: f.candidates[0] ? Math.round(f.candidates[0].similarity * 10_000) / 10_000 : null,
        threshold: f.threshold,
        calibratedSize: f.calibratedSize,
        candidates: f.candidates.map((c) => ({
          label: c.label,
          similarity: Math.round(c.similarity * 10_000) / 10_000,
        })),
      }));
      images.push({ file, width: image.width, height: image.height, faces: rows });
      if (!o.json) {
        io.stdout(`${file} (${image.width}×${image.height}): ${rows.length} face${rows.length === 1 ? '' : 's'}\n`);
        for (const f of rows) {
          const others = f.candidates
            .slice(1)
            .map((c) => `${c.label} ${c.similarity.toFixed(3)}`)
            .join(', ');
          io.stdout(
            `  ${f.box.x},${f.box.y} ${f.box.width}×${f.box.height}  ${f.label}${f.similarity === null ? '' : ` (${f.similarity.toFixed(3)})`}${others ? `  next: ${others}` : ''}\n`,
          );
        }
      }
    });
    if (o.json) io.stdout(`${JSON.stringify({ gallery: o.gallery, far, images })}\n`);
    if (failed > 0) io.stderr(`bridgeface: ${failed} of ${total} inputs failed\n`);
    return failed > 0 ? 1 : 0;
  } finally {
    detector.dispose();
    rec.dispose();
    gallery.dispose();
  }
}

function parseK(value: string): number {
  const n = Number(value);
  if (!(Number.isInteger(n) && n >= 1 && n <= 100)) throw new InvalidArgumentError('expected an integer from 1 to 100');
  return n;
}

export function registerIdentify(program: Command, { io, done }: CommandContext): void {
  addRecognizerOptions(
    addDetectorOptions(program.command('identify').argument('<images...>', 'image files or folders')),
  )
    .description('detect every face in each image and name it from a gallery (bridgeface enroll), or "unknown"')
    .requiredOption('--gallery <file>', 'a saved gallery (.bfg)')
    .addOption(new Option('--k <n>', 'candidates per face').argParser(parseK).default(5))
    .addOption(
      new Option('--far <rate>', 'false-accept rate of the threshold between a name and "unknown"')
        .choices(['1e-2', '1e-3', '0.01', '0.001'])
        .default('1e-3'),
    )
    .option('--json', 'print one JSON object')
    .action(async (inputs: string[], o) => done(await identifyCommand(inputs, o, io)));
}
