// Exports the teacher's weights (face-api's faceRecognitionNet: dlib_face_recognition_resnet_model_v1, dequantised
// float32) for the PyTorch port in bridgeface_train/teacher.py, which describes batches 3.6–5.4× faster per CPU
// second than tfjs-wasm (training/README.md). Also writes face-api's own descriptors of a few deterministic test chips
// so the port can be checked against it.
//   node --import tsx --import ./scripts/register-wgsl.mjs training/teacher/export-weights.ts --out <dir> [--chips N]
// Output: <dir>/teacher.json (tensor table: name, shape, offset in floats; the test chips' shape), <dir>/teacher.f32,
//         <dir>/test-chips.u8 (N×150×150×3), <dir>/test-desc.f32 (N×128, face-api on the tfjs-wasm backend).
import * as fs from 'node:fs';
import * as path from 'node:path';
import { CHIP, intOption, loadFaceApi, parseCli } from './common.js';

const { values: args } = parseCli({
  out: { type: 'string', default: 'training/cache/teacher-torch' },
  chips: { type: 'string' },
});
const out = path.resolve(args.out);
const nChips = intOption(args.chips, 'chips', 4, 1);
const faceapi = await loadFaceApi({ detector: false, landmarks: false });
const params = faceapi.nets.faceRecognitionNet.params as Record<string, unknown>;

type Tensor = { shape: number[]; data(): Promise<Float32Array> };
const table: Array<{ name: string; shape: number[]; offset: number }> = [];
const chunks: Float32Array[] = [];
let offset = 0;
async function walk(prefix: string, node: unknown): Promise<void> {
  if (node && typeof (node as Tensor).data === 'function') {
    const t = node as Tensor;
    const data = Float32Array.from(await t.data());
    table.push({ name: prefix, shape: t.shape, offset });
    chunks.push(data);
    offset += data.length;
    return;
  }
  for (const [k, v] of Object.entries(node as Record<string, unknown>)) await walk(prefix ? `${prefix}.${k}` : k, v);
}
await walk('', params);

// test chips: smooth deterministic colour fields (a face is not needed to compare two implementations)
const chips = new Uint8Array(nChips * CHIP * CHIP * 3);
for (let n = 0; n < nChips; n++)
  for (let y = 0; y < CHIP; y++)
    for (let x = 0; x < CHIP; x++)
      for (let c = 0; c < 3; c++) {
        const v = 128 + 100 * Math.sin((x * (n + 1)) / 23 + c) * Math.cos((y * (c + 2)) / 31 + n);
        chips[((n * CHIP + y) * CHIP + x) * 3 + c] = Math.max(0, Math.min(255, Math.round(v)));
      }
const tf = faceapi.tf;
const inputs = Array.from({ length: nChips }, (_, n) =>
  tf.tensor3d(chips.subarray(n * CHIP * CHIP * 3, (n + 1) * CHIP * CHIP * 3), [CHIP, CHIP, 3], 'int32'),
);
const desc = await faceapi.nets.faceRecognitionNet.computeFaceDescriptor(nChips === 1 ? inputs[0] : inputs);
const flat = new Float32Array(nChips * 128);
(Array.isArray(desc) ? desc : [desc]).forEach((d: Float32Array, i: number) => flat.set(d, i * 128));

fs.mkdirSync(out, { recursive: true });
fs.writeFileSync(
  path.join(out, 'teacher.json'),
  JSON.stringify({ source: '@vladmandic/face-api faceRecognitionNet', tensors: table, testChips: nChips }, null, 1),
);
fs.writeFileSync(path.join(out, 'teacher.f32'), Buffer.concat(chunks.map((c) => Buffer.from(c.buffer))));
fs.writeFileSync(path.join(out, 'test-chips.u8'), chips);
fs.writeFileSync(path.join(out, 'test-desc.f32'), Buffer.from(flat.buffer));
console.log(`[teacher-weights] ${table.length} tensors, ${offset} floats, ${nChips} test chips → ${out}`);
