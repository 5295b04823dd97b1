// Per-size verification thresholds for the shipped student, calibrated through the TypeScript runtime on LFW people
// the student never trained on, checked on other such people, and written into the weights header.
//
//   npm run calibrate -- --data <faces-root> [--weights weights/student.bfw] [--calibrate-folds 1-3] [--check-folds 4-5]
//                        [--sizes 8,12,16,24,32,hr] [--per-person 8] [--backend cpu] [--write] [--out training/results/calibration]
//
// Faces: every image (up to --per-person, by index) of each person who appears in the LFW View-2 pairs of the given
// folds, cropped with the loose box of the LFW framing (the CLI's default `--crop framed`, what a detector box squared up
// gives) and degraded to N px with the runtime's prepareFace — the same faces `bridgeface embed --size N` produces.
// Genuine pairs: every two images of one person; impostor pairs: every two images of different people.
// Threshold at FAR f (rule: match iff similarity >= threshold): src/eval's farThreshold, the smallest 4-place value
// above the (k+1)-th highest impostor score, k = floor(f · impostors), so at most k calibration impostors are
// accepted. The TAR and FAR stored in the header are measured on the check folds' people, which the calibration
// never saw.
// Open-set identification is measured on the check people too: 10, 100 or all of the even-indexed people enrolled
// (first image), the odd-indexed never; a never-enrolled probe is a false accept when its best score reaches the threshold.
// Embeddings are cached per size under training/cache/calibrate/ (a killed run resumes).
//
// Honesty check: the folds must be among the weights' provenance.excludedLfwFolds (people the student never saw);
// otherwise the script refuses (--allow-seen overrides, and the calibration string then says so).
import * as fs from 'node:fs';
import * as path from 'node:path';
import CRC32 from 'crc-32';
import sharp from 'sharp';
import { prepareFace } from '../src/api/prepare.js';
import { farThreshold, parsePairs } from '../src/eval/index.js';
import { cosine, createRecognizer } from '../src/index.js';
import type { FarKey, FarPoints, OperatingPoint, Thresholds } from '../src/model/thresholds.js';
import { readWeights, writeWeights } from '../src/model/weights-format.js';
import { intOption, parseCli, parseFolds, resolveDataRoot } from './teacher/common.js';

const { values: args } = parseCli({
  weights: { type: 'string', default: 'weights/student.bfw' },
  'calibrate-folds': { type: 'string', default: '1-3' },
  'check-folds': { type: 'string', default: '4-5' },
  sizes: { type: 'string', default: '8,12,16,24,32,hr' },
  'per-person': { type: 'string' },
  backend: { type: 'string', default: 'cpu' },
  out: { type: 'string', default: 'training/results/calibration' },
  cache: { type: 'string', default: 'training/cache/calibrate' },
  write: { type: 'boolean', default: false },
  'allow-seen': { type: 'boolean', default: false },
});
const root = resolveDataRoot(args.data);
const weightsPath = path.resolve(args.weights);
const calibrateFolds = parseFolds(args['calibrate-folds']);
const checkFolds = parseFolds(args['check-folds']);
const sizes = args.sizes.split(',').map((s) => (s === 'hr' ? 'hr' : Number(s)));
const perPerson = intOption(args['per-person'], 'per-person', 8, 1);
const backend = args.backend as 'cpu' | 'webgpu' | 'auto';
const outBase = path.resolve(args.out);
const cacheDir = path.resolve(args.cache);
const write = args.write;
const allowSeen = args['allow-seen'];
const FARS: Array<[FarKey, number]> = [
  ['far_1e-2', 1e-2],
  ['far_1e-3', 1e-3],
];

for (const s of sizes)
  if (s !== 'hr' && !(Number.isInteger(s) && s >= 1 && s <= 1024)) throw new Error(`--sizes: bad size ${s}`);
if (calibrateFolds.some((f) => checkFolds.includes(f))) throw new Error('--calibrate-folds and --check-folds overlap');

