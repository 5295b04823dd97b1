/**
 * What the fuzz harness attacks, and how it judges each case. A case ends in one of:
 * - `rejected`: a typed `BridgefaceError` (what bad input must get),
 * - `accepted`: it ran, and every check on the result passed,
 * - `untyped`: something else was thrown (or an async method threw synchronously),
 * - `different`: it ran but the result is wrong: corruption that loaded and changed a result, a non-finite or
 *   non-unit embedding, backends that disagree, a similarity outside [-1, 1], a later good call that changed.
 * Hangs and crashes are judged by the runner (runner.ts), which runs the cases in a child process.
 */
import { readFileSync } from 'node:fs';
import { Gallery } from '../src/api/gallery.js';
import { type Recognizer, createRecognizer } from '../src/api/recognizer.js';
import { cosine } from '../src/api/similarity.js';
import { BridgefaceError, InputError } from '../src/errors.js';
import { seededRandom } from '../src/model/random-weights.js';
import { readWeights } from '../src/model/weights-format.js';
import {
  BFG,
  BFW,
  INTERESTING_NUMBERS,
  type Random,
  int,
  jsonHeader,
  mutateBytes,
  mutateJson,
  pick,
  replaceJson,
  reseal,
  resize,
} from './mutate.js';

export type Outcome = 'rejected' | 'accepted' | 'untyped' | 'different';
export interface CaseResult {
  outcome: Outcome;
  /** What the case did, enough to read the failure without rerunning it. */
  what: string;
  detail?: string;
}

/** Shared by every case of a child: the recognizers and fixed inputs. */
export interface Context {
  cpu: Recognizer;
  /** Present when a WebGPU adapter exists (and the run asked for it). */
  gpu?: Recognizer;
  gpuDevice?: GPUDevice;
  /** Fraction of loaded mutants also run on WebGPU (each costs a pipeline build). */
  gpuShare: number;
}

export interface Target {
  name: 'weights' | 'gallery' | 'api' | 'selftest';
  /** Returns the case runner: case `index` draws everything from `r`. */
  setup(ctx: Context): Promise<(r: Random, index: number) => Promise<CaseResult>>;
}

const root = new URL('../', import.meta.url);
const file = (p: string) => new Uint8Array(readFileSync(new URL(p, root)));

/** Told what each case is about to do before it runs, so a hang or crash can be described (child.ts sends it on). */
let announcer: (what: string) => void = () => {};
export function onAnnounce(f: (what: string) => void): void {
  announcer = f;
}

/** Runs `f`; a typed error is `rejected`, anything else thrown is `untyped`. */
async function judged(what: string, f: () => Promise<CaseResult | undefined>): Promise<CaseResult> {
  announcer(what);
  try {
    return (await f()) ?? { outcome: 'accepted', what };
  } catch (e) {
    if (e instanceof BridgefaceError) return { outcome: 'rejected', what, detail: `${e.name}(${e.code})` };
    return {
      outcome: 'untyped',
      what,
      detail: `${(e as Error)?.name}: ${(e as Error)?.message ?? String(e)}`.slice(0, 300),
    };
  }
}

const different = (what: string, detail: string): CaseResult => ({ outcome: 'different', what, detail });

/** An embedding is `dim` finite values of unit length. */
function badEmbedding(e: unknown, dim: number): string | undefined {
  if (!(e instanceof Float32Array) || e.length !== dim) return `not a Float32Array(${dim})`;
  let sq = 0;
  for (const v of e) sq += v * v;
  if (!Number.isFinite(sq) || Math.abs(Math.sqrt(sq) - 1) > 1e-3) return `norm ${Math.sqrt(sq)}`;
  return undefined;
}

function sameEmbeddings(a: Float32Array[], b: Float32Array[]): boolean {
  return a.length === b.length && a.every((e, i) => e.length === b[i].length && cosine(e, b[i]) >= 0.999);
}

