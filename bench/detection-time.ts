/**
 * Time per photo of each detector at several minFace values, on 6 WIDER photos (every 59th; 1024 px wide), with
 * the passes each minFace plans for a 1024×683 frame. YuNet runs on every backend asked for — ONNX Runtime (one
 * thread), bridgeface's CPU kernels (one thread), bridgeface's WebGPU kernels (in Node: Dawn's adapter, here
 * SwiftShader) — alternating between them photo by photo in one process, so a change of load hits all alike.
 * CPU time (user + system of the whole process, so SwiftShader's threads count) is reported beside wall time,
 * because this machine is shared: see docs/detection.md.
 *
 *   node --import tsx --import ./scripts/register-wgsl.mjs bench/detection-time.ts --wider <widerface-subset> \
 *     --yunet yunet.onnx [--backends onnxruntime,cpu,webgpu] [--no-blazeface] [--min-faces 24,16,12,10]
 */
import os from 'node:os';
import path from 'node:path';
import { decodeImage } from '../src/cli/images.js';
import { type DetectorBackend, type FaceDetector, createDetector } from '../src/detect/detector.js';
import { readWiderBoxes } from './wider.js';

const argv = process.argv.slice(2);
const arg = (name: string): string | undefined => (argv.includes(name) ? argv[argv.indexOf(name) + 1] : undefined);
const root = arg('--wider');
const yunet = arg('--yunet');
const backends = (arg('--backends') ?? 'onnxruntime').split(',') as DetectorBackend[];
const minFaces = (arg('--min-faces') ?? '24,16,12,10').split(',').map(Number);
if (!root) {
  console.error(
    'usage: node --import tsx --import ./scripts/register-wgsl.mjs bench/detection-time.ts --wider <widerface-subset> [--yunet yunet.onnx] [--backends onnxruntime,cpu,webgpu] [--no-blazeface] [--min-faces 24,16]',
  );
  process.exit(2);
}
const photos = readWiderBoxes(root)
  .filter((_, i) => i % 59 === 0)
  .slice(0, 6);
const images = [];
for (const p of photos) images.push(await decodeImage(path.join(root, 'WIDER_val/images', p.file)));
console.log(
  'photos',
  images.map((i) => `${i.width}×${i.height}`).join(' '),
  'uptime load',
  os
    .loadavg()
    .map((l) => l.toFixed(1))
    .join(' '),
);

const ortThreads = { intraOpNumThreads: 1, interOpNumThreads: 1 };
const detectors: Array<{ label: string; detector: FaceDetector }> = [];
if (yunet) {
  for (const backend of backends) {
    const detector = await createDetector({ model: 'yunet', weights: yunet, backend, sessionOptions: ortThreads });
    detectors.push({ label: `yunet ${backend} (${detector.info.runtime})`, detector });
  }
}
if (!argv.includes('--no-blazeface'))
  detectors.push({ label: 'blazeface onnxruntime', detector: await createDetector({ sessionOptions: ortThreads }) });
for (const { detector } of detectors) await detector.detect(images[0], { minFace: 16 }); // warm-up: plans, pipelines

for (const minFace of minFaces) {
  const times = detectors.map(() => ({ cpu: [] as number[], wall: [] as number[] }));
  for (const [i, img] of images.entries()) {
    // Alternate the order photo by photo so that neither side always runs first (after the other warmed caches).
    const order = detectors.map((_, j) => j);
    if (i % 2 === 1) order.reverse();
    for (const j of order) {
      const c = process.cpuUsage();
      const t = performance.now();
      await detectors[j].detector.detect(img, { minFace });
      const u = process.cpuUsage(c);
      times[j].wall.push(performance.now() - t);
      times[j].cpu.push((u.user + u.system) / 1000);
    }
  }
  const median = (v: number[]) => [...v].sort((a, b) => a - b)[v.length >> 1];
  for (const [j, { label, detector }] of detectors.entries()) {
    const passes = detector
      .plan(1024, 683, minFace)
      .map((p) => `${p.scale.toFixed(2)}×${p.tiles.length}`)
      .join(' ');
    console.log(
      label,
      '| minFace',
      minFace,
      '| passes',
      passes,
      '| CPU ms median',
      median(times[j].cpu).toFixed(0),
      '| wall ms median',
      median(times[j].wall).toFixed(0),
      '| load',
      os.loadavg()[0].toFixed(1),
    );
  }
}
for (const { detector } of detectors) detector.dispose();
