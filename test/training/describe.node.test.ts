// The two ways of computing teacher descriptors give the same files: face-api inside align.ts / lr.ts (--describe
// tfjs), and --describe later followed by the PyTorch port (bridgeface_train.describe, which also resumes a torn file,
// and bridgeface_train.describe_lr for the degraded faces of the evaluation).
import { execFileSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { dataRoot, python, repoRoot, skipReason } from './helpers.js';

const reason = skipReason(true);
if (reason) console.warn(`[describe] skipped: ${reason}`);

describe.skipIf(!!reason)('teacher descriptors, tfjs and PyTorch', () => {
  const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'bf-describe-'));
  afterAll(() => fs.rmSync(tmp, { recursive: true, force: true }));
  const node = (...args: string[]) =>
    execFileSync(process.execPath, ['--import', 'tsx', '--import', './scripts/register-wgsl.mjs', ...args], {
      cwd: repoRoot,
      encoding: 'utf8',
    });
  const py = (...args: string[]) =>
    execFileSync(python, ['-m', ...args], {
      cwd: repoRoot,
      env: { ...process.env, PYTHONPATH: path.join(repoRoot, 'training') },
      encoding: 'utf8',
    });
  const f32 = (file: string) => {
    const b = fs.readFileSync(file);
    return new Float32Array(b.buffer, b.byteOffset, b.length / 4).slice();
  };
  const desc = (dir: string) => f32(path.join(dir, 'shard-0-of-1/desc.f32'));

  it('fills desc.f32 and the teacher-LR files like face-api, and resumes after a torn record', () => {
    const root = dataRoot()!;
    const lfw = path.join(root, 'lfw/images');
    const files = fs
      .readdirSync(lfw)
      .sort()
      .slice(0, 5)
      .map((p) => `lfw/images/${p}/${fs.readdirSync(path.join(lfw, p)).sort()[0]}`);
    fs.writeFileSync(path.join(tmp, 'only.txt'), `${files.join('\n')}\n`);
    const a = path.join(tmp, 'a'),
      b = path.join(tmp, 'b'),
      w = path.join(tmp, 'w');
    node('training/teacher/align.ts', '--data', root, '--out', a, '--only', path.join(tmp, 'only.txt'));
    node(
      'training/teacher/align.ts',
      '--data',
      root,
      '--out',
      b,
      '--only',
      path.join(tmp, 'only.txt'),
      '--describe',
      'later',
    );
    expect(fs.existsSync(path.join(b, 'shard-0-of-1/desc.f32'))).toBe(false);
    node('training/teacher/export-weights.ts', '--out', w, '--chips', '1');
    py('bridgeface_train.describe', '--cache', b, '--weights', w, '--threads', '1');
    const ref = desc(a),
      got = desc(b);
    expect(got.length).toBe(5 * 256);
    expect(Math.max(...got.map((v, i) => Math.abs(v - ref[i])))).toBeLessThan(1e-5);
    // an interrupted write: 2.5 records left; the next pass cuts the half record and completes the file
    fs.truncateSync(path.join(b, 'shard-0-of-1/desc.f32'), 2.5 * 1024);
    expect(py('bridgeface_train.describe', '--cache', b, '--weights', w, '--threads', '1')).toMatch(
      /\[describe\] 3 faces/,
    );
    const again = desc(b);
    expect(again.length).toBe(got.length);
    expect(Math.max(...again.map((v, i) => Math.abs(v - got[i])))).toBeLessThan(1e-6); // batch composition may move the last bits

    // the teacher at low resolution: pairs among the five images, aligned 12 px and unaligned 12 px and hr
    const pairs = [
      'fold\tsame\ta\tb',
      `1\t0\t${files[0]}\t${files[1]}`,
      `2\t0\t${files[2]}\t${files[3]}`,
      `2\t0\t${files[3]}\t${files[4]}`,
    ];
    fs.writeFileSync(path.join(tmp, 'pairs.tsv'), `${pairs.join('\n')}\n`);
    const lr = (out: string, mode: string, variants: string, sizes: string) =>
      node(
        'training/teacher/lr.ts',
        '--data',
        root,
        '--cache',
        a,
        '--out',
        out,
        '--pairs',
        path.join(tmp, 'pairs.tsv'),
        '--variants',
        variants,
        '--sizes',
        sizes,
        '--describe',
        mode,
      );
    for (const [mode, out] of [
      ['tfjs', path.join(tmp, 'lr-a')],
      ['later', path.join(tmp, 'lr-b')],
    ]) {
      lr(out, mode, 'aligned', '12');
      lr(out, mode, 'unaligned', '12,hr');
    }
    py('bridgeface_train.describe_lr', '--dir', path.join(tmp, 'lr-b'), '--weights', w, '--threads', '1');
    for (const f of ['aligned-12.f32', 'unaligned-12.f32', 'unaligned-hr.f32']) {
      const [x, y] = ['lr-a', 'lr-b'].map((d) => f32(path.join(tmp, d, f)));
      expect(y.length).toBe(5 * 128);
      expect(Math.max(...y.map((v, i) => Math.abs(v - x[i])))).toBeLessThan(1e-5);
    }
    expect(fs.readdirSync(path.join(tmp, 'lr-b')).some((f) => f.endsWith('.u8'))).toBe(false); // replaced by the .f32
  }, 300_000);
});
