// The training recipe's Python pieces that have no data dependency: illumination and wide-framing augmentation
// (degrade.py) and the LFW near-duplicate check (dedup.py), checked in test/training/py/test_recipe.py.
import { execFileSync } from 'node:child_process';
import * as path from 'node:path';
import { describe, expect, it } from 'vitest';
import { hasTorch, NO_TORCH, python, repoRoot } from './helpers.js';

if (!hasTorch()) console.warn(`[recipe] skipped: ${NO_TORCH}`);

describe.skipIf(!hasTorch())('training recipe (Python)', () => {
  it('augments illumination and framing as configured, and finds only true near-duplicates of LFW images', () => {
    const out = execFileSync(python, [path.join(repoRoot, 'test/training/py/test_recipe.py')], {
      cwd: repoRoot, env: { ...process.env, PYTHONPATH: path.join(repoRoot, 'training') }, encoding: 'utf8',
    });
    expect(out).toMatch(/^[1-9]\d* passed$/m); // the script exits non-zero on the first failed check
  }, 120_000);
});
