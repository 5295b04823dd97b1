/**
 * `bridgeface eval-lfw`: LFW View 2 through the runtime, with the protocol code of src/eval (pairs parsing,
 * 10-fold accuracy with the threshold chosen on the other folds, AUC, TAR at FAR) and the evaluation's
 * degradation (runtime/resize.ts via api/prepare.ts). This is the evaluation's "unaligned" variant: the fixed
 * loose box of the LFW framing. The "aligned" variant needs the landmark-alignment cache of the training
 * pipeline (`npm run eval`, training/eval.ts) and is not offered here.
 */
import { existsSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import path from 'node:path';
import type { Framing } from '../api/prepare.js';
import type { Recognizer } from '../api/recognizer.js';
import { type LfwPair, type VerificationReport, lfwImagePath, parsePairs, verificationReport } from '../eval/index.js';
import type { FaceBox, RgbaImage } from '../runtime/image.js';
import type { CliIo } from './context.js';
import { faceOf } from './faces.js';
import { decodeImage } from './images.js';
import { startProgress } from './progress.js';

export interface LfwOptions {
  pairs?: string;
  sizes: Array<number | 'hr'>;
  limit?: number;
  crop?: Framing | FaceBox;
  /** Mirror averaging (`embed(faces, { mirror: true })`). */
  mirror?: boolean;
}

export interface LfwReport {
  variant: 'unaligned';
  backend: string;
  adapter: string;
  trained: boolean;
  pairs: number;
  images: number;
  seconds: number;
  rows: Array<{ size: number | 'hr'; report: VerificationReport }>;
}

const BATCH = 128;

/** Scores LFW pairs at each size and returns one report row per size. */
export async function evalLfw(dir: string, options: LfwOptions, rec: Recognizer, io: CliIo): Promise<LfwReport> {
  const started = Date.now();
  try {
    // Accept the lfw/ folder itself or a data root that holds it.
    const lfwDir = existsSync(path.join(dir, 'lfw', 'images')) ? path.join(dir, 'lfw') : dir;
    const pairsFile = options.pairs ?? path.join(lfwDir, 'pairs.txt');
    let pairs = parsePairs(await readFile(pairsFile, 'utf8'));
    if (options.limit) pairs = limitPairs(pairs, options.limit);
    const file = (name: string, index: number) => path.join(lfwDir, lfwImagePath(name, index).replace(/^lfw\//, ''));
    const images = [...new Set(pairs.flatMap((p) => [file(p.name1, p.index1), file(p.name2, p.index2)]))].sort();
    const at = new Map(images.map((f, i) => [f, i]));
    const dim = rec.info.embeddingDim;
    const embeddings = options.sizes.map(() => new Float32Array(images.length * dim));
    const crop = options.crop ?? 'framed';
    const progress = startProgress(io.progress, images.length, 'images');
    // One decode per image, all sizes prepared from it; batches hold face-sized images only.
    let batch: RgbaImage[][] = options.sizes.map(() => []);
    let first = 0;
    const flush = async () => {
      for (const s of options.sizes.keys()) {
        const { data } = await rec.embedMatrix(batch[s], { mirror: options.mirror });
        embeddings[s].set(data, first * dim);
      }
      progress.increment(batch[0].length);
      first += batch[0].length;
      batch = options.sizes.map(() => []);
    };
    for (const file of images) {
      const image = await decodeImage(file);
      options.sizes.forEach((size, s) =>
        batch[s].push(faceOf(file, image, rec, { crop, size: size === 'hr' ? undefined : size })),
      );
      if (batch[0].length === BATCH) await flush();
    }
    if (batch[0].length > 0) await flush();
    progress.stop();
    const same = pairs.map((p) => p.same);
    const folds = pairs.map((p) => p.fold);
    const rows = options.sizes.map((size, s) => {
      const e = embeddings[s];
      const scores = pairs.map((p) => {
        const [i, j] = [at.get(file(p.name1, p.index1))!, at.get(file(p.name2, p.index2))!];
        return rec.similarity(e.subarray(i * dim, (i + 1) * dim), e.subarray(j * dim, (j + 1) * dim));
      });
      return { size, report: verificationReport(scores, same, folds) };
    });
    return {
      variant: 'unaligned',
      backend: rec.info.backend,
      adapter: rec.info.adapter,
      trained: rec.info.trained,
      pairs: pairs.length,
      images: images.length,
      seconds: (Date.now() - started) / 1000,
      rows,
    };
  } finally {
    rec.dispose();
  }
}

/** The first `n` same-person and `n` different-person pairs of every fold. */
function limitPairs(pairs: LfwPair[], n: number): LfwPair[] {
  const taken = new Map<string, number>();
  return pairs.filter((p) => {
    const key = `${p.fold}/${p.same}`;
    const count = taken.get(key) ?? 0;
    taken.set(key, count + 1);
    return count < n;
  });
}

export function formatLfwTable(r: LfwReport): string {
  const pct = (x: number) => (100 * x).toFixed(2);
  const lines = [
    `LFW View 2, ${r.variant} (loose box of the LFW framing), ${r.pairs} pairs, ${r.images} images, ${r.backend} (${r.adapter}), ${r.seconds.toFixed(1)} s`,
    ...(r.trained ? [] : ['NOTE: untrained placeholder weights: expect chance-level numbers']),
    '',
    '| size | accuracy % (mean ± std, 10 folds) | AUC | TAR@FAR=1e-2 % | TAR@FAR=1e-3 % |',
    '|---|---|---|---|---|',
    ...r.rows.map(
      ({ size, report: x }) =>
        `| ${size === 'hr' ? 'HR' : `${size} px`} | ${pct(x.accuracy.mean)} ± ${pct(x.accuracy.std)} | ${x.auc.toFixed(4)} | ${pct(x.tarAtFar1e2)} | ${pct(x.tarAtFar1e3)} |`,
    ),
  ];
  return `${lines.join('\n')}\n`;
}
