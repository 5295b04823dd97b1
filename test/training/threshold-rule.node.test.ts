// One threshold rule everywhere (issue 12): match iff similarity >= threshold, in verify, in src/eval's tarAtFar
// and in the Python calibration (training/bridgeface_train/metrics.py far_threshold). Each FAR threshold is the
// smallest one that accepts at most floor(far · N) impostor pairs, ties included.
import { execFileSync } from 'node:child_process';
import * as path from 'node:path';
import { describe, expect, it } from 'vitest';
import { identification, verification } from '../../src/api/decision.js';
import { farThreshold, tarAtFar } from '../../src/eval/index.js';
import { NO_TORCH, hasTorch, python, repoRoot } from './helpers.js';

// 1,000 impostor scores on a 1/1000 grid with ties at the FAR 1e-2 cut (0.989 three times), so a > rule and a
// >= rule at the same score give different counts.
const impostors = [...Array.from({ length: 997 }, (_, i) => i / 1000), 0.989, 0.989, 0.989].sort((a, b) => b - a);
const genuine = [0.995, 0.989, 0.9891, 0.5];
const accepted = (t: number) => impostors.filter((s) => s >= t).length;
if (!hasTorch()) console.warn(`[threshold-rule] Python part skipped: ${NO_TORCH}`);

describe('threshold rule: similarity >= threshold', () => {
  it('tarAtFar: the smallest threshold with at most floor(far·N) impostors at or above it', () => {
    for (const far of [1e-2, 1e-3, 5e-3]) {
      const { threshold, tar } = tarAtFar(
        [...impostors, ...genuine],
        [...impostors.map(() => false), ...genuine.map(() => true)],
        far,
      );
      const allowed = Math.floor(far * impostors.length);
      expect(accepted(threshold)).toBeLessThanOrEqual(allowed);
      // Smallest: the (allowed+1)-th highest impostor itself would be accepted.
      expect(threshold).toBeGreaterThan(impostors[allowed]);
      expect(accepted(impostors[allowed])).toBeGreaterThan(allowed);
      expect(tar).toBe(genuine.filter((s) => s >= threshold).length / genuine.length);
    }
    // At FAR 1e-2: 10 allowed; above 0.989 there are 7 scores (0.996…0.990), then four 0.989s (ranks 8–11): they are
    // excluded together, so the genuine 0.989 is rejected and 0.9891 accepted.
    const { tar } = tarAtFar(
      [...impostors, ...genuine],
      [...impostors.map(() => false), ...genuine.map(() => true)],
      1e-2,
    );
    expect(tar).toBe(2 / 4);
  });

  it('farThreshold with 4 places (training/calibrate.ts): rounded strictly up, so no extra impostor is admitted', () => {
    for (const far of [1e-2, 1e-3, 5e-3]) {
      const allowed = Math.floor(far * impostors.length);
      const t = farThreshold(impostors, far, 4);
      expect(Math.round(t * 1e4) / 1e4).toBe(t);
      expect(accepted(t)).toBeLessThanOrEqual(allowed);
      expect(accepted(t - 1e-4)).toBeGreaterThan(allowed);
    }
  });

  it('verify and identify match at similarity == threshold', () => {
    const point = (threshold: number) =>
      ({
        far: 1e-2,
        faceSize: 'hr',
        calibratedSize: 'hr',
        threshold,
        tar: null,
        measuredFar: 0.01,
        meaning: '',
      }) as const;
    expect(verification(0.8181, point(0.8181)).match).toBe(true);
    expect(verification(0.8181, point(0.81810001)).match).toBe(false);
    expect(identification([{ label: 'a', similarity: 0.8181 }], 1, point(0.8181)).outcome).toBe('match');
    expect(identification([{ label: 'a', similarity: 0.8181 }], 1, point(0.81810001)).outcome).toBe('unknown');
  });

  it.skipIf(!hasTorch())(
    'the Python calibration picks the same rule: at most floor(far·N) impostors >= its threshold',
    () => {
      const script = [
        'import json, sys',
        'from bridgeface_train.metrics import far_threshold',
        'imp = json.loads(sys.argv[1])',
        'print(json.dumps([far_threshold(imp, f) for f in (1e-2, 1e-3, 5e-3)]))',
      ].join('\n');
      const out = execFileSync(python, ['-c', script, JSON.stringify(impostors)], {
        cwd: repoRoot,
        env: { ...process.env, PYTHONPATH: path.join(repoRoot, 'training') },
        encoding: 'utf8',
      });
      const thresholds: number[] = JSON.parse(out);
      [1e-2, 1e-3, 5e-3].forEach((far, i) => {
        const allowed = Math.floor(far * impostors.length);
        const t = thresholds[i];
        // Stored with 4 decimals, rounded up: at most `allowed` impostors at or above, and 1e-4 lower would admit more.
        expect(Math.round(t * 1e4) / 1e4).toBe(t);
        expect(accepted(t)).toBeLessThanOrEqual(allowed);
        expect(accepted(t - 1e-4)).toBeGreaterThan(allowed);
      });
    },
  );
});