function image(r: Random, width: number, height: number) {
  return { data: Uint8Array.from({ length: width * height * 4 }, () => int(r, 256)), width, height };
}

/** Fixed faces every loaded network embeds. */
function probeFaces(r: Random) {
  return [image(r, 20, 20), { ...image(r, 30, 24), box: { x: 3.5, y: 2, width: 20, height: 20 } }];
}

/** Outcome of one call on one backend, comparable across backends. */
type Run = { ok: true; value: Float32Array[] } | { ok: false; error: unknown };
async function attempt(f: () => Promise<Float32Array[]>): Promise<Run> {
  try {
    return { ok: true, value: await f() };
  } catch (error) {
    return { ok: false, error };
  }
}
const describeRun = (x: Run) =>
  x.ok
    ? `ok(${x.value.length})`
    : x.error instanceof BridgefaceError
      ? `${x.error.name}(${x.error.code})`
      : `untyped ${String(x.error)}`;

const sameError = (a: BridgefaceError, b: BridgefaceError) => a.name === b.name && a.code === b.code;

/** Compares a call's runs on the CPU and (when present) WebGPU; throws the shared error so `judged` types it. */
function compareRuns(what: string, dim: number, cpu: Run, gpu: Run | undefined): CaseResult | undefined {
  for (const run of [cpu, gpu]) {
    if (run && !run.ok && !(run.error instanceof BridgefaceError)) throw run.error;
    if (run?.ok) {
      const bad = run.value.map((e) => badEmbedding(e, dim)).find((b) => b !== undefined);
      if (bad) return different(what, `an embedding is wrong: ${bad}`);
    }
  }
  if (gpu) {
    const agree =
      cpu.ok && gpu.ok
        ? sameEmbeddings(cpu.value, gpu.value)
        : !cpu.ok && !gpu.ok && sameError(cpu.error as BridgefaceError, gpu.error as BridgefaceError);
    if (!agree) return different(what, `backends disagree: cpu ${describeRun(cpu)}, webgpu ${describeRun(gpu)}`);
  }
  if (!cpu.ok) throw cpu.error;
  return undefined;
}

// ---------------------------------------------------------------- weights (.bfw)

const weightsTarget: Target = {
  name: 'weights',
  async setup(ctx) {
    const bases = [
      { name: 'golden.bfw', bytes: file('test/fixtures/golden.bfw') },
      { name: 'golden-v1.bfw', bytes: file('test/fixtures/golden-v1.bfw') },
      { name: 'student.bfw', bytes: file('weights/student.bfw') },
    ];
    const faces = probeFaces(() => 0.37);
    const reference = new Map<Uint8Array, Float32Array[]>();
    for (const b of bases) reference.set(b.bytes, await embedWith('cpu', b.bytes, faces));
    return async (r) => {
      const base = r() < 0.15 ? bases[2] : pick(r, bases.slice(0, 2));
      const kind = r();
      let mutant: { bytes: Uint8Array; what: string };
      let sealed: boolean;
      if (kind < 0.3) [mutant, sealed] = [mutateBytes(r, base.bytes, BFW.bodyAt(base.bytes)), false];
      else if (kind < 0.5) [mutant, sealed] = [mutateBytes(r, base.bytes, BFW.bodyAt(base.bytes)), true];
      else if (kind < 0.9) {
        const { header, what } = mutateJson(r, jsonHeader(base.bytes));
        [mutant, sealed] = [{ bytes: replaceJson(base.bytes, header, BFW), what }, kind < 0.85];
      } else [mutant, sealed] = [resize(r, base.bytes), r() < 0.5];
      const bytes = sealed ? reseal(mutant.bytes, BFW) : mutant.bytes;
      const what = `${base.name} ${sealed ? 'sealed' : 'unsealed'} ${mutant.what}`;
      return judged(what, async () => {
        const loaded = readWeights(bytes);
        // Corruption (an edit the checksum was not told about) must never load and change a result; version 1
        // cannot see header edits by design, so only its results' sanity is checked.
        const corrupt = !sealed && loaded.warnings.length === 0 && !equalBytes(bytes, base.bytes);
        const cpu = await attempt(() => embedWith('cpu', bytes, faces));
        if (corrupt && !(cpu.ok && sameEmbeddings(cpu.value, reference.get(base.bytes)!))) {
          return different(what, `corrupt file loaded and embeds ${describeRun(cpu)} unlike the original`);
        }
        let gpu: Run | undefined;
        if (ctx.gpu && r() < ctx.gpuShare) {
          gpu = await attempt(() => embedWith('webgpu', bytes, faces));
        }
        return compareRuns(what, loaded.architecture.embeddingDim, cpu, gpu);
      });
    };
  },
};

