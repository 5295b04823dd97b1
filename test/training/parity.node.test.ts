// The TypeScript runtime reproduces the PyTorch student (training/bridgeface_train/model.py: runtime_forward on the
// exported tensors, float64) on ≥ 500 real LFW faces: cosine ≥ 0.9999 each, CPU and WebGPU (Dawn) backends.
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

describe.skipIf(!!reason)('student parity: TypeScript runtime vs PyTorch on real faces', () => {
  const faces: Array<RgbaImage & { box?: { x: number; y: number; width: number; height: number } }> = [];
  let expected: Float32Array;
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
    execFileSync(
      python,
      [
        '-m',
        'bridgeface_train.parity',
        weightsPath,
        path.join(tmp, 'faces.json'),
        path.join(tmp, 'faces.rgba'),
        path.join(tmp, 'out.f32'),
      ],
      {
        cwd: repoRoot,
        env: { ...process.env, PYTHONPATH: path.join(repoRoot, 'training') },
        stdio: 'inherit',
      },
    );
    const buf = fs.readFileSync(path.join(tmp, 'out.f32'));
    expected = new Float32Array(buf.buffer, buf.byteOffset, buf.length / 4);
  }, 300_000);
  afterAll(() => {
    if (tmp) fs.rmSync(tmp, { recursive: true, force: true });
  });

  async function check(backend: 'cpu' | 'webgpu') {
    const rec = await createRecognizer({ backend, weights: fs.readFileSync(weightsPath) });
    try {
      const out: Float32Array[] = [];
      for (let i = 0; i < faces.length; i += 128) out.push(...(await rec.embed(faces.slice(i, i + 128))));
      let worst = 1;
      out.forEach((e, i) => {
        worst = Math.min(worst, rec.similarity(e, expected.subarray(i * 128, (i + 1) * 128).slice()));
      });
      console.log(`[parity] ${backend} (${rec.info.adapter}): ${out.length} faces, worst cosine ${worst.toFixed(7)}`);
      expect(out.length).toBe(N);
      expect(worst).toBeGreaterThanOrEqual(0.9999);
    } finally {
      rec.dispose();
    }
  }

  it('cpu backend', () => check('cpu'), 300_000);

  it('webgpu backend (Dawn)', async (ctx) => {
    try {
      const probe = await createRecognizer({ backend: 'webgpu', weights: fs.readFileSync(weightsPath) });
      probe.dispose();
    } catch (e) {
      console.warn(`[parity] webgpu skipped: no adapter (${(e as Error).message})`);
      ctx.skip();
    }
    await check('webgpu');
  }, 300_000);
});
