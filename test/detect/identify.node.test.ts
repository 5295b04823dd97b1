/**
 * From a frame to names: rec.identifyFaces on a synthetic group frame (the demo's sample faces pasted into a
 * background) against a gallery enrolled from other images of the same people; and the CLI's detect, enroll
 * and identify commands on files. Uses BlazeFace (the default detector; skipped without its package).
 */
import { copyFileSync, mkdirSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import path from 'node:path';
import sharp from 'sharp';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { operatingPoint } from '../../src/api/decision.js';
import { cropFaces } from '../../src/api/detect-faces.js';
import { Gallery } from '../../src/api/gallery.js';
import { type Recognizer, createRecognizer } from '../../src/api/recognizer.js';
import { runCli } from '../../src/cli/main.js';
import { BLAZEFACE_PACKAGE_FILE, type FaceDetector, createDetector } from '../../src/detect/detector.js';
import { iou } from '../../src/detect/nms.js';
import { type Pasted, background, paste, sample, sampleFile } from './synthetic.js';

let hasBlazeFace = true;
try {
  createRequire(import.meta.url).resolve(BLAZEFACE_PACKAGE_FILE);
} catch {
  hasBlazeFace = false;
}

const PEOPLE = ['Tony_Blair', 'Laura_Bush', 'Colin_Powell', 'Serena_Williams'];

async function groupFrame(size: number): Promise<{ frame: ReturnType<typeof background>; faces: Pasted[] }> {
  const frame = background(480, 200, 7);
  const faces: Pasted[] = [];
  for (const [i, name] of PEOPLE.entries())
    faces.push(paste(frame, await sample(name, 3), size, 30 + i * 115, 70, name));
  return { frame, faces };
}

describe.skipIf(!hasBlazeFace)('identifyFaces', () => {
  let rec: Recognizer;
  let detector: FaceDetector;
  const gallery = new Gallery({ search: 'cpu' });
  beforeAll(async () => {
    rec = await createRecognizer({ backend: 'cpu' });
    detector = await createDetector();
    for (const name of PEOPLE) {
      const chips = [];
      for (const i of [1, 2]) {
        const image = await sample(name, i);
        const faces = await detector.detect(image, { minFace: 30 });
        const largest = faces.reduce((a, b) => (b.box.width > a.box.width ? b : a));
        chips.push(cropFaces(image, [largest], 'blazeface')[0].chip);
      }
      gallery.add(name, await rec.embed(chips));
    }
  });
  afterAll(() => {
    rec.dispose();
    detector.dispose();
  });

  it('names the people of a group frame (48-px faces) from images they were not enrolled with', async () => {
    const { frame, faces } = await groupFrame(48);
    const found = await rec.identifyFaces(frame, gallery, { detector, k: 3, minFace: 24 });
    expect(found).toHaveLength(PEOPLE.length);
    let correct = 0;
    for (const truth of faces) {
      const f = found.find((d) => iou(d.box, truth.box) > 0.3)!;
      expect(f, truth.label).toBeDefined();
      expect(f.alignment).toBe('landmarks');
      expect(f.candidates).toHaveLength(3);
      expect(f.chip.width).toBeGreaterThan(40);
      expect(f.embedding).toHaveLength(rec.info.embeddingDim);
      // A name exactly when the best candidate reaches the threshold calibrated for this face's size.
      expect(f.outcome).toBe(f.candidates[0].similarity >= f.threshold ? 'match' : 'unknown');
      expect(f.label).toBe(f.outcome === 'match' ? f.candidates[0].label : undefined);
      expect(f.faceSize).toBe(f.chip.width);
      expect(f.threshold).toBe(operatingPoint(rec.info.thresholds, 1e-3, f.chip.width).threshold);
      expect(f.candidates.map((c) => c.label)).toContain(truth.label);
      if (f.candidates[0].label === truth.label) correct++;
    }
    // A check of the pipeline, not an accuracy figure (training/README.md measures those): every person is among the
    // top 3 of 4 above, and at least 2 are named first (chance: 1). The shipped v2 student names 2 of these four LFW
    // people first at 48 px; v1, trained on two thirds LFW images, named 3.
    expect(correct).toBeGreaterThanOrEqual(2);
  });

  it('answers "unknown" for everyone against a gallery of other people, at a strict threshold', async () => {
    const others = new Gallery({ search: 'cpu' });
    others.add('someone else', await rec.embed([await sample('Hugo_Chavez', 1)]));
    const found = await rec.identifyFaces((await groupFrame(48)).frame, others, { detector, far: 1e-3, minFace: 24 });
    expect(found.length).toBe(PEOPLE.length);
    for (const f of found) expect([f.outcome, f.label]).toEqual(['unknown', undefined]);
    expect(await rec.identifyFaces(background(200, 120), others, { detector })).toEqual([]);
  });
});

describe.skipIf(!hasBlazeFace)('bridgeface detect / enroll / identify', () => {
  const tmp = mkdtempSync(path.join(tmpdir(), 'bridgeface-detect-'));
  async function cli(...argv: string[]) {
    let stdout = '';
    let stderr = '';
    const code = await runCli(argv, { stdout: (t) => (stdout += t), stderr: (t) => (stderr += t) });
    return { code, stdout, stderr };
  }
  async function writeFrame(): Promise<{ file: string; faces: Pasted[] }> {
    const { frame, faces } = await groupFrame(48);
    const file = path.join(tmp, 'group.png');
    await sharp(Buffer.from(frame.data), { raw: { width: frame.width, height: frame.height, channels: 4 } })
      .png()
      .toFile(file);
    return { file, faces };
  }

  it('detect --json prints exactly { images: [{ file, width, height, faces: [{ box, score, landmarks }] }] }; a bad file is named, exit 1', async () => {
    const { file, faces } = await writeFrame();
    const bad = path.join(tmp, 'bad.jpg');
    writeFileSync(bad, 'not an image');
    const r = await cli('detect', file, bad, '--json', '--min-face', '24');
    expect(r.code).toBe(1);
    expect(r.stderr).toContain('bad.jpg');
    const out = JSON.parse(r.stdout);
    expect(Object.keys(out)).toEqual(['images']);
    expect(out.images).toHaveLength(1);
    const [image] = out.images;
    expect(Object.keys(image)).toEqual(['file', 'width', 'height', 'faces']);
    expect(image).toMatchObject({ file, width: 480, height: 200 });
    expect(image.faces).toHaveLength(faces.length);
    for (const f of image.faces) {
      expect(Object.keys(f)).toEqual(['box', 'score', 'landmarks']);
      expect(Object.keys(f.box)).toEqual(['x', 'y', 'width', 'height']);
      expect(f.landmarks.every((p: number[]) => p.length === 2)).toBe(true);
    }
    const text = await cli('detect', file, '--min-face', '24');
    expect(text.code).toBe(0);
    expect(text.stdout).toContain(`${faces.length} faces`);
    expect((await cli('detect', file, '--detector', 'yunet')).code).toBe(1); // no YuNet weights given
  });

  it('enroll builds a gallery from one folder per person; identify names the faces of a group photo', async () => {
    const folders = PEOPLE.map((name) => {
      const dir = path.join(tmp, 'people', name);
      mkdirSync(dir, { recursive: true });
      for (const i of [1, 2]) copyFileSync(sampleFile(name, i), path.join(dir, `${i}.jpg`));
      return dir;
    });
    const g = path.join(tmp, 'g.bfg');
    const e = await cli('enroll', ...folders, '--out', g, '--backend', 'cpu', '--min-face', '30');
    expect(e.stderr).toBe('');
    expect(e.code).toBe(0);
    expect(e.stdout).toContain('wrote');
    const saved = Gallery.load(new Uint8Array(readFileSync(g)));
    expect(saved.labels()).toEqual(PEOPLE);
    expect(saved.rows).toBe(2 * PEOPLE.length);
    const { file, faces } = await writeFrame();
    const r = await cli('identify', file, '--gallery', g, '--backend', 'cpu', '--json', '--k', '2', '--min-face', '24');
    expect(r.code).toBe(0);
    const out = JSON.parse(r.stdout);
    const found = out.images[0].faces;
    expect(found).toHaveLength(faces.length);
    let correct = 0;
    for (const truth of faces) {
      const f = found.find((d: { box: Pasted['box'] }) => iou(d.box, truth.box) > 0.3);
      expect(f.candidates).toHaveLength(2);
      expect(['landmarks', 'box']).toContain(f.alignment);
      if (f.candidates[0].label === truth.label) correct++;
    }
    // The CLI's pipeline, not an accuracy figure: at least 2 of the 4 named first (chance: 1), as identifyFaces
    // above with the shipped v2 student (v1 named 3).
    expect(correct).toBeGreaterThanOrEqual(2);
    expect((await cli('identify', file, '--backend', 'cpu')).code).toBe(2); // --gallery is required
    expect(
      (await cli('enroll', path.join(tmp, 'group.png'), '--out', path.join(tmp, 'x.bfg'), '--backend', 'cpu')).code,
    ).toBe(1);
  });
});