/** Embeds `faces` with a recognizer made for this one call, and releases it. */
async function embedWith(
  backend: 'cpu' | 'webgpu',
  weights: Uint8Array,
  faces: ReturnType<typeof probeFaces>,
): Promise<Float32Array[]> {
  const rec = await createRecognizer({ backend, weights });
  try {
    return await rec.embed(faces);
  } finally {
    rec.dispose();
  }
}

function equalBytes(a: Uint8Array, b: Uint8Array): boolean {
  return a.length === b.length && a.every((v, i) => v === b[i]);
}

// ---------------------------------------------------------------- galleries (.bfg)

function unitVector(r: Random, dim: number): Float32Array {
  const v = Float32Array.from({ length: dim }, () => r() * 2 - 1);
  const n = Math.hypot(...v);
  return v.map((x) => x / n);
}

async function searchAll(g: Gallery, probes: Float32Array[]) {
  return g.searchMany(probes, 3);
}

const galleryTarget: Target = {
  name: 'gallery',
  async setup(ctx) {
    const r0 = seededRandom(7);
    const make = (dim: number, labels: number) => {
      const g = new Gallery({ dim, search: 'cpu' });
      for (let i = 0; i < labels; i++)
        g.add(
          `person ${i}`,
          Array.from({ length: 1 + (i % 3) }, () => unitVector(r0, dim)),
        );
      return g.save();
    };
    const bases = [
      { name: 'dim 8', bytes: make(8, 4) },
      { name: 'dim 130', bytes: make(130, 3) },
      { name: 'gallery-v1.bfg', bytes: file('test/fixtures/gallery-v1.bfg') },
    ];
    const probes = new Map(bases.map((b) => [b.bytes, [0, 1, 2].map(() => unitVector(r0, Gallery.load(b.bytes).dim))]));
    const reference = new Map<Uint8Array, unknown>();
    for (const b of bases)
      reference.set(b.bytes, await searchAll(Gallery.load(b.bytes, { search: 'cpu' }), probes.get(b.bytes)!));
    return async (r) => {
      const base = pick(r, bases);
      const view = new DataView(base.bytes.buffer, base.bytes.byteOffset);
      const kind = r();
      let mutant: { bytes: Uint8Array; what: string };
      let sealed: boolean;
      if (kind < 0.3) [mutant, sealed] = [mutateBytes(r, base.bytes, BFG.bodyAt(base.bytes)), false];
      else if (kind < 0.5) [mutant, sealed] = [mutateBytes(r, base.bytes, BFG.bodyAt(base.bytes)), true];
      else if (kind < 0.7) {
        const { header, what } = mutateJson(r, jsonHeader(base.bytes));
        [mutant, sealed] = [{ bytes: replaceJson(base.bytes, header, BFG), what }, true];
      } else if (kind < 0.9) {
        // Row values: a label index, a scale or a code set to an edge value.
        const out = base.bytes.slice();
        const v = new DataView(out.buffer);
        const n = view.getUint32(16, true);
        const dim = view.getUint32(20, true);
        const body = BFG.bodyAt(out);
        const row = int(r, n);
        const part = int(r, 3);
        let what: string;
        if (part === 0) {
          const x = pick(r, [n, n + 1, 2 ** 32 - 1, 0, 1]);
          v.setUint32(body + row * 4, x >>> 0, true);
          what = `label[${row}]=${x}`;
        } else if (part === 1) {
          const x = pick(r, [
            NaN,
            Infinity,
            -Infinity,
            0,
            -0.01,
            1e-30,
            1e30,
            v.getFloat32(body + n * 4 + row * 4, true) * pick(r, [2, 0.5, 1.001, -1]),
          ]);
          v.setFloat32(body + n * 4 + row * 4, x, true);
          what = `scale[${row}]=${x}`;
        } else {
          const at = body + n * 8 + row * Math.ceil(dim / 4) * 4 + int(r, Math.ceil(dim / 4) * 4);
          out[at] = pick(r, [0x80, 0x7f, 0x81, 0x00, 0x01, 0xff]);
          what = `code@${at}=${out[at]}`;
        }
        [mutant, sealed] = [{ bytes: out, what }, true];
      } else [mutant, sealed] = [resize(r, base.bytes), r() < 0.5];
      const bytes = sealed ? reseal(mutant.bytes, BFG) : mutant.bytes;
      const what = `${base.name} ${sealed ? 'sealed' : 'unsealed'} ${mutant.what}`;
      return judged(what, async () => {
        const g = Gallery.load(bytes, { search: 'cpu' });
        const probe = probes.get(base.bytes)!.map((p) => (p.length === g.dim ? p : unitVector(r, g.dim)));
        const found = await searchAll(g, probe);
        const corrupt = !sealed && g.warnings.length === 0 && !equalBytes(bytes, base.bytes);
        if (corrupt && JSON.stringify(found) !== JSON.stringify(reference.get(base.bytes)))
          return different(what, 'corrupt file loaded and searches differently');
        for (const matches of found) {
          if (new Set(matches.map((m) => m.label)).size !== matches.length)
            return different(what, 'a label appears twice in one result');
          const bad = matches.find((m) => !Number.isFinite(m.similarity) || Math.abs(m.similarity) > 1.05);
          if (bad) return different(what, `similarity ${bad.similarity}`);
        }
        if (JSON.stringify(await searchAll(Gallery.load(g.save(), { search: 'cpu' }), probe)) !== JSON.stringify(found))
          return different(what, 'save → load changed the results');
        if (ctx.gpuDevice && r() < ctx.gpuShare) {
          const onGpu = Gallery.load(bytes, { search: 'webgpu', device: ctx.gpuDevice });
          const gpuFound = await searchAll(onGpu, probe);
          onGpu.dispose();
          if (JSON.stringify(gpuFound) !== JSON.stringify(found))
            return different(what, 'WebGPU search differs from the CPU');
        }
        return undefined;
      });
    };
  },
};

