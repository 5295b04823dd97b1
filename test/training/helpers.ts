// Shared helpers for the training tests: where the data and Python/torch are, and why a test is skipped.
import { execFileSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as path from 'node:path';

export const repoRoot = path.resolve(__dirname, '../..');
export const python = process.env.PYTHON ?? '/usr/bin/python3';

/** The data root: $BRIDGEFACE_DATA, else the developers' copy at ../shared/data/faces next to the repo. */
export function dataRoot(): string | null {
  const candidates = [process.env.BRIDGEFACE_DATA, path.resolve(repoRoot, '../shared/data/faces')].filter(
    Boolean,
  ) as string[];
  return candidates.find((d) => fs.existsSync(path.join(d, 'lfw', 'pairs.txt'))) ?? null;
}

const NO_DATA =
  'face data not found: set BRIDGEFACE_DATA to a folder with lfw/images/<name>/<name>_NNNN.jpg and lfw/pairs.txt ' +
  '(LFW deep-funneled layout, see training/README.md) to run this test';

let torchOk: boolean | null = null;
export function hasTorch(): boolean {
  if (torchOk === null) {
    try {
      execFileSync(python, ['-c', 'import torch, numpy, PIL'], { stdio: 'ignore' });
      torchOk = true;
    } catch {
      torchOk = false;
    }
  }
  return torchOk;
}
export const NO_TORCH = `PyTorch not importable by ${python}: apt-get install -y python3-torch python3-numpy python3-pil (or set PYTHON) to run this test`;

export function skipReason(needTorch = true): string | null {
  if (!dataRoot()) return NO_DATA;
  if (needTorch && !hasTorch()) return NO_TORCH;
  return null;
}
