/**
 * The CLI in-process (runCli): each command, its output formats, and the error cases. Inputs are the demo's
 * committed sample faces (LFW-framed, 125×125), so no external data is needed.
 */
import { execFileSync } from 'node:child_process';
import { copyFileSync, mkdirSync, mkdtempSync, readFileSync, readdirSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { PassThrough } from 'node:stream';
import { fileURLToPath } from 'node:url';
import sharp from 'sharp';
import { describe, expect, it } from 'vitest';
import { prepareFace } from '../../src/api/prepare.js';
import { createRecognizer } from '../../src/api/recognizer.js';
import { packageRoot } from '../../src/cli/bench.js';
import { dawnWarningFilter } from '../../src/cli/dawn-stderr.js';
import { decodeImage } from '../../src/cli/images.js';
import { runCli } from '../../src/cli/main.js';
import { randomWeights } from '../../src/model/random-weights.js';
import { writeWeights } from '../../src/model/weights-format.js';

const samples = fileURLToPath(new URL('../../demo/public/samples/', import.meta.url));
const sample = (name: string, i: number) => path.join(samples, `${name}_${String(i).padStart(4, '0')}.jpg`);
const tmp = mkdtempSync(path.join(tmpdir(), 'bridgeface-cli-'));

async function cli(...argv: string[]) {
  let stdout = '';
  let stderr = '';
  const code = await runCli(argv, { stdout: (t) => (stdout += t), stderr: (t) => (stderr += t) });
  return { code, stdout, stderr };
}

describe('bridgeface embed', () => {
  it('embeds files and folders in input order; bad files are named, the rest processed, exit 1', async () => {
    const folder = path.join(tmp, 'folder');
    mkdirSync(folder, { recursive: true });
    copyFileSync(sample('Laura_Bush', 1), path.join(folder, 'b.jpg'));
    copyFileSync(sample('Tony_Blair', 1), path.join(folder, 'a.jpg'));
    writeFileSync(path.join(folder, 'notes.txt'), 'not an image'); // ignored inside folders
    const fake = path.join(tmp, 'fake.jpg');
    writeFileSync(fake, 'this is text, not a JPEG');
    const r = await cli(
      'embed',
      sample('Colin_Powell', 1),
      fake,
      folder,
      path.join(tmp, 'missing.png'),
      '--backend',
      'cpu',
      '--size',
      '16',
    );
    expect(r.code).toBe(1);
    const out = JSON.parse(r.stdout);
    expect(out.embeddings.map((e: { file: string }) => path.basename(e.file))).toEqual([
      'Colin_Powell_0001.jpg',
      'a.jpg',
      'b.jpg',
    ]);
    expect(out.embeddings[0].embedding).toHaveLength(128);
    expect(out.size).toBe(16);
    expect(out.failed.map((f: { file: string }) => f.file)).toEqual([fake, path.join(tmp, 'missing.png')]);
    expect(r.stderr).toContain(`${fake}: not a readable image`);
    expect(r.stderr).toContain('missing.png: no such file or folder');
    expect(r.stderr).toContain('2 of 5 inputs failed');
  });

  it('--size N gives the evaluation-path face (prepareFace: loose box + area downsample) to rec.embed', async () => {
    const r = await cli('embed', sample('Hugo_Chavez', 2), '--backend', 'cpu', '--size', '12');
    expect(r.code).toBe(0);
    const rec = await createRecognizer({ backend: 'cpu' });
    const [expected] = await rec.embed([
      prepareFace(await decodeImage(sample('Hugo_Chavez', 2)), rec.weights.input, { size: 12 }),
    ]);
    const got = JSON.parse(r.stdout).embeddings[0].embedding as number[];
    got.forEach((v, i) => expect(v).toBeCloseTo(expected[i], 6));
    rec.dispose();
  });

  it('--format f32 writes N×D floats and the file names beside them', async () => {
    const out = path.join(tmp, 'emb.f32');
    const r = await cli(
      'embed',
      sample('Vladimir_Putin', 1),
      sample('Vladimir_Putin', 2),
      '--backend',
      'cpu',
      '--format',
      'f32',
      '--out',
      out,
    );
    expect(r.code).toBe(0);
    expect(statSync(out).size).toBe(2 * 128 * 4);
    expect(
      readFileSync(`${out}.txt`, 'utf8')
        .trim()
        .split('\n')
        .map((f) => path.basename(f)),
    ).toEqual(['Vladimir_Putin_0001.jpg', 'Vladimir_Putin_0002.jpg']);
    const v = new Float32Array(Uint8Array.from(readFileSync(out)).buffer);
    expect(Math.hypot(...v.subarray(0, 128))).toBeCloseTo(1, 4);
  });

  it('usage errors exit 2 with one line and a hint; --version and --help exit 0', async () => {
    for (const argv of [
      ['embed', sample('Laura_Bush', 1), '--size', '0'],
      ['embed', sample('Laura_Bush', 1), '--format', 'f32'],
      ['embed', sample('Laura_Bush', 1), '--crop', '1,2,3'],
      ['eval-lfw', tmp, '--sizes', '0,abc'],
      ['frobnicate'],
      ['embed'],
    ]) {
      const r = await cli(...argv);
      expect(r.code, argv.join(' ')).toBe(2);
      const lines = r.stderr.trim().split('\n');
      expect(lines, argv.join(' ')).toHaveLength(2);
      expect(lines[0]).toMatch(/^bridgeface: /);
      expect(lines[1]).toMatch(/--help for usage\)$/);
    }
    expect((await cli('eval-lfw', tmp, '--sizes', '0,abc')).stderr).toContain('"0" is not an integer from 1 to 1024');
    const version = await cli('--version');
    expect(version.code).toBe(0);
    expect(version.stdout.trim()).toBe(
      JSON.parse(readFileSync(new URL('../../package.json', import.meta.url), 'utf8')).version,
    );
    expect((await cli('--help')).code).toBe(0);
  });

  it('draws a progress bar with ETA on a terminal, and none when stderr is captured', async () => {
    let drawn = '';
    const terminal = Object.assign(new PassThrough(), {
      isTTY: true,
      columns: 100,
      cursorTo: () => true,
      clearLine: () => true,
      moveCursor: () => true,
    });
    terminal.on('data', (d: Buffer) => (drawn += d.toString()));
    const files = [1, 2, 3].map((i) => sample('Colin_Powell', i));
    const code = await runCli(['embed', ...files, '--backend', 'cpu', '--size', '16'], {
      stdout: () => {},
      stderr: () => {},
      progress: terminal,
    });
    expect(code).toBe(0);
    expect(drawn).toMatch(/3\/3 images \| ETA/);
    expect((await cli('embed', ...files, '--backend', 'cpu', '--size', '16')).stderr).not.toContain('ETA');
  });

  it('an empty folder, a FIFO and a pixel bomb are named errors; the other files are embedded', async () => {
    const empty = path.join(tmp, 'empty');
    mkdirSync(empty, { recursive: true });
    const fifo = path.join(tmp, 'pipe.jpg');
    execFileSync('mkfifo', [fifo]);
    const bomb = path.join(tmp, 'bomb.png');
    await sharp({ create: { width: 4000, height: 3000, channels: 3, background: '#000' } })
      .png()
      .toFile(bomb);
    const r = await cli(
      'embed',
      empty,
      fifo,
      bomb,
      sample('Laura_Bush', 1),
      '--backend',
      'cpu',
      '--size',
      '16',
      '--max-pixels',
      '1000000',
    );
    expect(r.code).toBe(1);
    expect(r.stderr).toContain(`${empty}: folder holds no images`);
    expect(r.stderr).toContain(`${fifo}: not a regular file`);
    expect(r.stderr).toContain(`${bomb}: larger than 1,000,000 pixels`);
    expect(JSON.parse(r.stdout).embeddings).toHaveLength(1);
    expect((await cli('embed', empty, '--backend', 'cpu')).code).toBe(1);
  });

  it('writes --out files atomically: a failed write leaves no half-written pair', async () => {
    const out = path.join(tmp, 'atomic.f32');
    writeFileSync(out, 'old');
    mkdirSync(`${out}.txt`, { recursive: true }); // the names file cannot be written: a directory is in the way
    const r = await cli('embed', sample('Laura_Bush', 1), '--backend', 'cpu', '--format', 'f32', '--out', out);
    expect(r.code).toBe(1);
    expect(readFileSync(out, 'utf8')).toBe('old');
    expect(readdirSync(tmp).filter((f) => f.includes('.tmp-'))).toEqual([]);
    expect(r.stderr).not.toMatch(/\n\s+at /);
  });

  it('a face the backend rejects fails alone; the rest of the batch is embedded', async () => {
    const r = await cli(
      'embed',
      sample('Laura_Bush', 1),
      sample('Laura_Bush', 2),
      '--backend',
      'cpu',
      '--crop',
      '1000,1000,10,10',
    );
    expect(r.code).toBe(1);
    expect(JSON.parse(r.stdout).failed).toHaveLength(2);
    const ok = await cli(
      'embed',
      sample('Laura_Bush', 1),
      sample('Laura_Bush', 2),
      '--backend',
      'cpu',
      '--crop',
      '10,10,50,50',
    );
    expect(JSON.parse(ok.stdout).embeddings).toHaveLength(2);
  });
});