// ---------------------------------------------------------------- the public API's input checks

const junkNumber = (r: Random) =>
  pick(r, [...INTERESTING_NUMBERS, NaN, Infinity, -Infinity, '3', null, undefined, 20, 24, 16.5]);

/** A face: a valid one, or (more often) a valid one with exactly one thing wrong. */
function junkFace(r: Random): unknown {
  const width = 8 + int(r, 40);
  const height = 8 + int(r, 40);
  const face: Record<string, unknown> = {
    data: Uint8Array.from({ length: width * height * 4 }, () => int(r, 256)),
    width,
    height,
  };
  if (r() < 0.5)
    face.box = { x: (r() - 0.25) * width, y: (r() - 0.25) * height, width: 1 + r() * width, height: 1 + r() * height };
  if (r() < 0.35) return face;
  face.box ??= { x: 0, y: 0, width, height };
  const box = face.box as Record<string, unknown>;
  const extreme = () =>
    pick(r, [0, -1, 1e-300, 1e-9, 0.5, 100, 1e4, 1e5, 1e6, 1e9, 1e300, -1e300, NaN, Infinity, -Infinity]);
  if (r() < 0.08) return pick(r, [null, undefined, 42, 'face', {}, [], new Uint8Array(16)]);
  const corruptions: Array<() => void> = [
    () => (face.width = junkNumber(r)),
    () => (face.height = junkNumber(r)),
    () => (face.data = Uint8Array.from({ length: int(r, width * height * 4 + 8) }, () => 0)),
    () =>
      (face.data = pick(r, [
        new Float32Array(width * height * 4),
        Array.from({ length: width * height * 4 }, () => 0),
        'pixels',
        null,
        undefined,
      ])),
    // Boxes: a side or corner at an extreme; the CPU resize must stay bounded and match WebGPU.
    () => (box[pick(r, ['width', 'height'])] = extreme()),
    () => Object.assign(box, { width: extreme(), height: extreme() }),
    () => Object.assign(box, { x: -extreme(), y: -extreme(), width: extreme(), height: extreme() }),
    () => (box[pick(r, ['x', 'y'])] = pick(r, [NaN, Infinity, -Infinity, '3', null, width, -1e6])),
    () => (face.box = pick(r, [null, 'box', [1, 2, 3, 4], {}, 7])),
  ];
  pick(r, corruptions)();
  return face;
}

