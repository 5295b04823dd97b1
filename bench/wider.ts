/** The WIDER FACE subset's validation photos with their boxes (../shared/data/extra/README.md, `widerface-subset`). */
import { existsSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { type TruthFace, parseWiderBoxes } from '../src/detect/evaluate.js';

/** The photos of `root`'s validation box file that are present under WIDER_val/images (351 of the 1,062 it lists). */
export function readWiderBoxes(root: string): Array<{ file: string; truth: TruthFace[] }> {
  const all = parseWiderBoxes(readFileSync(path.join(root, 'wider_face_split/wider_face_val_bbx_gt.txt'), 'utf8'));
  return all.filter((e) => existsSync(path.join(root, 'WIDER_val/images', e.file)));
}
