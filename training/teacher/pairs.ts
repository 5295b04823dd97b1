// Verification pairs and the unaligned face box, shared by the evaluation (eval.ts) and the teacher at LR (lr.ts):
// LFW View 2 from <lfw root>/lfw/pairs.txt, or another set's pair list (--pairs: TSV of fold, same, a, b with image
// paths relative to a data root, e.g. training/data/celeba-200-pairs.tsv).
import * as fs from 'node:fs';
import * as path from 'node:path';
import sharp from 'sharp';
import { looseBox } from '../../src/api/face-box.js';
import { lfwImagePath, parsePairs } from '../../src/eval/index.js';
import type { FaceBox } from '../../src/runtime/image.js';
import type { TeacherCache } from './cache.js';
import { CHIP } from './common.js';

export interface Pair {
  fold: number;
  same: boolean;
  a: string;
  b: string;
} // fold 0-based

export function loadPairs(lfwRoot: string, pairsFile?: string): Pair[] {
  if (!pairsFile) {
    return parsePairs(fs.readFileSync(path.join(lfwRoot, 'lfw', 'pairs.txt'), 'utf8')).map((p) => ({
      fold: p.fold,
      same: p.same,
      a: lfwImagePath(p.name1, p.index1),
      b: lfwImagePath(p.name2, p.index2),
    }));
  }
  return fs
    .readFileSync(pairsFile, 'utf8')
    .split('\n')
    .filter((l) => l && !l.startsWith('#') && !l.startsWith('fold\t'))
    .map((l, i) => {
      const [f, same, a, b] = l.split('\t');
      if (!b || !/^\d+$/.test(f) || !/^[01]$/.test(same))
        throw new Error(`${pairsFile}: line ${i + 1} is not "fold<TAB>same<TAB>a<TAB>b"`);
      return { fold: Number(f) - 1, same: same === '1', a, b };
    });
}

/** The original image (RGB or RGBA) from whichever data root holds it. */
export async function readOriginal(roots: string[], q: string, channels: 3 | 4) {
  const r = roots.find((d) => fs.existsSync(path.join(d, q)));
  if (!r) throw new Error(`${q} is in none of the data roots ${roots.join(', ')}`);
  const img = sharp(path.join(r, q));
  const { data, info } = await (channels === 4 ? img.ensureAlpha() : img.removeAlpha())
    .raw()
    .toBuffer({ resolveWithObject: true });
  return {
    data: new Uint8Array(data.buffer, data.byteOffset, data.length),
    width: info.width,
    height: info.height,
    channels,
  };
}

/** The unaligned face box: LFW's fixed loose box; for another set its fixed median chip box (the axis-aligned box of
 *  the 150 chip relative to the image size, median over the set's cached images): the analogue of LFW's box. */
export function unalignedBoxes(cache: TeacherCache): (q: string, w: number, h: number) => FaceBox {
  const perSet = new Map<string, number[]>();
  return (q, w, h) => {
    const set = q.split('/')[0];
    if (set === 'lfw') return looseBox(w, h);
    if (!perSet.has(set)) {
      const rel = [...cache.entries.values()]
        .filter((e) => e.meta.dataset === set)
        .map(({ meta: m }) => {
          const [a, b, tx, ty] = m.transform,
            c = CHIP / 2,
            side = CHIP * Math.hypot(a, b);
          return [((a - b) * c + tx - side / 2) / m.w, ((a + b) * c + ty - side / 2) / m.h, side / m.w, side / m.h];
        });
      const med = (k: number) => {
        const v = rel.map((r) => r[k]).sort((x, y) => x - y);
        return v[Math.floor(v.length / 2)];
      };
      perSet.set(set, [0, 1, 2, 3].map(med));
      console.log(
        `[pairs] ${set}: unaligned box = median chip box of ${rel.length} images, ${perSet.get(set)!.map((v) => v.toFixed(3))} of the image`,
      );
    }
    const [x, y, bw, bh] = perSet.get(set)!;
    return { x: x * w, y: y * h, width: bw * w, height: bh * h };
  };
}
