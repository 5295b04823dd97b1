/**
 * CPU time per photo of each detector at several minFace values, on 6 WIDER photos (every 59th; 1024 px wide), one
 * ONNX Runtime thread, with the passes each minFace plans for a 1024×683 frame. CPU time (user + system) rather than
 * wall time, because this machine is shared: see docs/detection.md.
 *
 *   node --import tsx --import ./scripts/register-wgsl.mjs bench/detection-time.ts --wider <widerface-subset> --yunet yunet.onnx
 */
import os from 'node:os';
import path from 'node:path';
import { decodeImage } from '../src/cli/images.js';
import { createDetector } from '../src/detect/detector.js';
import { readWiderBoxes } from './wider.js';

const argv = process.argv.slice(2);
const arg = (name: string): string | undefined => (argv.includes(name) ? argv[argv.indexOf(name) + 1] : undefined);
const root = arg('--wider');
const yunet = arg('--yunet');
if (!root) {
  console.error(
    'usage: node --import tsx --import ./scripts/register-wgsl.mjs bench/detection-time.ts --wider <widerface-subset> [--yunet yunet.onnx]',
  );
  process.exit(2);
}
const photos = readWiderBoxes(root)
  .filter((_, i) => i % 59 === 0)
  .slice(0, 6);
const images = [];
for (const p of photos) images.push(await decodeImage(path.join(root, 'WIDER_val/images', p.file)));
console.log('photos', images.map((i) => `${i.width}×${i.height}`).join(' '), 'load', os.loadavg()[0].toFixed(1));
const families = [...(yunet ? [['yunet', yunet] as const] : []), ['blazeface', undefined] as const];
for (const [model, weights] of families) {
  const det = await createDetector({ model, weights, sessionOptions: { intraOpNumThreads: 1, interOpNumThreads: 1 } });
  await det.detect(images[0], { minFace: 16 }); // warm-up
  for (const minFace of [24, 16, 12, 10]) {
    const cpu: number[] = [];
    for (const img of images) {
      const c = process.cpuUsage();
      await det.detect(img, { minFace });
      const u = process.cpuUsage(c);
      cpu.push((u.user + u.system) / 1000);
    }
    cpu.sort((a, b) => a - b);
    console.log(
      model,
      'minFace',
      minFace,
      'passes',
      det
        .plan(1024, 683, minFace)
        .map((p) => `${p.scale.toFixed(2)}×${p.tiles.length}`)
        .join(' '),
      'CPU ms median',
      cpu[cpu.length >> 1].toFixed(0),
      'max',
      cpu[cpu.length - 1].toFixed(0),
      'load',
      os.loadavg()[0].toFixed(1),
    );
  }
}