const weightsBytes = new Uint8Array(fs.readFileSync(weightsPath));
const weights = readWeights(weightsBytes);
const excluded = ((weights.provenance.excludedLfwFolds as number[] | undefined) ?? []).map((f) => f - 1);
const seen = [...calibrateFolds, ...checkFolds].filter((f) => !excluded.includes(f));
if (seen.length > 0 && !allowSeen) {
  throw new Error(
    `folds ${seen.map((f) => f + 1).join(',')} hold people these weights may have trained on (provenance.excludedLfwFolds = ${JSON.stringify(weights.provenance.excludedLfwFolds)}); pass --allow-seen to calibrate anyway`,
  );
}

// ---- people and images
const pairs = parsePairs(fs.readFileSync(path.join(root, 'lfw', 'pairs.txt'), 'utf8'));
function peopleOf(folds: number[]): string[] {
  const names = new Set<string>();
  for (const p of pairs) if (folds.includes(p.fold)) names.add(p.name1).add(p.name2);
  return [...names].sort();
}
interface Face {
  person: number;
  file: string;
}
function facesOf(people: string[]): Face[] {
  return people.flatMap((name, person) => {
    const dir = path.join(root, 'lfw', 'images', name);
    const files = fs
      .readdirSync(dir)
      .filter((f) => f.endsWith('.jpg'))
      .sort()
      .slice(0, perPerson);
    return files.map((f) => ({ person, file: path.join(dir, f) }));
  });
}
const calPeople = peopleOf(calibrateFolds);
const checkPeople = peopleOf(checkFolds);
const overlap = calPeople.filter((p) => checkPeople.includes(p));
if (overlap.length > 0) throw new Error(`people in both sets: ${overlap.slice(0, 5).join(', ')}`);
const calFaces = facesOf(calPeople);
const checkFaces = facesOf(checkPeople);
const allFaces = [...calFaces, ...checkFaces];
console.log(
  `[calibrate] calibration: ${calPeople.length} people, ${calFaces.length} images (folds ${calibrateFolds.map((f) => f + 1).join(',')}); check: ${checkPeople.length} people, ${checkFaces.length} images (folds ${checkFolds.map((f) => f + 1).join(',')})`,
);

// ---- embeddings (cached per size; the cache key covers the weights' data and the image list)
const rec = await createRecognizer({ backend, weights: weightsBytes });
const dim = rec.info.embeddingDim;
// The key covers the tensors (not the header, which --write rewrites), the per-person cap and the image count.
const tensorCrc =
  [...weights.tensors.values()].reduce(
    (crc, t) => CRC32.buf(new Uint8Array(t.buffer, t.byteOffset, t.byteLength), crc),
    0,
  ) >>> 0;
const key = `${tensorCrc.toString(16).padStart(8, '0')}-${perPerson}-${allFaces.length}`;
fs.mkdirSync(cacheDir, { recursive: true });
const embeddings = new Map<number | 'hr', Float32Array>();
const decoded = new Map<string, { data: Uint8Array; width: number; height: number }>();
async function decode(file: string) {
  let image = decoded.get(file);
  if (!image) {
    const { data, info } = await sharp(file).ensureAlpha().raw().toBuffer({ resolveWithObject: true });
    image = { data: new Uint8Array(data.buffer, data.byteOffset, data.length), width: info.width, height: info.height };
    decoded.set(file, image);
  }
  return image;
}
for (const size of sizes) {
  const cacheFile = path.join(cacheDir, `${key}-${size}.f32`);
  if (fs.existsSync(cacheFile)) {
    const b = fs.readFileSync(cacheFile);
    embeddings.set(size, new Float32Array(b.buffer, b.byteOffset, b.length / 4).slice());
    continue;
  }
  const out = new Float32Array(allFaces.length * dim);
  const started = Date.now();
  for (let start = 0; start < allFaces.length; start += 128) {
    const batch = await Promise.all(allFaces.slice(start, start + 128).map((f) => decode(f.file)));
    const faces = batch.map((image) =>
      prepareFace(image, weights.input, { size: size === 'hr' ? undefined : size, framing: 'framed' }),
    );
    out.set((await rec.embedMatrix(faces)).data, start * dim);
  }
  fs.writeFileSync(cacheFile, new Uint8Array(out.buffer));
  embeddings.set(size, out);
  console.log(
    `[calibrate] ${size}: ${allFaces.length} faces embedded in ${((Date.now() - started) / 1000).toFixed(1)} s`,
  );
}
rec.dispose();

