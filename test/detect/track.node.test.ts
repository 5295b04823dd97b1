/** Following faces across frames: optimal association, stable track ids, and identification from the track mean. */
import { describe, expect, it } from 'vitest';
import { identification, operatingPoint } from '../../src/api/decision.js';
import { FaceTracker, meanEmbedding } from '../../src/api/detect-video.js';
import { Gallery } from '../../src/api/gallery.js';
import type { IdentifiedFace, Recognizer } from '../../src/api/recognizer.js';
import { associate } from '../../src/detect/associate.js';

const box = (x: number, y: number, s = 20) => ({ x, y, width: s, height: s });

function unit(v: number[]): Float32Array {
  const n = Math.hypot(...v);
  return Float32Array.from(v, (x) => x / n);
}

describe('associate', () => {
  it('maximises total overlap where a greedy choice would steal a neighbour', () => {
    // Track 0 overlaps both detections, slightly more with detection 0; track 1 overlaps only detection 0.
    const tracks = [box(10, 0), box(0, 0)];
    const detections = [box(5, 0), box(17, 0)];
    expect(associate(tracks, detections, 0.1).sort()).toEqual([
      [0, 1],
      [1, 0],
    ]);
    expect(associate(tracks, [box(500, 500)], 0.1)).toEqual([]);
    expect(associate([], detections, 0.1)).toEqual([]);
  });
});

describe('FaceTracker', () => {
  const dim = 4;
  const gallery = new Gallery({ dim, search: 'cpu' });
  gallery.add('Ada', [unit([1, 0, 0, 0])]);
  gallery.add('Bob', [unit([0, 1, 0, 0])]);
  const threshold = 0.8;
  // update() needs only the recognizer's thresholds: the faces come identified. One operating point at 16 px.
  const point = { threshold, tar: 0.5, far: 1e-3 };
  const rec = { info: { thresholds: { sizes: { '16': { 'far_1e-3': point } } } } } as unknown as Recognizer;
  const face = (b: ReturnType<typeof box>, embedding: Float32Array): IdentifiedFace => ({
    box: b,
    score: 0.9,
    landmarks: [],
    alignment: 'landmarks',
    chip: { data: new Uint8Array(4), width: 16, height: 16 },
    embedding,
    ...identification([], 2, operatingPoint(rec.info.thresholds, 1e-3, 16)),
  });
  const tracker = new FaceTracker(rec, gallery, { window: 4 });

  it('keeps a track id while a face moves, gives a new face a new id, and names a track by its mean embedding', async () => {
    // Ada's frames are noisy: each alone is below the threshold, the mean is not.
    const noisy = [
      unit([1, 0.7, 0, 0.3]),
      unit([1, -0.3, 0.7, 0.2]),
      unit([1, 0.3, -0.6, -0.4]),
      unit([1, -0.6, -0.3, 0.4]),
    ];
    const ids: number[] = [];
    let last: Awaited<ReturnType<FaceTracker['update']>> = [];
    for (let f = 0; f < 4; f++) {
      const faces = [face(box(100 + 3 * f, 50), noisy[f])];
      if (f >= 2) faces.push(face(box(300, 50 + f), unit([0, 1, 0, 0.1])));
      last = await tracker.update(faces);
      ids.push(last[0].trackId);
      expect(last[0].trackFrames).toBe(f + 1);
    }
    expect(new Set(ids).size).toBe(1);
    expect(last[1].trackId).not.toBe(last[0].trackId);
    expect(last[1].track.label).toBe('Bob');
    for (const e of noisy) expect(e[0]).toBeLessThan(threshold);
    expect(meanEmbedding(noisy)[0]).toBeGreaterThan(threshold);
    expect([last[0].track.outcome, last[0].track.label]).toEqual(['match', 'Ada']);
    expect(last[0].track.threshold).toBe(threshold);
    expect(last[0].track.candidates[0].similarity).toBeCloseTo(meanEmbedding(noisy)[0], 2);
  });

  it('averages only the last `window` frames and forgets tracks unseen for too long', async () => {
    const t = new FaceTracker(rec, gallery, { window: 2, maxMissed: 1 });
    const first = await t.update([face(box(0, 0), unit([1, 0, 0, 0]))]);
    for (let f = 0; f < 3; f++)
      expect((await t.update([face(box(0, 0), unit([0, 1, 0, 0]))]))[0].trackFrames).toBeLessThanOrEqual(2);
    expect((await t.update([face(box(0, 0), unit([0, 1, 0, 0]))]))[0].track.label).toBe('Bob');
    await t.update([]);
    await t.update([]);
    const again = await t.update([face(box(0, 0), unit([1, 0, 0, 0]))]);
    expect(again[0].trackId).not.toBe(first[0].trackId);
    expect(again[0].trackFrames).toBe(1);
  });
});