describe('bridgeface verify', () => {
  it('prints the similarity and says why it cannot decide with uncalibrated weights (exit 3)', async () => {
    const uncalibrated = path.join(tmp, 'uncalibrated.bfw');
    writeFileSync(uncalibrated, writeWeights(randomWeights(3)));
    const r = await cli(
      'verify',
      sample('Serena_Williams', 1),
      sample('Serena_Williams', 2),
      '--backend',
      'cpu',
      '--size',
      '16',
      '--weights',
      uncalibrated,
    );
    expect(r.code).toBe(3);
    expect(r.stdout).toMatch(/^similarity -?\d\.\d{4}\n/);
    expect(r.stdout).toMatch(/decision\s+unavailable: .*no "far_1e-2" thresholds/);
    expect(r.stdout).toMatch(/^backend {4}cpu/m);
  });

  it('decides with the threshold for the face size (--far, --json), names the backend, and names an unreadable file', async () => {
    const weights = path.join(tmp, 'calibrated.bfw');
    const at = (threshold: number) => ({ threshold, tar: 0.5, far: 0.01 });
    const thresholds = {
      calibration: 'test',
      sizes: { '16': { 'far_1e-2': at(-1), 'far_1e-3': at(0.25) }, hr: { 'far_1e-2': at(-1), 'far_1e-3': at(1) } },
    };
    writeFileSync(weights, writeWeights({ ...randomWeights(2), thresholds }));
    const a = sample('Jacques_Chirac', 1);
    const loose = JSON.parse((await cli('verify', a, a, '--backend', 'cpu', '--weights', weights, '--json')).stdout);
    expect(loose).toMatchObject({ match: true, threshold: -1, far: 0.01, calibratedSize: 'hr', backend: 'cpu' });
    expect(loose.similarity).toBeCloseTo(1, 5);
    const strict = await cli(
      'verify',
      a,
      sample('Laura_Bush', 3),
      '--backend',
      'cpu',
      '--weights',
      weights,
      '--far',
      '1e-3',
    );
    expect(strict.code).toBe(0);
    expect(strict.stdout).toMatch(/different people \(threshold 1.0000 at FAR 0.001, full-resolution calibration\)/);
    expect(strict.stdout).toMatch(
      /^meaning {4}at full resolution this threshold \(1.0000\) accepts ~50 % of genuine pairs and 1.0 % of impostors/m,
    );
    expect(strict.stdout).toMatch(/^backend {4}cpu \(WebAssembly SIMD/m);
    const small = await cli(
      'verify',
      a,
      a,
      '--backend',
      'cpu',
      '--weights',
      weights,
      '--far',
      '1e-3',
      '--size',
      '16',
      '--json',
    );
    expect(JSON.parse(small.stdout)).toMatchObject({ calibratedSize: '16', threshold: 0.25, faceSize: 16 });
    const bad = await cli('verify', a, path.join(tmp, 'nope.jpg'), '--backend', 'cpu');
    expect(bad.code).toBe(1);
    expect(bad.stderr).toContain('nope.jpg');
    expect(bad.stderr).not.toMatch(/\n\s+at /); // no stack trace
  });

  it('warns about sizes outside the trained range and images that cannot be LFW-framed', async () => {
    const wide = path.join(tmp, 'wide.png');
    await sharp({ create: { width: 120, height: 60, channels: 3, background: '#808080' } })
      .png()
      .toFile(wide);
    const r = await cli('verify', wide, sample('Laura_Bush', 1), '--backend', 'cpu', '--size', '6');
    expect(r.stderr).toContain('--size 6 is below the trained range (8–32 px)');
    expect(r.stderr).toMatch(/wide.png is 120×60, not square like an LFW-framed image/);
    expect(
      (await cli('verify', sample('Laura_Bush', 1), sample('Laura_Bush', 2), '--backend', 'cpu', '--size', '64'))
        .stderr,
    ).toContain('above the network');
    expect(
      (await cli('verify', sample('Laura_Bush', 1), sample('Laura_Bush', 2), '--backend', 'cpu', '--size', '16'))
        .stderr,
    ).not.toContain('warning');
  });
});

describe("Dawn's native warnings", () => {
  it('are filtered from stderr (bin/bridgeface.js without --verbose); other lines and progress redraws pass', () => {
    const filter = dawnWarningFilter();
    const dawn =
      'Warning: Vulkan shaderUniform*ArrayDynamicIndexing required.\n - While initializing adapter\n    at InitializeImpl (PhysicalDeviceVk.cpp:257)\n\n';
    let out = filter(`bridgeface: warning: keep me\n${dawn}Warning: maxDynamic reduced.\npart`);
    out += filter('ial line\n\r[===   ] 30% | ETA 2s');
    out += filter('', true);
    expect(out).toBe('bridgeface: warning: keep me\npartial line\n\r[===   ] 30% | ETA 2s');
  });
});

describe('bridgeface eval-lfw', () => {
  it('scores View-2-format pairs with src/eval and prints the table per size', async () => {
    const lfw = path.join(tmp, 'lfw');
    const people = ['Colin_Powell', 'Tony_Blair', 'Laura_Bush', 'Hugo_Chavez'];
    for (const p of people) {
      mkdirSync(path.join(lfw, 'images', p), { recursive: true });
      for (const i of [1, 2, 3]) copyFileSync(sample(p, i), path.join(lfw, 'images', p, `${p}_000${i}.jpg`));
    }
    const pairs = [
      '2 2',
      'Colin_Powell 1 2',
      'Tony_Blair 1 3',
      'Colin_Powell 3 Tony_Blair 2',
      'Colin_Powell 1 Tony_Blair 1',
      'Laura_Bush 1 2',
      'Hugo_Chavez 2 3',
      'Laura_Bush 3 Hugo_Chavez 1',
      'Laura_Bush 2 Hugo_Chavez 2',
    ];
    writeFileSync(path.join(lfw, 'pairs.txt'), `${pairs.join('\n')}\n`);
    const json = path.join(tmp, 'lfw.json');
    const r = await cli('eval-lfw', tmp, '--sizes', '8,16,hr', '--backend', 'cpu', '--json', json);
    expect(r.code).toBe(0);
    expect(r.stdout).toContain('| 8 px |');
    expect(r.stdout).toContain('| HR |');
    const report = JSON.parse(readFileSync(json, 'utf8'));
    expect(report).toMatchObject({ variant: 'unaligned', pairs: 8, images: 12 });
    expect(report.rows.map((x: { size: unknown }) => x.size)).toEqual([8, 16, 'hr']);
    expect(report.rows[0].report.accuracy.perFold).toHaveLength(2);
    expect((await cli('eval-lfw', path.join(tmp, 'nowhere'), '--backend', 'cpu')).code).toBe(1);
  });
});

describe('bridgeface bench', () => {
  it('finds the source checkout it would run `npm run bench` in, and documents itself', async () => {
    expect(packageRoot()).toBe(fileURLToPath(new URL('../..', import.meta.url)).replace(/\/$/, ''));
    const help = await cli('bench', '--help');
    expect(help.code).toBe(0);
    expect(help.stdout).toContain('npm run bench');
    // Outside a source checkout (the installed package) it says where the benchmark lives:
    // covered by test/e2e/package.node.test.ts.
  });
});
