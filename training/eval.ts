// LFW View-2 evaluation through the TypeScript runtime (students) and the teacher caches (teacher rows).
//   npm run eval -- --data <dir> [--model label=weights.bfw[:folds][,weights2.bfw:folds]]... [--teacher]
//                   [--variants aligned,unaligned] [--sizes 8,12,16,24,32,hr] [--backend cpu] [--folds 1-5] [--out training/results/x]
//                   [--pairs training/data/celeba-200-pairs.tsv] [--mirror]
// --pairs: another verification set (TSV: fold, same, a, b; paths relative to a data root) instead of LFW pairs.txt;
// its unaligned box is the set's fixed median chip box (the analogue of LFW's fixed loose box), from the cache.
// A model spec with folds, e.g. student=runs/A/student.bfw:1-5,runs/B/student.bfw:6-10, scores each fold with the
// weights that never trained on its people. Degradation: area downsample of the face (aligned: the dlib chip; unaligned:
// the fixed loose box of the LFW framing) to N px, 8-bit; then rec.embed (the runtime's own area resize to its input).
// "hr": the full-resolution face straight into rec.embed. Teacher rows: descriptors of the same LR faces upsampled
// bilinearly to 150 (training/teacher/lr.ts), cosine similarity.
import * as fs from 'node:fs';
import * as path from 'node:path';
import { type VerificationReport, verificationReport } from '../src/eval/index.js';
import { type Recognizer, type RgbaImage, cosine, createRecognizer } from '../src/index.js';
import { degradeFace } from '../src/runtime/resize.js';
import { TeacherCache } from './teacher/cache.js';
import { intOption, parseCli, parseFolds, resolveDataRoot, resolveDataRoots } from './teacher/common.js';
import { type Pair, loadPairs, readOriginal, unalignedBoxes } from './teacher/pairs.js';

const { values: args } = parseCli({
  cache: { type: 'string', default: 'training/cache/teacher' },
  // one teacher-LR folder per fold group (lr.ts --folds 1-5 → …/A, 6-10 → …/B), comma-separated
  'teacher-lr': { type: 'string', default: 'training/cache/teacher-lr/A,training/cache/teacher-lr/B' },
  variants: { type: 'string', default: 'aligned,unaligned' },
  sizes: { type: 'string', default: '8,12,16,24,32,hr' },
  backend: { type: 'string', default: 'cpu' },
  'feature-level': { type: 'string' }, // webgpu: 'compatibility' = Dawn GLES (llvmpipe), faster here
  out: { type: 'string', default: 'training/results/eval' },
  teacher: { type: 'boolean', default: false },
  mirror: { type: 'boolean', default: false }, // students with test-time mirror averaging; rows labelled "… (mirror)"
  model: { type: 'string', multiple: true, default: [] },
  pairs: { type: 'string' },
  subsample: { type: 'string' }, // quick checks: keep every k-th pair
  folds: { type: 'string' }, // e.g. 1-5
});
const root = resolveDataRoot(args.data);
const roots = resolveDataRoots(args.data);
const cacheDir = path.resolve(args.cache);
const lrDirs = args['teacher-lr'].split(',').map((d) => path.resolve(d));
const variants = args.variants.split(',');
const sizes = args.sizes.split(',');
const backend = args.backend as 'cpu' | 'webgpu' | 'auto';
const featureLevel = args['feature-level'] as 'core' | 'compatibility' | undefined;
const outBase = path.resolve(args.out);
const withTeacher = args.teacher;
const mirror = args.mirror;

interface ModelSpec {
  label: string;
  parts: Array<{ weights: string; folds: number[] }>;
}
const models: ModelSpec[] = args.model.map((spec) => {
  const [label, rest] = spec.split('=');
  return {
    label: mirror ? `${label} (mirror)` : label,
    parts: rest.split(',').map((p) => {
      const [w, f] = p.split(':');
      return { weights: path.resolve(w), folds: f ? parseFolds(f) : [...Array(10).keys()] };
    }),
  };
});