/** A face size for verify/identify: a calibrated one, an uncalibrated one, or junk. */
const junkSize = (r: Random) => pick(r, [8, 12, 16, 24, 32, 'hr', 10, 48, 0, -1, 1.5, NaN, '16', undefined]);

function junkVector(r: Random, dim: number): unknown {
  const n = r() < 0.8 ? dim : pick(r, [0, 1, dim - 1, dim + 1, 2 * dim]);
  const v = Float32Array.from({ length: n }, () =>
    r() < 0.95 ? r() * 2 - 1 : (pick(r, [NaN, Infinity, 0, 1e30, -1e30, 1e-40]) as number),
  );
  if (r() < 0.1) v.fill(0);
  return r() < 0.05 ? pick(r, [null, [1, 2], 'v', new Float64Array(dim)]) : v;
}

const apiTarget: Target = {
  name: 'api',
  async setup(ctx) {
    const dim = ctx.cpu.info.embeddingDim;
    const size = ctx.cpu.info.inputSize;
    const canaryFaces = probeFaces(() => 0.61);
    const canary = await ctx.cpu.embed(canaryFaces);
    const gpuCanary = ctx.gpu ? await ctx.gpu.embed(canaryFaces) : undefined;
    let calls = 0;
    return async (r) => {
      const op = pick(r, [
        'embed',
        'embed',
        'embed',
        'tensor',
        'similarity',
        'verify',
        'identify',
        'gallery',
        'create',
      ] as const);
      let what: string = op;
      const result = await judged(what, async () => {
        switch (op) {
          case 'embed': {
            const faces = Array.from({ length: 1 + int(r, 3) }, () => junkFace(r));
            if (r() < 0.1) delete faces[int(r, faces.length)]; // a hole: [face, , face]
            const input = r() < 0.05 ? pick(r, [null, 'faces', {}, new Uint8Array(4)]) : faces;
            what = `embed ${JSON.stringify(input, (k, v) => (k === 'data' ? `${v?.constructor?.name}(${v?.length})` : Number.isNaN(v) ? 'NaN' : v === Infinity ? 'Inf' : v))?.slice(0, 2000)}`;
            announcer(what);
            const holey = Array.isArray(input) && Array.from(input.keys()).some((i) => !(i in input));
            const cpu = await attempt(() => ctx.cpu.embed(input as never));
            const gpu = ctx.gpu ? await attempt(() => ctx.gpu!.embed(input as never)) : undefined;
            if (holey && (cpu.ok || gpu?.ok))
              return different(what, 'a batch with a hole was embedded (an invented face)');
            return compareRuns(what, dim, cpu, gpu);
          }
          case 'tensor': {
            const per = 3 * size * size;
            const n = r() < 0.8 ? per * (1 + int(r, 2)) : int(r, 3 * per);
            const scale = pick(r, [1, 1, 10, 1e4, 1e15, 1e30, 1e38]);
            const t = Float32Array.from({ length: n }, () => (r() * 2 - 1) * scale);
            if (r() < 0.1 && n > 0) t[int(r, n)] = pick(r, [NaN, Infinity, -Infinity]);
            what = `embed tensor(${n}) scale ${scale}`;
            announcer(what);
            const cpu = await attempt(() => ctx.cpu.embed(t));
            const gpu = ctx.gpu ? await attempt(() => ctx.gpu!.embed(t)) : undefined;
            return compareRuns(what, dim, cpu, gpu);
          }
          case 'similarity': {
            const [a, b] = [junkVector(r, dim), junkVector(r, dim)];
            what = `similarity ${describeVector(a)} ${describeVector(b)}`;
            announcer(what);
            const s = ctx.cpu.similarity(a as Float32Array, b as Float32Array);
            if (!(Number.isFinite(s) && Math.abs(s) <= 1 + 1e-6)) return different(what, `similarity ${s}`);
            return undefined;
          }
          case 'verify': {
            const [a, b] = [junkVector(r, dim), junkVector(r, dim)];
            const options =
              r() < 0.7
                ? { far: pick(r, [1e-2, 1e-3]), size: junkSize(r) }
                : pick(r, [{ far: 0.5 }, { far: NaN }, null, 'strict', {}]);
            what = `verify ${describeVector(a)} ${describeVector(b)} ${JSON.stringify(options)}`;
            announcer(what);
            const v = await callAsync(() => ctx.cpu.verify(a as Float32Array, b as Float32Array, options as never));
            if (!(Number.isFinite(v.similarity) && Math.abs(v.similarity) <= 1 + 1e-6 && typeof v.match === 'boolean'))
              return different(what, JSON.stringify(v));
            return undefined;
          }
          case 'identify': {
            const g = new Gallery({ dim, search: 'cpu' });
            for (let k = int(r, 4); k > 0; k--) g.add(`p${k}`, unitVector(r, dim));
            const probe = junkVector(r, dim);
            const options =
              r() < 0.8
                ? { far: pick(r, [1e-2, 1e-3, 0.1]), size: junkSize(r), k: r() < 0.8 ? 1 + int(r, 5) : junkNumber(r) }
                : pick(r, [null, 'x', {}]);
            what = `identify ${describeVector(probe)} in ${g.size} identities ${JSON.stringify(options)}`;
            announcer(what);
            const id = await callAsync(() => ctx.cpu.identify(probe as Float32Array, g, options as never));
            const wrong = id.candidates.find((m) => !Number.isFinite(m.similarity) || Math.abs(m.similarity) > 1.05);
            if (
              wrong ||
              (id.outcome === 'match') !== (id.label !== undefined) ||
              (g.size > 0 && !Number.isFinite(id.similarity))
            )
              return different(what, JSON.stringify(id));
            return undefined;
          }
          case 'gallery': {
            const options =
              r() < 0.8
                ? { dim, search: 'cpu' as const }
                : { dim: junkNumber(r), search: pick(r, ['cpu', 'auto', 'gpu', 7]) };
            what = `gallery ${JSON.stringify(options)}`;
            const g = new Gallery(options as never);
            for (let k = int(r, 4); k > 0; k--) {
              const label = r() < 0.85 ? `p${int(r, 3)}` : pick(r, ['', null, 7, {}]);
              const list =
                r() < 0.5 ? junkVector(r, g.dim) : Array.from({ length: int(r, 3) }, () => junkVector(r, g.dim));
              what += ` add(${JSON.stringify(label)}, ${Array.isArray(list) ? `[${list.map(describeVector)}]` : describeVector(list)})`;
              try {
                g.add(label as string, list as Float32Array);
              } catch (e) {
                if (!(e instanceof BridgefaceError)) throw e;
              }
            }
            const k = r() < 0.8 ? 1 + int(r, 5) : junkNumber(r);
            const probe = junkVector(r, g.dim);
            what += ` search(${describeVector(probe)}, ${String(k)})`;
            announcer(what);
            const found = await callAsync(() =>
              r() < 0.5
                ? g.search(probe as Float32Array, k as number)
                : g.searchMany([probe as Float32Array], k as number).then((x) => x[0]),
            );
            if (found.some((m) => !Number.isFinite(m.similarity) || Math.abs(m.similarity) > 1.05))
              return different(what, JSON.stringify(found));
            return undefined;
          }
          case 'create': {
            const weights = pick(r, [
              new Uint8Array(int(r, 64)),
              Uint8Array.from({ length: 40 }, () => int(r, 256)),
              '/nonexistent.bfw',
              'data:,x',
              42,
              null,
              new ArrayBuffer(8),
            ]);
            const backend = pick(r, ['cpu', 'cpu', 'tpu', 7, undefined]);
            what = `createRecognizer backend ${String(backend)} weights ${describeVector(weights)}`;
            announcer(what);
            const rec = await callAsync(() =>
              createRecognizer({ backend: backend as 'cpu', weights: weights as Uint8Array }),
            );
            rec.dispose();
            return undefined;
          }
        }
      });
      // A bad call must not change a later good one.
      if (++calls % 10 === 0 && result.outcome !== 'untyped') {
        const again = await ctx.cpu.embed(canaryFaces);
        if (!again.every((e, i) => e.every((v, j) => v === canary[i][j])))
          return different(what, 'the CPU recognizer embeds differently after this call');
        if (ctx.gpu && gpuCanary) {
          const g = await ctx.gpu.embed(canaryFaces);
          if (!g.every((e, i) => e.every((v, j) => v === gpuCanary[i][j])))
            return different(what, 'the WebGPU recognizer embeds differently after this call');
        }
      }
      return { ...result, what };
    };
  },
};