// ---- scores
const row = (e: Float32Array, i: number) => e.subarray(i * dim, (i + 1) * dim);
function pairScores(e: Float32Array, offset: number, faces: Face[]): { genuine: Float64Array; impostor: Float64Array } {
  const genuine: number[] = [];
  const impostor: number[] = [];
  for (let i = 0; i < faces.length; i++) {
    const a = row(e, offset + i);
    for (let j = i + 1; j < faces.length; j++)
      (faces[i].person === faces[j].person ? genuine : impostor).push(cosine(a, row(e, offset + j)));
  }
  return { genuine: Float64Array.from(genuine), impostor: Float64Array.from(impostor) };
}
const rate = (scores: Float64Array, t: number) => scores.reduce((n, s) => n + (s >= t ? 1 : 0), 0) / scores.length;

/**
 * Open-set identification on the check people: the first `enrolled` even-indexed people are enrolled with their
 * first image; every image of an odd-indexed person is a probe from someone never enrolled, every other image of an
 * enrolled person a probe from someone enrolled. Returns each probe's best gallery score (and whether it is right).
 */
function openSetScores(e: Float32Array, enrolled: number) {
  const offset = calFaces.length;
  const gallery = new Map<number, number>(); // person → row
  checkFaces.forEach((f, i) => {
    if (f.person % 2 === 0 && !gallery.has(f.person) && gallery.size < enrolled) gallery.set(f.person, offset + i);
  });
  const rows = [...gallery.entries()];
  const unknown: number[] = [];
  const known: Array<{ s: number; right: boolean }> = [];
  checkFaces.forEach((f, i) => {
    if (gallery.get(f.person) === offset + i || (f.person % 2 === 0 && !gallery.has(f.person))) return;
    let best = { s: -Infinity, person: -1 };
    for (const [person, r] of rows) {
      const s = cosine(row(e, offset + i), row(e, r));
      if (s > best.s) best = { s, person };
    }
    if (f.person % 2 === 1) unknown.push(best.s);
    else known.push({ s: best.s, right: best.person === f.person });
  });
  return { enrolled: rows.length, unknown, known };
}

function openSet(scores: ReturnType<typeof openSetScores>, t: number, far: number) {
  const { enrolled, unknown, known } = scores;
  return {
    enrolled,
    unknownProbes: unknown.length,
    openSetFar: unknown.filter((s) => s >= t).length / unknown.length,
    estimate: 1 - (1 - far) ** enrolled,
    knownProbes: known.length,
    correctAccept: known.filter((k) => k.s >= t && k.right).length / known.length,
    wrongAccept: known.filter((k) => k.s >= t && !k.right).length / known.length,
  };
}

