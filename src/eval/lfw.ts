// LFW View-2 verification protocol: pairs.txt parsing, 10-fold accuracy (threshold chosen on the other folds),
// ROC AUC and TAR at a given FAR. Pure functions over similarity scores; no I/O.
import { InputError } from '../errors.js';

export interface LfwPair {
  /** Image of the first face: `lfw/images/<name>/<name>_<index:04d>.jpg`. */
  name1: string;
  index1: number;
  name2: string;
  index2: number;
  same: boolean;
  /** 0-based fold. */
  fold: number;
}

/** Parse pairs.txt (header `folds n`, then per fold n same-person lines `name i j` and n different-person lines
 *  `name1 i name2 j`). Throws on a malformed file. */
export function parsePairs(text: string): LfwPair[] {
  const lines = text
    .split(/\r?\n/)
    .map((l) => l.trim())
    .filter((l) => l.length > 0);
  const head = lines[0]?.split(/\s+/).map(Number) ?? [];
  if (head.length !== 2 || !head.every(Number.isInteger))
    throw new InputError('bad-file', 'pairs.txt: bad header, expected "<folds> <n>"');
  const [folds, n] = head;
  if (lines.length !== 1 + folds * 2 * n)
    throw new InputError('bad-file', `pairs.txt: expected ${folds * 2 * n} pairs, found ${lines.length - 1}`);
  const out: LfwPair[] = [];
  let k = 1;
  for (let f = 0; f < folds; f++) {
    for (const same of [true, false]) {
      for (let i = 0; i < n; i++, k++) {
        const p = lines[k].split(/\s+/);
        if (same && p.length === 3) out.push({ name1: p[0], index1: +p[1], name2: p[0], index2: +p[2], same, fold: f });
        else if (!same && p.length === 4)
          out.push({ name1: p[0], index1: +p[1], name2: p[2], index2: +p[3], same, fold: f });
        else
          throw new InputError(
            'bad-file',
            `pairs.txt line ${k + 1}: expected a ${same ? 'same' : 'different'}-person pair, got "${lines[k]}"`,
          );
      }
    }
  }
  return out;
}

/** Relative path of an LFW image in the standard layout. */
export function lfwImagePath(name: string, index: number): string {
  return `lfw/images/${name}/${name}_${String(index).padStart(4, '0')}.jpg`;
}

/** The threshold maximising accuracy of `score >= t ⇒ same` (midpoint between neighbouring scores). */
export function bestThreshold(scores: ArrayLike<number>, same: ArrayLike<boolean>): number {
  const idx = Array.from({ length: scores.length }, (_, i) => i).sort((a, b) => scores[b] - scores[a]);
  let P = 0;
  for (let i = 0; i < same.length; i++) if (same[i]) P++;
  const N = scores.length - P;
  let tp = 0,
    fp = 0,
    best = -1,
    bestT = Infinity;
  // threshold above every score: accept none
  best = N;
  bestT = scores[idx[0]] + 1e-6;
  for (let k = 0; k < idx.length; k++) {
    if (same[idx[k]]) tp++;
    else fp++;
    const s = scores[idx[k]];
    if (k + 1 < idx.length && scores[idx[k + 1]] === s) continue;
    const correct = tp + (N - fp);
    if (correct > best) {
      best = correct;
      bestT = k + 1 < idx.length ? (s + scores[idx[k + 1]]) / 2 : s - 1e-6;
    }
  }
  return bestT;
}

export interface FoldAccuracy {
  mean: number;
  std: number;
  perFold: number[];
  thresholds: number[];
}

/** k-fold accuracy: for each fold, the threshold is chosen on the pairs of all other folds. std is the population
 *  standard deviation over folds. */
