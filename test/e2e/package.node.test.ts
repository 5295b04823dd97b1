/**
 * Packaging: `npm pack` (prepack builds dist/), install the tarball into a fresh project (offline-first from the
 * npm cache), then, as a user would: embed a face in Node with the shipped weights through the public API, run
 * the installed `bridgeface` binary, and check that the types and the worker entry are in the package.
 */
import { execFileSync } from 'node:child_process';
import { copyFileSync, existsSync, mkdtempSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, expect, it } from 'vitest';

const repo = fileURLToPath(new URL('../..', import.meta.url));
const dir = mkdtempSync(path.join(tmpdir(), 'bridgeface-pack-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

const run = (cmd: string, args: string[], cwd: string) => {
  try {
    return { code: 0, out: execFileSync(cmd, args, { cwd, encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'], timeout: 240_000 }) };
  } catch (e) {
    const error = e as { status: number; stdout: string; stderr: string };
    return { code: error.status, out: `${error.stdout}${error.stderr}` };
  }
};

it('npm pack → install in a fresh project → embed a face in Node with the shipped weights', () => {
  const packed = run('npm', ['pack', '--pack-destination', dir, '--silent'], repo);
  expect(packed.code, packed.out).toBe(0);
  const tarball = path.join(dir, readdirSync(dir).find((f) => f.endsWith('.tgz'))!);
  const project = path.join(dir, 'app');
  run('mkdir', ['-p', project], dir);
  writeFileSync(path.join(project, 'package.json'), JSON.stringify({ name: 'app', private: true, type: 'module' }));
  const installed = run('npm', ['install', '--prefer-offline', '--no-audit', '--no-fund', '--loglevel=error', tarball], project);
  expect(installed.code, installed.out).toBe(0);
  const pkg = path.join(project, 'node_modules', 'bridgeface');
  for (const f of ['weights/student.bfw', 'dist/index.js', 'dist/cli.js', 'dist/worker.js', 'dist/worker-client.js', 'dist/types/index.d.ts', 'bin/bridgeface.js']) {
    expect(existsSync(path.join(pkg, f)), f).toBe(true);
  }
  expect(existsSync(path.join(pkg, 'src')) || existsSync(path.join(pkg, 'demo')) || existsSync(path.join(pkg, 'test'))).toBe(false);

  copyFileSync(path.join(repo, 'demo/public/samples/Laura_Bush_0001.jpg'), path.join(project, 'face.jpg'));
  writeFileSync(
    path.join(project, 'embed.mjs'),
    `import sharp from 'sharp';
import { createRecognizer, Gallery, prepareFace } from 'bridgeface';
import 'bridgeface/worker';
const rec = await createRecognizer({ backend: 'cpu' });
const { data, info } = await sharp('face.jpg').ensureAlpha().raw().toBuffer({ resolveWithObject: true });
const face = prepareFace({ data: new Uint8Array(data), width: info.width, height: info.height }, rec.weights.input, { size: 16 });
const [e] = await rec.embed([face]);
const g = new Gallery();
g.add('laura', e);
const [hit] = await g.search(e, 1);
console.log(JSON.stringify({ dim: e.length, norm: Math.hypot(...e), parameters: rec.info.parameters, hit }));
rec.dispose();
`,
  );
  const embedded = run('node', ['embed.mjs'], project);
  expect(embedded.code, embedded.out).toBe(0);
  const result = JSON.parse(embedded.out.trim().split('\n').pop()!);
  expect(result.dim).toBe(128);
  expect(result.norm).toBeCloseTo(1, 4);
  expect(result.parameters).toBeGreaterThan(190_000);
  expect(result.hit.label).toBe('laura');

  const cli = run('npx', ['--no-install', 'bridgeface', 'embed', 'face.jpg', 'missing.jpg', '--backend', 'cpu', '--size', '12'], project);
  expect(cli.code).toBe(1);
  expect(cli.out).toContain('missing.jpg: no such file or folder');
  expect(JSON.parse(cli.out.slice(cli.out.indexOf('{'), cli.out.lastIndexOf('}') + 1)).embeddings).toHaveLength(1);
  const bench = run('npx', ['--no-install', 'bridgeface', 'bench'], project);
  expect(bench.code).toBe(1);
  expect(bench.out).toContain('source checkout');
}, 300_000);
