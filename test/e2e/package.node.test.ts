/**
 * Packaging, as a user meets it: `npm pack` (prepack builds dist/), install the tarball into fresh projects
 * (offline-first from the npm cache), then
 * - Node: embed a face with the shipped weights through the public API, run the installed `bridgeface` binary;
 * - a fresh Vite app, in production build (vite build + preview) and in dev (pre-bundling): the page embeds a face
 *   in headless Chromium with the default weights, no configuration;
 * - an esbuild bundle that imports the weights file explicitly (`bridgeface/weights/student.bfw`, file loader).
 * It also checks what a browser app installs: no `webgpu` (Dawn) and no `sharp` (optional peer dependencies).
 */
import { type ChildProcess, execFileSync, spawn } from 'node:child_process';
import { copyFileSync, existsSync, mkdirSync, mkdtempSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { type Browser, chromium } from 'playwright';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { CHROMIUM_PATH, CHROMIUM_WEBGPU_ARGS } from '../../scripts/chromium-webgpu.js';

const repo = fileURLToPath(new URL('../..', import.meta.url));
const dir = mkdtempSync(path.join(tmpdir(), 'bridgeface-pack-'));
const viteBin = path.join(repo, 'node_modules/vite/bin/vite.js');
const esbuildBin = path.join(repo, 'node_modules/.bin/esbuild');
const children: ChildProcess[] = [];
let tarball = '';
let browser: Browser | undefined;

const run = (cmd: string, args: string[], cwd: string) => {
  try {
    return {
      code: 0,
      out: execFileSync(cmd, args, { cwd, encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'], timeout: 240_000 }),
    };
  } catch (e) {
    const error = e as { status: number; stdout: string; stderr: string };
    return { code: error.status, out: `${error.stdout}${error.stderr}` };
  }
};

/** A fresh project with the tarball (and `extra` packages) installed. */
function freshProject(name: string, files: Record<string, string>, extra: string[] = []): string {
  const project = path.join(dir, name);
  mkdirSync(project, { recursive: true });
  writeFileSync(path.join(project, 'package.json'), JSON.stringify({ name, private: true, type: 'module' }));
  for (const [file, text] of Object.entries(files)) writeFileSync(path.join(project, file), text);
  const installed = run(
    'npm',
    ['install', '--prefer-offline', '--no-audit', '--no-fund', '--loglevel=error', tarball, ...extra],
    project,
  );
  expect(installed.code, installed.out).toBe(0);
  return project;
}

/** Starts a server and resolves with the URL it prints. */
function serve(args: string[], cwd: string): Promise<string> {
  const child = spawn(process.execPath, args, { cwd, stdio: ['ignore', 'pipe', 'pipe'] });
  children.push(child);
  return new Promise((resolve, reject) => {
    let out = '';
    const timer = setTimeout(() => reject(new Error(`server did not start: ${out}`)), 60_000);
    const onData = (d: Buffer) => {
      out += d.toString();
      // biome-ignore lint/suspicious/noControlCharactersInRegex: strip terminal colours
      const url = out.replace(/\u001b\[[0-9;]*m/g, '').match(/http:\/\/(?:127\.0\.0\.1|localhost):\d+\//)?.[0];
      if (url) {
        clearTimeout(timer);
        resolve(url.replace('localhost', '127.0.0.1'));
      }
    };
    child.stdout!.on('data', onData);
    child.stderr!.on('data', onData);
    child.on('exit', (code) => reject(new Error(`server exited ${code}: ${out}`)));
  });
}

/** Opens the page and waits for the result it writes into <pre id="out">. */
async function pageResult(url: string): Promise<{ dim: number; norm: number; error?: string }> {
  browser ??= await chromium.launch({ executablePath: CHROMIUM_PATH, args: CHROMIUM_WEBGPU_ARGS, headless: true });
  const page = await browser.newPage();
  const errors: string[] = [];
  page.on('pageerror', (e) => errors.push(e.message));
  await page.goto(url);
  await page
    .waitForFunction(() => document.getElementById('out')?.textContent !== '', undefined, { timeout: 60_000 })
    .catch(() => {});
  const text = (await page.textContent('#out')) ?? '';
  await page.close();
  expect(text, errors.join('\n')).not.toBe('');
  return JSON.parse(text);
}

/** The page script: embed a synthetic 24×24 face with the default (or given) weights, print the result. */
const pageScript = (weightsImport: string, weightsOption: string) => `${weightsImport}
import { createRecognizer } from 'bridgeface';
const out = document.getElementById('out');
try {
  const rec = await createRecognizer({ backend: 'cpu'${weightsOption} });
  const data = new Uint8Array(24 * 24 * 4).map((_, i) => (i * 37) % 251);
  const [e] = await rec.embed([{ data, width: 24, height: 24 }]);
  out.textContent = JSON.stringify({ dim: e.length, norm: Math.hypot(...e), trained: rec.info.trained });
} catch (error) {
  out.textContent = JSON.stringify({ dim: 0, norm: 0, error: String(error) });
}
`;
const html =
  '<!doctype html><html><body><pre id="out"></pre><script type="module" src="./main.js"></script></body></html>';

/** The same through 'bridgeface/worker', with the worker the package starts itself. */
const workerScript = `import { createWorkerRecognizer } from 'bridgeface/worker';
const out = document.getElementById('out');
try {
  const rec = await createWorkerRecognizer({ backend: 'cpu' });
  const data = new Uint8Array(24 * 24 * 4).map((_, i) => (i * 37) % 251);
  const [e] = await rec.embed([{ data, width: 24, height: 24 }]);
  out.textContent = JSON.stringify({ dim: e.length, norm: Math.hypot(...e), trained: rec.info.trained });
} catch (error) {
  out.textContent = JSON.stringify({ dim: 0, norm: 0, error: String(error) });
}
`;

beforeAll(() => {
  const packed = run('npm', ['pack', '--pack-destination', dir, '--silent'], repo);
  expect(packed.code, packed.out).toBe(0);
  tarball = path.join(dir, readdirSync(dir).find((f) => f.endsWith('.tgz'))!);
}, 300_000);

afterAll(async () => {
  await browser?.close();
  for (const child of children) child.kill();
  rmSync(dir, { recursive: true, force: true });
});

describe('the packed tarball', () => {
  it('installs lean in a browser app: no Dawn, no sharp; every entry has its file and types', () => {
    const project = freshProject('lean', {});
    const modules = readdirSync(path.join(project, 'node_modules'));
    expect(modules).not.toContain('webgpu');
    expect(modules).not.toContain('sharp');
    const pkg = path.join(project, 'node_modules', 'bridgeface');
    for (const f of [
      'weights/student.bfw',
      'weights/student.bfw.d.ts',
      'dist/index.js',
      'dist/tools.js',
      'dist/cli.js',
      'dist/worker.js',
      'dist/worker-client.js',
      'dist/types/index.d.ts',
      'dist/types/tools.d.ts',
      'dist/types/api/worker-client.d.ts',
      'bin/bridgeface.js',
    ]) {
      expect(existsSync(path.join(pkg, f)), f).toBe(true);
    }
    expect(
      existsSync(path.join(pkg, 'src')) || existsSync(path.join(pkg, 'demo')) || existsSync(path.join(pkg, 'test')),
    ).toBe(false);
  }, 300_000);

  it('Node: embeds a face with the shipped weights; the installed CLI runs (with sharp added)', () => {
    const project = freshProject(
      'node',
      {
        'embed.mjs': `import sharp from 'sharp';
import { createRecognizer, Gallery } from 'bridgeface';
import { prepareFace } from 'bridgeface/tools';
import 'bridgeface/worker';
const rec = await createRecognizer({ backend: 'cpu' });
const { data, info } = await sharp('face.jpg').ensureAlpha().raw().toBuffer({ resolveWithObject: true });
const face = prepareFace({ data: new Uint8Array(data), width: info.width, height: info.height }, rec.weights.input, { size: 16 });
const [e] = await rec.embed([face]);
const g = new Gallery();
g.add('laura', e);
const id = await rec.identify(face, g);
console.log(JSON.stringify({ dim: e.length, norm: Math.hypot(...e), parameters: rec.info.parameters, id }));
rec.dispose();
`,
      },
      ['sharp'],
    );
    copyFileSync(path.join(repo, 'demo/public/samples/Laura_Bush_0001.jpg'), path.join(project, 'face.jpg'));
    const embedded = run('node', ['embed.mjs'], project);
    expect(embedded.code, embedded.out).toBe(0);
    const result = JSON.parse(embedded.out.trim().split('\n').pop()!);
    expect(result.dim).toBe(128);
    expect(result.norm).toBeCloseTo(1, 4);
    expect(result.parameters).toBeGreaterThan(190_000);
    expect(result.id).toMatchObject({ outcome: 'match', label: 'laura', calibratedSize: '16' });

    const cli = run(
      'npx',
      ['--no-install', 'bridgeface', 'embed', 'face.jpg', 'missing.jpg', '--backend', 'cpu', '--size', '12'],
      project,
    );
    expect(cli.code).toBe(1);
    expect(cli.out).toContain('missing.jpg: no such file or folder');
    expect(JSON.parse(cli.out.slice(cli.out.indexOf('{'), cli.out.lastIndexOf('}') + 1)).embeddings).toHaveLength(1);
    const bench = run('npx', ['--no-install', 'bridgeface', 'bench'], project);
    expect(bench.code).toBe(1);
    expect(bench.out).toContain('source checkout');
  }, 300_000);

  it('a fresh Vite app embeds a face in Chromium with the default weights, on the page and in the worker: production build and dev server', async () => {
    const project = freshProject('vite-app', {
      'index.html': html,
      'main.js': pageScript('', ''),
      'worker.html': html.replace('./main.js', './worker-main.js'),
      'worker-main.js': workerScript,
      // two pages, nothing else configured
      'vite.config.js': "export default { build: { rollupOptions: { input: ['index.html', 'worker.html'] } } };",
    });
    const built = run(process.execPath, [viteBin, 'build', '--logLevel', 'warn'], project);
    expect(built.code, built.out).toBe(0);
    expect(
      readdirSync(path.join(project, 'dist/assets')).some((f) => f.endsWith('.bfw')),
      'the build emits the weights',
    ).toBe(true);
    const preview = await serve([viteBin, 'preview', '--host', '127.0.0.1'], project);
    const fromBuild = await pageResult(preview);
    expect(fromBuild.error).toBeUndefined();
    expect(fromBuild).toMatchObject({ dim: 128, trained: true });
    expect(fromBuild.norm).toBeCloseTo(1, 4);
    expect(await pageResult(`${preview}worker.html`)).toMatchObject({ dim: 128, trained: true });

    const dev = await serve([viteBin, '--host', '127.0.0.1'], project);
    const fromDev = await pageResult(dev);
    expect(fromDev.error).toBeUndefined();
    expect(fromDev).toMatchObject({ dim: 128, trained: true });
    expect(await pageResult(`${dev}worker.html`)).toMatchObject({ dim: 128, trained: true });
  }, 300_000);

  it('an esbuild bundle embeds a face in Chromium, importing the weights file explicitly', async () => {
    const project = freshProject('esbuild-app', {
      'index.html': html.replace('./main.js', './out/main.js'),
      'src.js': pageScript(
        "import weights from 'bridgeface/weights/student.bfw';",
        ', weights: new URL(weights, import.meta.url)',
      ),
    });
    const bundled = run(
      esbuildBin,
      [
        'src.js',
        '--bundle',
        '--format=esm',
        '--platform=browser',
        '--minify',
        '--loader:.bfw=file',
        '--outfile=out/main.js',
        '--log-level=warning',
      ],
      project,
    );
    expect(bundled.code, bundled.out).toBe(0);
    const url = await serve([viteBin, 'preview', '--outDir', '.', '--host', '127.0.0.1'], project);
    const result = await pageResult(url);
    expect(result.error).toBeUndefined();
    expect(result).toMatchObject({ dim: 128, trained: true });
    expect(result.norm).toBeCloseTo(1, 4);
  }, 300_000);
});