/** An async API method must report bad input by rejecting, never by throwing before it returns its promise. */
function callAsync<T>(f: () => Promise<T>): Promise<T> {
  let promise: Promise<T>;
  try {
    promise = f();
  } catch (e) {
    throw new TypeError(
      `threw synchronously instead of rejecting: ${e instanceof BridgefaceError ? `${e.name}(${e.code})` : String(e)}`,
    );
  }
  return promise;
}

function describeVector(v: unknown): string {
  if (v instanceof Float32Array) {
    const special = v.find((x) => !Number.isFinite(x) || Math.abs(x) > 1e20);
    return `f32(${v.length}${v.every((x) => x === 0) ? ' zeros' : ''}${special !== undefined ? ` has ${special}` : ''})`;
  }
  if (ArrayBuffer.isView(v) || v instanceof ArrayBuffer) return `${v.constructor.name}(${v.byteLength})`;
  return JSON.stringify(v) ?? String(v);
}

/** Checks the harness itself: case i misbehaves in way i mod 6, so each verdict must be counted once per six. */
const selftestTarget: Target = {
  name: 'selftest',
  async setup() {
    return async (_, i) => {
      const what = `selftest ${i % 6}`;
      switch (i % 6) {
        case 0:
          return judged(what, async () => {
            throw new TypeError('an untyped error');
          });
        case 1:
          return different(what, 'a wrong result');
        case 2:
          announcer(what);
          for (;;); // a hang
        case 3:
          announcer(what);
          return process.abort(); // a crash
        case 4:
          return judged(what, async () => {
            throw new InputError('bad-option', 'a typed error');
          });
        default:
          return judged(what, async () => undefined);
      }
    };
  },
};

export const TARGETS: Record<Target['name'], Target> = {
  weights: weightsTarget,
  gallery: galleryTarget,
  api: apiTarget,
  selftest: selftestTarget,
};
