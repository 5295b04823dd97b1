// The PyTorch port of the teacher (bridgeface_train/teacher.py) against face-api's faceRecognitionNet itself: the
// weights and face-api's descriptors of a few test chips come from training/teacher/export-weights.ts.
import { execFileSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { NO_TORCH, hasTorch, python, repoRoot } from './helpers.js';

if (!hasTorch()) console.warn(`[teacher-torch] skipped: ${NO_TORCH}`);

describe.skipIf(!hasTorch())('teacher in PyTorch', () => {
  const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'bf-teacher-'));
  afterAll(() => fs.rmSync(tmp, { recursive: true, force: true }));

  it("gives face-api's descriptors", () => {
    execFileSync(
      process.execPath,
      [
        '--import',
        'tsx',
        '--import',
        './scripts/register-wgsl.mjs',
        'training/teacher/export-weights.ts',
        '--out',
        tmp,
        '--chips',
        '6',
      ],
      { cwd: repoRoot, encoding: 'utf8' },
    );
    const out = execFileSync(python, ['-m', 'bridgeface_train.teacher', '--weights', tmp], {
      cwd: repoRoot,
      env: { ...process.env, PYTHONPATH: path.join(repoRoot, 'training') },
      encoding: 'utf8',
    });
    const m = /max \|diff\| (\S+) \(descriptor scale (\S+)\), min cosine (\S+)/.exec(out);
    expect(m, out).not.toBeNull();
    const [diff, scale, cos] = m!.slice(1).map(Number);
    expect(scale).toBeGreaterThan(0.01); // the descriptors are not degenerate
    expect(diff).toBeLessThan(1e-5);
    expect(cos).toBeGreaterThan(0.99999);
  }, 180_000);
});
