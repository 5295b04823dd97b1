// The TypeScript runtime reproduces the PyTorch student (training/bridgeface_train/model.py: runtime_forward on the
// exported tensors, float64) on ≥ 500 real LFW faces: cosine ≥ 0.9999 each, CPU and WebGPU (Dawn) backends. The
// shipped student (depthwise-separable blocks), and inverted-residual candidates exported by Python (ir; ir-head,
// with the 1×1 head), whose BatchNorm statistics come from a few training-mode passes so the folding is not trivial.
import { execFileSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import sharp from 'sharp';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { looseBox } from '../../src/api/face-box.js';
import { createRecognizer } from '../../src/index.js';
import type { RgbaImage } from '../../src/runtime/image.js';
import { degradeFace } from '../../src/runtime/resize.js';
import { dataRoot, python, repoRoot, skipReason } from './helpers.js';

const reason = skipReason(true);
if (reason) console.warn(`[parity] skipped: ${reason}`);
const weightsPath = process.env.BRIDGEFACE_WEIGHTS ?? path.join(repoRoot, 'weights/student.bfw');
const N = 512;
/** Architecture candidates (bridgeface_train/candidates.py) checked beside the student. */
const CANDIDATES = ['ir', 'ir-head'];
const EXPORT_CANDIDATES = [
  'import os, sys, torch',
  'from bridgeface_train.candidates import CANDIDATES, write_candidate',
  'from bridgeface_train.model import Student',
  'torch.manual_seed(0)',
  'for name in sys.argv[2:]:',
  '    m = Student(CANDIDATES[name]).train()',
  '    with torch.no_grad():',
  '        for _ in range(3):',
  '            m(torch.randn(16, 3, 32, 32) * 2 + 0.3)',
  '    write_candidate(os.path.join(sys.argv[1], name + ".bfw"), name, m)',
].join('\n');

describe.skipIf(!!reason)('student parity: TypeScript runtime vs PyTorch on real faces', () => {
  const faces: Array<RgbaImage & { box?: { x: number; y: number; width: number; height: number } }> = [];
  const weightFiles = new Map<string, string>([['student', weightsPath]]);
  const expected = new Map<string, Float32Array>();
  let tmp: string;

  beforeAll(async () => {
    const root = dataRoot()!;
    const people = fs.readdirSync(path.join(root, 'lfw/images')).sort();
    const files: string[] = [];
    for (const p of people) {
      for (const f of fs.readdirSync(path.join(root, 'lfw/images', p)).sort())
        files.push(path.join(root, 'lfw/images', p, f));
      if (files.length >= N) break;
    }
    // A spread of inputs: LR faces 8–32 px (area downsample of the loose box), and every 8th the full image + box.
    for (let i = 0; i < N; i++) {
      const { data, info } = await sharp(files[i]).ensureAlpha().raw().toBuffer({ resolveWithObject: true });
      const img = {
        data: new Uint8Array(data.buffer, data.byteOffset, data.length),
        width: info.width,
        height: info.height,
      };
      const box = looseBox(img.width, img.height);
      faces.push(i % 8 === 0 ? { ...img, box } : degradeFace({ ...img, channels: 4 }, 8 + (i % 25), box));
    }
    tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'bf-parity-'));
    let offset = 0;
    const meta = faces.map((f) => {
      const m = { width: f.width, height: f.height, offset, box: f.box ?? null };
      offset += f.data.length;
      return m;
    });
    fs.writeFileSync(path.join(tmp, 'faces.json'), JSON.stringify(meta));
    fs.writeFileSync(
      path.join(tmp, 'faces.rgba'),
      Buffer.concat(faces.map((f) => Buffer.from(f.data.buffer, f.data.byteOffset, f.data.length))),
    );
    const options = {
      cwd: repoRoot,
      env: { ...process.env, PYTHONPATH: path.join(repoRoot, 'training') },
      stdio: 'inherit' as const,
    };
    execFileSync(python, ['-c', EXPORT_CANDIDATES, tmp, ...CANDIDATES], options);
    for (const name of CANDIDATES) weightFiles.set(name, path.join(tmp, `${name}.bfw`));
    for (const [name, file] of weightFiles) {
      const out = path.join(tmp, `${name}.f32`);
      const args = ['-m', 'bridgeface_train.parity', file, path.join(tmp, 'faces.json'), path.join(tmp, 'faces.rgba')];
      execFileSync(python, [...args, out], options);
      const buf = fs.readFileSync(out);
      expected.set(name, new Float32Array(buf.buffer, buf.byteOffset, buf.length / 4));
    }
  }, 600_000);
  afterAll(() => {
    if (tmp) fs.rmSync(tmp, { recursive: true, force: true });
  });

  async function check(name: string, backend: 'cpu' | 'webgpu') {
    const rec = await createRecognizer({ backend, weights: fs.readFileSync(weightFiles.get(name)!) });
    try {
      const out: Float32Array[] = [];
      for (let i = 0; i < faces.length; i += 128) out.push(...(await rec.embed(faces.slice(i, i + 128))));
      const d = rec.info.embeddingDim;
      let worst = 1;
      out.forEach((e, i) => {
        worst = Math.min(
          worst,
          rec.similarity(
            e,
            expected
              .get(name)!
              .subarray(i * d, (i + 1) * d)
              .slice(),
          ),
        );
      });
      console.log(
        `[parity] ${name}, ${backend} (${rec.info.adapter}): ${out.length} faces, worst cosine ${worst.toFixed(7)}`,
      );
      expect(out.length).toBe(N);
      expect(worst).toBeGreaterThanOrEqual(0.9999);
    } finally {
      rec.dispose();
    }
  }

  for (const name of ['student', ...CANDIDATES]) {
    it(`${name}: cpu backend`, () => check(name, 'cpu'), 300_000);

    it(`${name}: webgpu backend (Dawn)`, async (ctx) => {
      try {
        const probe = await createRecognizer({ backend: 'webgpu', weights: fs.readFileSync(weightFiles.get(name)!) });
        probe.dispose();
      } catch (e) {
        console.warn(`[parity] webgpu skipped: no adapter (${(e as Error).message})`);
        ctx.skip();
      }
      await check(name, 'webgpu');
    }, 300_000);
  }
});