const GALLERY_SIZES = [10, 100, Infinity];
const sizesOut: Record<string, FarPoints> = {};
const report: Array<Record<string, unknown>> = [];
for (const size of sizes) {
  const e = embeddings.get(size)!;
  const cal = pairScores(e, 0, calFaces);
  const check = pairScores(e, calFaces.length, checkFaces);
  const points: FarPoints = {};
  const open = GALLERY_SIZES.map((g) => openSetScores(e, g));
  for (const [farKey, far] of FARS) {
    const threshold = farThreshold(cal.impostor, far, 4);
    const tar = round(rate(check.genuine, threshold));
    const point: OperatingPoint = { threshold, tar, far: round(rate(check.impostor, threshold)) };
    points[farKey] = point;
    const openSets = open.map((scores) => openSet(scores, threshold, point.far));
    report.push({
      size,
      farKey,
      threshold,
      calibration: {
        tar: rate(cal.genuine, threshold),
        far: rate(cal.impostor, threshold),
        genuine: cal.genuine.length,
        impostor: cal.impostor.length,
      },
      check: { tar, far: point.far, genuine: check.genuine.length, impostor: check.impostor.length },
      openSets,
    });
    const os = openSets
      .map((o) => `${o.enrolled}: ${(100 * o.openSetFar).toFixed(1)} % (est. ${(100 * o.estimate).toFixed(1)})`)
      .join(', ');
    console.log(
      `[calibrate] ${String(size).padStart(3)} ${farKey}: threshold ${threshold.toFixed(4)}  check TAR ${(100 * tar).toFixed(1)} % FAR ${(100 * point.far).toFixed(2)} %  open-set FAR by enrolled count ${os}`,
    );
  }
  sizesOut[String(size)] = points;
}
function round(x: number): number {
  return Math.round(x * 1e5) / 1e5;
}

const folds = (fs: number[]) => fs.map((f) => f + 1).join(',');
const calibration = `LFW View 2 people of folds ${folds(calibrateFolds)} (${calPeople.length} people, ${calFaces.length} images, up to ${perPerson} per person), loose box of the LFW framing degraded to N px, through the ${rec.info.backend} runtime; tar/far measured on the people of folds ${folds(checkFolds)} (${checkPeople.length} people, ${checkFaces.length} images)${seen.length > 0 ? `; WARNING: folds ${folds(seen)} may hold training people` : ', none of whom the student trained on'}; training/calibrate.ts`;
const thresholds: Thresholds = { calibration, sizes: sizesOut };

fs.mkdirSync(path.dirname(outBase), { recursive: true });
fs.writeFileSync(
  `${outBase}.json`,
  `${JSON.stringify({ weights: path.relative(process.cwd(), weightsPath), thresholds, report }, null, 1)}\n`,
);
const pct = (x: number, d = 1) => (100 * x).toFixed(d);
let md = `Calibration (training/calibrate.ts): ${calibration}\n\nOpen-set FAR: share of probes from people never enrolled whose best gallery score reaches the threshold (measured; estimate = 1 − (1 − FAR)^enrolled); correct-accept: share of enrolled people's other images named correctly.\n\n| size | FAR key | threshold | TAR % (check) | FAR % (check) | ${GALLERY_SIZES.map((_, i) => `open-set FAR % / est. (${(report[0].openSets as Array<{ enrolled: number }>)[i].enrolled} enrolled) | correct-accept %`).join(' | ')} |\n|${'---|'.repeat(5 + 2 * GALLERY_SIZES.length)}\n`;
for (const r of report) {
  const c = r.check as { tar: number; far: number };
  const o = r.openSets as Array<{ openSetFar: number; estimate: number; correctAccept: number }>;
  md += `| ${r.size === 'hr' ? 'HR' : `${r.size} px`} | ${r.farKey} | ${(r.threshold as number).toFixed(4)} | ${pct(c.tar)} | ${pct(c.far, 2)} | ${o.map((x) => `${pct(x.openSetFar)} / ${pct(x.estimate)} | ${pct(x.correctAccept)}`).join(' | ')} |\n`;
}
fs.writeFileSync(`${outBase}.md`, md);
console.log(md);

if (write) {
  const updated = writeWeights({ ...weights, thresholds });
  const reread = readWeights(updated);
  for (const [name, t] of weights.tensors) {
    const u = reread.tensors.get(name)!;
    if (u.length !== t.length || u.some((v, i) => !Object.is(v, t[i])))
      throw new Error(`tensor ${name} changed on rewrite; not writing`);
  }
  fs.writeFileSync(weightsPath, updated);
  console.log(`[calibrate] wrote thresholds into ${weightsPath} (tensors bit-identical)`);
}
