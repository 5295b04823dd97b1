/**
 * `bridgeface enroll <folders…> --out g.bfg`: one folder per person (its name is the label); each image
 * contributes the embedding of its largest face, detected and aligned exactly as `identify` does it, so
 * gallery and probes go through the same pipeline.
 */
import { stat, writeFile } from 'node:fs/promises';
import path from 'node:path';
import type { Command } from 'commander';
import { cropFaces } from '../api/detect-faces.js';
import { Gallery } from '../api/gallery.js';
import { type CliIo, openRecognizer } from './context.js';
import { type DetectorCliOptions, addDetectorOptions, detectOptions, forEachImage, openDetector } from './detect.js';
import { type RecognizerCliOptions, addRecognizerOptions } from './identify.js';
import type { CommandContext } from './main.js';

interface EnrollCliOptions extends DetectorCliOptions, RecognizerCliOptions {
  out: string;
}

async function enrollCommand(folders: string[], o: EnrollCliOptions, io: CliIo): Promise<number> {
  const [rec, detector] = [await openRecognizer({ ...o, crop: 'none' }, io), await openDetector(o)];
  const gallery = new Gallery({ dim: rec.info.embeddingDim, search: 'cpu' });
  let problems = 0;
  try {
    for (const folder of folders) {
      if (!(await stat(folder).catch(() => undefined))?.isDirectory()) {
        io.stderr(`bridgeface: ${folder}: not a folder (enroll takes one folder per person)\n`);
        problems++;
        continue;
      }
      const label = path.basename(path.resolve(folder));
      const embeddings: Float32Array[] = [];
      const { failed } = await forEachImage([folder], io, async (file, image) => {
        const faces = await detector.detect(image, detectOptions(o));
        if (faces.length === 0) {
          io.stderr(`bridgeface: ${file}: no face found; not enrolled\n`);
          problems++;
          return;
        }
        const largest = faces.reduce((a, b) => (b.box.width * b.box.height > a.box.width * a.box.height ? b : a));
        const [crop] = cropFaces(image, [largest], detector.info.family, o.align);
        embeddings.push((await rec.embed([crop.chip]))[0]);
      });
      problems += failed;
      if (embeddings.length === 0) {
        io.stderr(`bridgeface: ${label}: no usable image; not enrolled\n`);
        continue;
      }
      gallery.add(label, embeddings);
      io.stdout(`${label}: ${embeddings.length} face${embeddings.length === 1 ? '' : 's'}\n`);
    }
    if (gallery.size === 0) {
      io.stderr('bridgeface: nothing enrolled; no gallery written\n');
      return 1;
    }
    await writeFile(o.out, gallery.save());
    io.stdout(`wrote ${o.out}: ${gallery.labels().length} people, ${gallery.rows} embeddings\n`);
    return problems > 0 ? 1 : 0;
  } finally {
    detector.dispose();
    rec.dispose();
    gallery.dispose();
  }
}

export function registerEnroll(program: Command, { io, done }: CommandContext): void {
  addRecognizerOptions(
    addDetectorOptions(
      program
        .command('enroll')
        .argument('<folders...>', 'one folder of images per person (the folder name is the label)'),
    ),
  )
    .description(
      'build a gallery (.bfg) from one folder per person: the largest face of each image, detected and aligned',
    )
    .requiredOption('--out <file>', 'the gallery file to write')
    .action(async (folders: string[], o) => done(await enrollCommand(folders, o, io)));
}