const pairs = loadPairs(root, args.pairs);
const cache = new TeacherCache(cacheDir);
const subsample = intOption(args.subsample, 'subsample', 1, 1);
const onlyFolds = args.folds ? parseFolds(args.folds) : null;
const selected = pairs.filter((p, i) => i % subsample === 0 && (!onlyFolds || onlyFolds.includes(p.fold)));
const usable = selected.filter((p) => cache.has(p.a) && cache.has(p.b));
if (usable.length < selected.length)
  console.warn(`[eval] ${selected.length - usable.length} pairs skipped: images missing from the teacher cache`);

interface Row {
  model: string;
  variant: string;
  size: string;
  folds: number[];
  report: VerificationReport;
}
const rows: Row[] = [];

function report(label: string, variant: string, size: string, ps: Pair[], score: (p: Pair) => number) {
  const s = ps.map(score);
  const r = verificationReport(
    s,
    ps.map((p) => p.same),
    ps.map((p) => p.fold),
  );
  const folds = [...new Set(ps.map((p) => p.fold))].sort((a, b) => a - b);
  rows.push({ model: label, variant, size, folds, report: r });
  console.log(
    `[eval] ${label.padEnd(22)} ${variant.padEnd(9)} ${size.padStart(3)}  acc ${(100 * r.accuracy.mean).toFixed(2)} ± ${(100 * r.accuracy.std).toFixed(2)}  AUC ${r.auc.toFixed(4)}  TAR@1e-2 ${(100 * r.tarAtFar1e2).toFixed(1)}  (${r.pairs} pairs, folds ${folds.length})`,
  );
}

const key = (p: Pair, k: 1 | 2) => (k === 1 ? p.a : p.b);

// ---- outputs: JSON and a markdown table, rewritten after every configuration (a killed run keeps what it did)
function writeOutputs(final = false): void {
  fs.mkdirSync(path.dirname(outBase), { recursive: true });
  fs.writeFileSync(`${outBase}.json`, JSON.stringify(rows, null, 1));
  const fmt = (r: Row) => `${(100 * r.report.accuracy.mean).toFixed(2)} ± ${(100 * r.report.accuracy.std).toFixed(2)}`;
  let md = '';
  for (const variant of [...new Set(rows.map((r) => r.variant))]) {
    const vs = rows.filter((r) => r.variant === variant);
    const szs = sizes.filter((s) => vs.some((r) => r.size === s));
    md += `\n**${variant}** — accuracy % (mean ± std over folds) / AUC / TAR@FAR=1e-2 %\n\n| model | folds | ${szs.join(' | ')} |\n|---|---|${szs.map(() => '---').join('|')}|\n`;
    for (const label of [...new Set(vs.map((r) => r.model))]) {
      const cells = szs.map((s) => {
        const r = vs.find((x) => x.model === label && x.size === s);
        return r ? `${fmt(r)} / ${r.report.auc.toFixed(3)} / ${(100 * r.report.tarAtFar1e2).toFixed(1)}` : '';
      });
      const f = vs.find((x) => x.model === label)!.folds;
      md += `| ${label} | ${f.length === 10 ? '1–10' : f.map((x) => x + 1).join(',')} | ${cells.join(' | ')} |\n`;
    }
  }
  fs.writeFileSync(`${outBase}.md`, md);
  if (final) console.log(md);
}

// ---- teacher rows
if (withTeacher) {
  const chipD = new Map<string, Float32Array>(),
    mirD = new Map<string, Float32Array>();
  for (const p of usable)
    for (const k of [1, 2] as const) {
      const q = key(p, k);
      if (!chipD.has(q)) {
        const d = cache.desc(q);
        chipD.set(q, d.slice(0, 128));
        mirD.set(
          q,
          d.slice(0, 128).map((x, i) => x + d[128 + i]),
        );
      }
    }
  report('teacher (chip)', 'aligned', 'hr', usable, (p) => cosine(chipD.get(key(p, 1))!, chipD.get(key(p, 2))!));
  report('teacher (chip+mirror)', 'aligned', 'hr', usable, (p) => cosine(mirD.get(key(p, 1))!, mirD.get(key(p, 2))!));
  for (const variant of variants)
    for (const size of sizes) {
      if (variant === 'aligned' && size === 'hr') continue; // the chip rows above
      const desc = new Map<string, Float32Array>(); // image path → descriptor, from every folder that has this size
      for (const dir of lrDirs) {
        const f = path.join(dir, `${variant}-${size}.f32`);
        if (!fs.existsSync(f)) {
          console.warn(`[eval] no teacher descriptors ${f}`);
          continue;
        }
        const lrPaths: string[] = JSON.parse(fs.readFileSync(path.join(dir, 'paths.json'), 'utf8'));
        const buf = fs.readFileSync(f);
        const D = new Float32Array(buf.buffer, buf.byteOffset, buf.length / 4);
        lrPaths.forEach((q, i) => desc.set(q, D.slice(i * 128, i * 128 + 128)));
      }
      const ps = usable.filter((p) => desc.has(key(p, 1)) && desc.has(key(p, 2)));
      if (ps.length) report('teacher', variant, size, ps, (p) => cosine(desc.get(key(p, 1))!, desc.get(key(p, 2))!));
    }
}

