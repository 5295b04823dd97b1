// Smoke test of the whole training pipeline on a few dozen faces for a few steps (teacher alignment and descriptors,
// teacher at LR, bridge + student, export, evaluation through the runtime) ending in a .bfw the runtime loads and runs.
import { execFileSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { lfwImagePath, parsePairs } from '../../src/eval/index.js';
import { createRecognizer } from '../../src/index.js';
import { readWeights } from '../../src/tools.js';
import { dataRoot, python, repoRoot, skipReason } from './helpers.js';

const reason = skipReason(true);
if (reason) console.warn(`[smoke] skipped: ${reason}`);

describe.skipIf(!!reason)('training pipeline smoke test', () => {
  const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'bf-smoke-'));
  afterAll(() => fs.rmSync(tmp, { recursive: true, force: true }));

  it('runs every stage on a few dozen faces and ships a loadable .bfw', async () => {
    const root = dataRoot()!;
    // LFW faces of 8 pairs (4 same, 4 different) in each of folds 1 and 2 (test), and 12 celeba faces (training).
    const pairs = parsePairs(fs.readFileSync(path.join(root, 'lfw/pairs.txt'), 'utf8'));
    const chosen = [0, 1].flatMap((f) => [
      ...pairs.filter((p) => p.fold === f && p.same).slice(0, 4),
      ...pairs.filter((p) => p.fold === f && !p.same).slice(0, 4),
    ]);
    const files = new Set(chosen.flatMap((p) => [lfwImagePath(p.name1, p.index1), lfwImagePath(p.name2, p.index2)]));
    for (const id of ['7201', '7202']) {
      const dir = path.join(root, 'celeba-subset/images', id);
      if (!fs.existsSync(dir)) continue;
      for (const f of fs.readdirSync(dir).sort().slice(0, 6)) files.add(`celeba-subset/images/${id}/${f}`);
    }
    fs.writeFileSync(path.join(tmp, 'only.txt'), `${[...files].join('\n')}\n`);
    const t0 = Date.now();
    const trainSh = (...stages: string[]) =>
      execFileSync('bash', ['training/train.sh', '--data', root, ...stages], {
        cwd: repoRoot,
        env: {
          ...process.env,
          OUT: tmp,
          SMOKE: '1',
          SHARDS: '1',
          ONLY: path.join(tmp, 'only.txt'),
          UNALIGNED_SIZES: '16',
          SET_WEIGHTS: 'celeba-subset=2', // the training faces' one set: the weighted (with replacement) draws
        },
        encoding: 'utf8',
        maxBuffer: 64 << 20,
      });
    const log = trainSh('teacher', 'teacher-lr', 'student', 'eval');
    console.log(
      log
        .split('\n')
        .filter((l) => /stage|\[eval\]|wrote|epoch/.test(l))
        .join('\n'),
    );
    console.log(`[smoke] ${files.size} faces, all stages in ${((Date.now() - t0) / 1000).toFixed(0)} s`);

    const bfw = fs.readFileSync(path.join(tmp, 'runs/smoke/student.bfw'));
    const w = readWeights(bfw);
    expect((w.provenance as { trained?: boolean }).trained).toBe(true);
    expect((w.provenance as { setWeights?: unknown }).setWeights).toEqual({ 'celeba-subset': 2 });
    const rec = await createRecognizer({ backend: 'cpu', weights: bfw });
    const face = { data: new Uint8Array(16 * 16 * 4).fill(128), width: 16, height: 16 };
    const [e] = await rec.embed([face]);
    expect(e.length).toBe(128);
    expect(Math.hypot(...e)).toBeCloseTo(1, 4);
    rec.dispose();
    const rows = JSON.parse(fs.readFileSync(path.join(tmp, 'results/smoke.json'), 'utf8'));
    expect(rows.some((r: { model: string }) => r.model === 'smoke')).toBe(true);
    expect(rows.some((r: { model: string }) => r.model.startsWith('teacher'))).toBe(true);

    // The student stage again: it resumes from the run's last checkpoint instead of training anew, and exports the
    // same network.
    const again = trainSh('student');
    expect(again).toMatch(/resumed from .*checkpoint\.pt after epoch 1/);
    const w2 = readWeights(fs.readFileSync(path.join(tmp, 'runs/smoke/student.bfw')));
    expect([...w2.tensors.keys()]).toEqual([...w.tensors.keys()]);
    for (const [name, t] of w.tensors) expect(w2.tensors.get(name)).toEqual(t);

    // Fine-tuning from the exported file: a new run starts from it and says so in its provenance; a run on another
    // split refuses it (the file was trained on the faces that split tests on); a file that is not weights is refused.
    const init = path.join(tmp, 'runs/smoke/student.bfw');
    const trainPy = (split: string, out: string, from = init) =>
      execFileSync(
        python,
        [
          ...'-m bridgeface_train.train --mode full --epochs 1 --bridge-epochs 2 --batch 16 --threads 1'.split(' '),
          ...['--cache', path.join(tmp, 'cache/teacher'), '--data', root, '--split', split, '--init', from],
          ...['--out', path.join(tmp, 'runs', out)],
        ],
        {
          cwd: repoRoot,
          env: { ...process.env, PYTHONPATH: path.join(repoRoot, 'training') },
          encoding: 'utf8',
          stdio: ['ignore', 'pipe', 'pipe'],
        },
      );
    expect(trainPy('A', 'tuned')).toMatch(/student initialised from .*smoke\/student\.bfw/);
    const tuned = readWeights(fs.readFileSync(path.join(tmp, 'runs/tuned/student.bfw')));
    expect((tuned.provenance as { initialisedFrom?: { file: string } }).initialisedFrom?.file).toBe('student.bfw');
    expect(() => trainPy('B', 'wrong-split')).toThrow(/trained without LFW folds \[1, 2, 3, 4, 5\]/);
    fs.writeFileSync(path.join(tmp, 'not-weights.bfw'), 'not weights');
    expect(() => trainPy('A', 'bad-file', path.join(tmp, 'not-weights.bfw'))).toThrow(/not a readable weights file/);
  }, 900_000); // ~40 s on an idle 2-core machine; generous for a loaded one
});
