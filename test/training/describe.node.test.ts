// The two ways of describing the teacher cache give the same cache: face-api inside align.ts (--describe tfjs), and
// align.ts --describe later followed by the PyTorch port (bridgeface_train.describe), which also resumes a torn file.
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
  const node = (...args: string[]) => execFileSync(process.execPath, ['--import', 'tsx', '--import', './scripts/register-wgsl.mjs', ...args], { cwd: repoRoot, encoding: 'utf8' });
  const py = (...args: string[]) => execFileSync(python, ['-m', ...args], { cwd: repoRoot, env: { ...process.env, PYTHONPATH: path.join(repoRoot, 'training') }, encoding: 'utf8' });
  const desc = (dir: string) => new Float32Array(fs.readFileSync(path.join(dir, 'shard-0-of-1/desc.f32')).buffer.slice(0));

  it('fills desc.f32 like face-api, and resumes after a torn record', () => {
    const root = dataRoot()!;
    const lfw = path.join(root, 'lfw/images');
    const files = fs.readdirSync(lfw).sort().slice(0, 5).map((p) => `lfw/images/${p}/${fs.readdirSync(path.join(lfw, p)).sort()[0]}`);
    fs.writeFileSync(path.join(tmp, 'only.txt'), files.join('\n') + '\n');
    const a = path.join(tmp, 'a'), b = path.join(tmp, 'b'), w = path.join(tmp, 'w');
    node('training/teacher/align.ts', '--data', root, '--out', a, '--only', path.join(tmp, 'only.txt'));
    node('training/teacher/align.ts', '--data', root, '--out', b, '--only', path.join(tmp, 'only.txt'), '--describe', 'later');
    expect(fs.existsSync(path.join(b, 'shard-0-of-1/desc.f32'))).toBe(false);
    node('training/teacher/export-weights.ts', '--out', w, '--chips', '1');
    py('bridgeface_train.describe', '--cache', b, '--weights', w, '--threads', '1');
    const ref = desc(a), got = desc(b);
    expect(got.length).toBe(5 * 256);
    expect(Math.max(...got.map((v, i) => Math.abs(v - ref[i])))).toBeLessThan(1e-5);
    // an interrupted write: 2.5 records left; the next pass cuts the half record and completes the file
    fs.truncateSync(path.join(b, 'shard-0-of-1/desc.f32'), 2.5 * 1024);
    expect(py('bridgeface_train.describe', '--cache', b, '--weights', w, '--threads', '1')).toMatch(/\[describe\] 3 faces/);
    const again = desc(b);
    expect(again.length).toBe(got.length);
    expect(Math.max(...again.map((v, i) => Math.abs(v - got[i])))).toBeLessThan(1e-6); // batch composition may move the last bits
  }, 300_000);
});