// ---- students through the runtime
const unalignedBox = unalignedBoxes(cache);
function chipRGBA(q: string) {
  const c = cache.chip(q);
  const out = new Uint8Array(150 * 150 * 4);
  for (let i = 0; i < 150 * 150; i++) {
    out[i * 4] = c[i * 3];
    out[i * 4 + 1] = c[i * 3 + 1];
    out[i * 4 + 2] = c[i * 3 + 2];
    out[i * 4 + 3] = 255;
  }
  return { data: out, width: 150, height: 150 };
}

if (models.length) {
  const recs = new Map<string, Recognizer>();
  for (const m of models)
    for (const part of m.parts)
      if (!recs.has(part.weights))
        recs.set(
          part.weights,
          await createRecognizer({
            backend,
            weights: fs.readFileSync(part.weights),
            ...(featureLevel ? { webgpu: { featureLevel } } : {}),
          }),
        );
  const first = recs.values().next().value as Recognizer;
  console.log(`[eval] runtime backend ${first.info.backend} (${first.info.adapter})`);
  // which images each weights file must embed
  const need = new Map<string, Set<string>>();
  for (const m of models)
    for (const part of m.parts) {
      const s = need.get(part.weights) ?? new Set<string>();
      for (const p of usable)
        if (part.folds.includes(p.fold)) {
          s.add(key(p, 1));
          s.add(key(p, 2));
        }
      need.set(part.weights, s);
    }
  const allImages = [...new Set([...need.values()].flatMap((s) => [...s]))].sort();
  const t0 = Date.now();
  for (const variant of variants)
    for (const size of sizes) {
      const emb = new Map<string, Map<string, Float32Array>>(); // weights -> image -> embedding
      for (const w of recs.keys()) emb.set(w, new Map());
      const B = 256;
      for (let k = 0; k < allImages.length; k += B) {
        const chunk = allImages.slice(k, k + B);
        const faces: RgbaImage[] = [];
        for (const q of chunk) {
          if (variant === 'aligned') {
            const c = chipRGBA(q);
            faces.push(size === 'hr' ? c : degradeFace({ ...c, channels: 4 }, Number(size)));
          } else {
            const o = await readOriginal(roots, q, 4);
            const box = unalignedBox(q, o.width, o.height);
            faces.push(size === 'hr' ? { ...o, box } : degradeFace({ ...o, channels: 4 }, Number(size), box));
          }
        }
        for (const [w, rec] of recs) {
          const idx = chunk.map((q, i) => (need.get(w)!.has(q) ? i : -1)).filter((i) => i >= 0);
          if (!idx.length) continue;
          const e = await rec.embed(
            idx.map((i) => faces[i]),
            { mirror },
          );
          idx.forEach((i, j) => emb.get(w)!.set(chunk[i], e[j]));
        }
      }
      for (const m of models) {
        const ps = usable.filter((p) => m.parts.some((x) => x.folds.includes(p.fold)));
        const which = (p: Pair) => m.parts.find((x) => x.folds.includes(p.fold))!.weights;
        report(m.label, variant, size, ps, (p) =>
          cosine(emb.get(which(p))!.get(key(p, 1))!, emb.get(which(p))!.get(key(p, 2))!),
        );
      }
      console.log(`[eval] ${variant} ${size} done, ${((Date.now() - t0) / 60000).toFixed(1)} min elapsed`);
      writeOutputs();
    }
  for (const r of recs.values()) r.dispose();
}

writeOutputs(true);