export function kFoldAccuracy(
  scores: ArrayLike<number>,
  same: ArrayLike<boolean>,
  folds: ArrayLike<number>,
): FoldAccuracy {
  const ids = [...new Set(Array.from(folds))].sort((a, b) => a - b);
  if (ids.length < 2) throw new InputError('bad-option', 'kFoldAccuracy needs at least two folds');
  const perFold: number[] = [];
  const thresholds: number[] = [];
  for (const f of ids) {
    const trS: number[] = [],
      trY: boolean[] = [];
    for (let i = 0; i < scores.length; i++)
      if (folds[i] !== f) {
        trS.push(scores[i]);
        trY.push(same[i]);
      }
    const t = bestThreshold(trS, trY);
    let ok = 0,
      n = 0;
    for (let i = 0; i < scores.length; i++)
      if (folds[i] === f) {
        n++;
        if (scores[i] >= t === same[i]) ok++;
      }
    perFold.push(ok / n);
    thresholds.push(t);
  }
  const mean = perFold.reduce((a, b) => a + b, 0) / perFold.length;
  const std = Math.sqrt(perFold.reduce((a, b) => a + (b - mean) ** 2, 0) / perFold.length);
  return { mean, std, perFold, thresholds };
}

/** Area under the ROC curve (probability that a random same pair outscores a random different pair; ties count ½). */
export function rocAuc(scores: ArrayLike<number>, same: ArrayLike<boolean>): number {
  const idx = Array.from({ length: scores.length }, (_, i) => i).sort((a, b) => scores[a] - scores[b]);
  let P = 0;
  for (let i = 0; i < same.length; i++) if (same[i]) P++;
  const N = scores.length - P;
  if (P === 0 || N === 0) return NaN;
  let rankSum = 0;
  for (let k = 0; k < idx.length; ) {
    let j = k;
    while (j + 1 < idx.length && scores[idx[j + 1]] === scores[idx[k]]) j++;
    const avgRank = (k + j) / 2 + 1;
    for (let q = k; q <= j; q++) if (same[idx[q]]) rankSum += avgRank;
    k = j + 1;
  }
  return (rankSum - (P * (P + 1)) / 2) / (P * N);
}

/** The smallest double greater than `x` (finite). */
function nextUp(x: number): number {
  const value = new Float64Array([x === 0 ? 0 : x]);
  // For a negative double, one less in its bit pattern is one step toward zero, i.e. up.
  new BigInt64Array(value.buffer)[0] += x >= 0 ? 1n : -1n;
  return value[0];
}

/**
 * The FAR threshold under the rule used everywhere (`verify`, training/calibrate.ts, the Python calibration): match
 * iff similarity ≥ threshold. It is the smallest threshold that accepts at most floor(far · N) impostor scores:
 * just above the (floor(far · N) + 1)-th highest. With `decimals`, the smallest such value with that many places
 * (what a weights header stores); with no limit (far · N ≥ N), -∞ (or the lowest score rounded down).
 */
export function farThreshold(impostor: ArrayLike<number>, far: number, decimals?: number): number {
  const neg = Array.from(impostor).sort((a, b) => b - a);
  const allowed = Math.floor(far * neg.length);
  if (decimals === undefined) return allowed < neg.length ? nextUp(neg[allowed]) : -Infinity;
  const q = 10 ** decimals;
  if (allowed >= neg.length) return Math.floor(neg[neg.length - 1] * q) / q;
  let t = Math.floor(neg[allowed] * q) / q;
  while (t <= neg[allowed]) t = (Math.round(t * q) + 1) / q; // one or two steps: strictly above despite rounding
  return t;
}

/** True-accept rate at a false-accept rate, at `farThreshold` (match iff similarity ≥ threshold). */
export function tarAtFar(
  scores: ArrayLike<number>,
  same: ArrayLike<boolean>,
  far: number,
): { tar: number; threshold: number } {
  const neg: number[] = [],
    pos: number[] = [];
  for (let i = 0; i < scores.length; i++) (same[i] ? pos : neg).push(scores[i]);
  const threshold = farThreshold(neg, far);
  const tar = pos.filter((s) => s >= threshold).length / Math.max(pos.length, 1);
  return { tar, threshold };
}

export interface VerificationReport {
  accuracy: FoldAccuracy;
  auc: number;
  tarAtFar1e2: number;
  tarAtFar1e3: number;
  pairs: number;
}

export function verificationReport(
  scores: ArrayLike<number>,
  same: ArrayLike<boolean>,
  folds: ArrayLike<number>,
): VerificationReport {
  return {
    accuracy: kFoldAccuracy(scores, same, folds),
    auc: rocAuc(scores, same),
    tarAtFar1e2: tarAtFar(scores, same, 1e-2).tar,
    tarAtFar1e3: tarAtFar(scores, same, 1e-3).tar,
    pairs: scores.length,
  };
}
