// The training code's Python pieces that need no face data, checked by the scripts in test/training/py/: the LR
// synthesis (illumination and wide-framing augmentation), the LFW near-duplicate check, set-weighted sampling, and the architecture
// candidates (budget, BN folding, the runtime-order reference forward).
import { execFileSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { describe, expect, it } from 'vitest';
import { NO_TORCH, hasTorch, python, repoRoot } from './helpers.js';

if (!hasTorch()) console.warn(`[training-python] skipped: ${NO_TORCH}`);
const dir = path.join(repoRoot, 'test/training/py');
const scripts = fs
  .readdirSync(dir)
  .filter((f) => /^test_.*\.py$/.test(f))
  .sort();

describe.skipIf(!hasTorch())('training (Python)', () => {
  it.each(scripts)(
    '%s',
    (script) => {
      const out = execFileSync(python, [path.join(dir, script)], {
        cwd: repoRoot,
        env: { ...process.env, PYTHONPATH: path.join(repoRoot, 'training') },
        encoding: 'utf8',
      });
      expect(out).toMatch(/^[1-9]\d* passed$/m); // each script exits non-zero on its first failed check
    },
    180_000,
  );
});
