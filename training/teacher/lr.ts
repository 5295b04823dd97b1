// Teacher at low resolution, for the evaluation table: for every image in LFW pairs.txt (or a --pairs list), degrade
// the face to N px (area), upsample bilinearly to 150 and compute the teacher descriptor.
//   aligned:   the dlib chip (from the teacher cache) → N px
//   unaligned: the fixed loose box of the LFW framing (another set: its fixed median chip box, pairs.ts) in the
//              original image → N px ("hr" = the box resized to 150)
// Usage: tsx training/teacher/lr.ts --data <dir> [--data <dir> ...] [--cache training/cache/teacher]
//        [--out training/cache/teacher-lr] [--pairs list.tsv] [--variants aligned,unaligned] [--sizes 8,12,16,24,32,hr]
//        [--folds 1-5] [--limit N]
// The pipeline keeps one folder per split (--out …/teacher-lr/A --folds 1-5, …/B --folds 6-10), which eval.ts reads.
// Output: <out>/paths.json and <out>/<variant>-<size>.f32 (N×128, order of paths.json). Resumable per file.
//        [--describe tfjs|later]: later = the N-px faces for bridgeface_train.describe_lr instead of descriptors.
import * as fs from 'node:fs';
import * as path from 'node:path';
import { bilinearUpsampleRGB } from '../../src/eval/index.js';
import type { FaceBox } from '../../src/runtime/image.js';
import { type PixelSource, degradeFace } from '../../src/runtime/resize.js';
import { TeacherCache } from './cache.js';
import { fmtEta, intOption, loadFaceApi, parseCli, parseFolds, resolveDataRoot, resolveDataRoots } from './common.js';
import { loadPairs, readOriginal, unalignedBoxes } from './pairs.js';

const { values: args } = parseCli({
  cache: { type: 'string', default: 'training/cache/teacher' },
  out: { type: 'string', default: 'training/cache/teacher-lr' },
  variants: { type: 'string', default: 'aligned,unaligned' },
  sizes: { type: 'string', default: '8,12,16,24,32,hr' },
  limit: { type: 'string' },
  pairs: { type: 'string' },
  folds: { type: 'string' }, // e.g. 1-5: only the images of these folds
  describe: { type: 'string', default: 'tfjs' },
});
const root = resolveDataRoot(args.data);
const roots = resolveDataRoots(args.data);
const cacheDir = path.resolve(args.cache);
const outDir = path.resolve(args.out);
const variants = args.variants.split(',');
const sizes = args.sizes.split(',');
const limit = intOption(args.limit, 'limit', 0);

const pairs = loadPairs(root, args.pairs);
const cache = new TeacherCache(cacheDir);
const folds = args.folds ? parseFolds(args.folds) : null;
let paths = [...new Set(pairs.filter((p) => !folds || folds.includes(p.fold)).flatMap((p) => [p.a, p.b]))].sort();
paths = paths.filter((p) => cache.has(p));
if (limit > 0) paths = paths.slice(0, limit);
if (!paths.length) throw new Error('no pairs image is in the teacher cache yet: run training/teacher/align.ts first');
fs.mkdirSync(outDir, { recursive: true });
const pathsFile = path.join(outDir, 'paths.json');
if (
  fs.existsSync(pathsFile) &&
  JSON.stringify(JSON.parse(fs.readFileSync(pathsFile, 'utf8'))) !== JSON.stringify(paths)
) {
  for (const f of fs.readdirSync(outDir)) fs.rmSync(path.join(outDir, f)); // image list changed: start over
}
fs.writeFileSync(pathsFile, JSON.stringify(paths));
// --describe later: write the degraded N-px faces (<variant>-<size>.u8, N×N×3 per image, "hr" = 150) and let
// `python3 -m bridgeface_train.describe_lr` upsample and describe them with the PyTorch teacher (≈ 4× less CPU).
const describe = args.describe;
if (describe !== 'tfjs' && describe !== 'later') throw new Error(`--describe must be tfjs or later, got ${describe}`);
const faceapi = describe === 'tfjs' ? await loadFaceApi({ detector: false, landmarks: false }) : null;
const unalignedBox = unalignedBoxes(cache);

/** The face of image p at `size` px, as the evaluation degrades it (RGBA). */
async function lrFace(p: string, variant: string, size: string) {
  let src: PixelSource;
  let box: FaceBox | undefined;
  if (variant === 'aligned') src = { data: cache.chip(p), width: 150, height: 150, channels: 3 as const };
  else {
    src = await readOriginal(roots, p, 3);
    box = unalignedBox(p, src.width, src.height);
  }
  return degradeFace(src, size === 'hr' ? 150 : Number(size), box);
}

console.log(
  `[teacher-lr] ${paths.length} images, variants ${variants}, sizes ${sizes}, descriptors by ${describe === 'tfjs' ? 'face-api' : 'bridgeface_train.describe_lr'}`,
);
for (const variant of variants) {
  for (const size of sizes) {
    if (variant === 'aligned' && size === 'hr') continue; // HR aligned = the cached chip descriptors
    const file = path.join(outDir, `${variant}-${size}.${describe === 'tfjs' ? 'f32' : 'u8'}`);
    if (fs.existsSync(file) || fs.existsSync(path.join(outDir, `${variant}-${size}.f32`))) continue;
    const n = size === 'hr' ? 150 : Number(size);
    const rec = describe === 'tfjs' ? 512 : n * n * 3;
    const part = `${file}.part`;
    let done = fs.existsSync(part) ? Math.floor(fs.statSync(part).size / rec) : 0;
    if (!fs.existsSync(part)) fs.writeFileSync(part, '');
    fs.truncateSync(part, done * rec);
    const fd = fs.openSync(part, 'a');
    const t0 = Date.now();
    const B = 16;
    for (let k = done; k < paths.length; k += B) {
      const batch = paths.slice(k, k + B);
      const faces = [];
      for (const p of batch) faces.push(await lrFace(p, variant, size));
      if (faceapi) {
        const tf = faceapi.tf;
        const inputs = faces.map((lr) =>
          tf.tensor3d(
            size === 'hr'
              ? Float32Array.from({ length: 150 * 150 * 3 }, (_, i) => lr.data[Math.floor(i / 3) * 4 + (i % 3)])
              : bilinearUpsampleRGB(lr, 150),
            [150, 150, 3],
            'float32',
          ),
        );
        const d = await faceapi.nets.faceRecognitionNet.computeFaceDescriptor(inputs);
        inputs.forEach((t: { dispose(): void }) => t.dispose());
        const arr = Array.isArray(d) ? d : [d];
        const out = new Float32Array(128 * arr.length);
        arr.forEach((v: Float32Array, i: number) => out.set(v, i * 128));
        fs.writeSync(fd, new Uint8Array(out.buffer));
      } else {
        const out = new Uint8Array(faces.length * n * n * 3);
        faces.forEach((lr, j) => {
          for (let i = 0; i < n * n; i++) for (let c = 0; c < 3; c++) out[(j * n * n + i) * 3 + c] = lr.data[i * 4 + c];
        });
        fs.writeSync(fd, out);
      }
      done = k + batch.length;
      if ((k / B) % 25 === 0 || done === paths.length)
        console.log(`[teacher-lr ${variant} ${size}] ${fmtEta(done - 0, paths.length, t0)}`);
    }
    fs.closeSync(fd);
    fs.renameSync(part, file);
  }
}
console.log('[teacher-lr] done');
