/**
 * Seeded mutations of bridgeface's binary files: raw byte edits, structural edits of the JSON header, and
 * truncation. `reseal` recomputes lengths and the checksum the way a writer would, so a mutant can reach the checks
 * behind the CRC; unsealed mutants model corruption, which version 2 must always detect.
 */
import { crc32, fileCrc } from '../src/model/checksum.js';
import { seededRandom } from '../src/model/random-weights.js';

export type Random = () => number;

/** One PRNG per (seed, target, case): any case can be rerun alone. */
export function caseRandom(seed: number, target: string, index: number): Random {
  let h = (seed ^ 0x9e3779b9) >>> 0;
  for (const c of `${target}:${index}`) h = Math.imul(h ^ c.charCodeAt(0), 0x01000193) >>> 0;
  return seededRandom(h);
}

export const int = (r: Random, n: number) => Math.floor(r() * n);
export const pick = <T>(r: Random, items: readonly T[]): T => items[int(r, items.length)];

/** Values that sit on the edges validators get wrong. */
export const INTERESTING_NUMBERS = [
  0,
  -0,
  1,
  -1,
  0.5,
  2,
  255,
  256,
  4096,
  4097,
  2 ** 31,
  2 ** 32,
  2 ** 53,
  1e6,
  1e9,
  1e300,
  -1e300,
  1e-300,
  -1e-7,
  1.5,
  3,
];
const INTERESTING_BYTES = [0x00, 0x01, 0x7f, 0x80, 0xff, 0x20, 0x22, 0x2c, 0x5b, 0x7d];
const INTERESTING_U32 = [0, 1, 2, 3, 4, 16, 31, 32, 0x7fffffff, 0x80000000, 0xffffffff, 0xfffffff0];

/**
 * 1–4 raw edits: flipped bits, interesting bytes, overwritten u32 fields. Each lands, with equal chance, in the
 * fixed header, the JSON header or the body from `bodyAt` on (tensors, gallery rows).
 */
export function mutateBytes(r: Random, bytes: Uint8Array, bodyAt: number): { bytes: Uint8Array; what: string } {
  const out = bytes.slice();
  const view = new DataView(out.buffer);
  const edits: string[] = [];
  const regions = [
    [0, 32],
    [32, bodyAt],
    [bodyAt, out.length],
  ].filter(([from, to]) => to > from);
  for (let k = 1 + int(r, 4); k > 0; k--) {
    const [from, to] = pick(r, regions);
    const at = from + int(r, to - from);
    const kind = int(r, 3);
    if (kind === 0) {
      out[at] ^= 1 << int(r, 8);
      edits.push(`flip@${at}`);
    } else if (kind === 1) {
      out[at] = pick(r, INTERESTING_BYTES);
      edits.push(`byte@${at}=${out[at]}`);
    } else if (at + 4 <= out.length) {
      const v = pick(r, INTERESTING_U32);
      view.setUint32(at & ~3, v, true);
      edits.push(`u32@${at & ~3}=${v}`);
    }
  }
  return { bytes: out, what: edits.join(',') };
}

/** Cut the file short or extend it. */
export function resize(r: Random, bytes: Uint8Array): { bytes: Uint8Array; what: string } {
  if (r() < 0.7) {
    const n = int(r, bytes.length);
    return { bytes: bytes.slice(0, n), what: `truncate@${n}` };
  }
  const extra = 1 + int(r, 64);
  const out = new Uint8Array(bytes.length + extra);
  out.set(bytes);
  return { bytes: out, what: `extend+${extra}` };
}

type Json = null | boolean | number | string | Json[] | { [key: string]: Json };

/** Every path to a node of a JSON value, so an edit can pick one. */
function paths(value: Json, prefix: Array<string | number> = [], out: Array<Array<string | number>> = []) {
  out.push(prefix);
  if (Array.isArray(value)) value.forEach((v, i) => paths(v, [...prefix, i], out));
  else if (value !== null && typeof value === 'object')
    for (const [k, v] of Object.entries(value)) paths(v, [...prefix, k], out);
  return out;
}

function replacement(r: Random, old: Json): Json {
  const choices: Array<() => Json> = [
    () => pick(r, INTERESTING_NUMBERS),
    () => (typeof old === 'number' ? old * pick(r, [-1, 2, 0.5, 1e6, 1.0000001]) : pick(r, INTERESTING_NUMBERS)),
    () => (typeof old === 'number' ? old + pick(r, [1, -1, 0.01]) : 1),
    () => null,
    () => pick(r, ['', 'x', 'f64', 'max', 'relu', 'hr', 'far_1e-2', '1e309']),
    () => [],
    () => ({}),
    () => true,
    () => (Array.isArray(old) ? [...old, ...old.slice(0, 1)] : [old]),
  ];
  return pick(r, choices)();
}

/** 1–3 edits of the JSON header: replace a node, delete a key, duplicate an array entry, add a key. */
export function mutateJson(r: Random, header: Json): { header: Json; what: string } {
  let root = structuredClone(header);
  const edits: string[] = [];
  for (let k = 1 + int(r, 3); k > 0; k--) {
    const all = paths(root);
    const path = pick(r, all);
    const label = path.join('.') || '<root>';
    if (path.length === 0) {
      if (r() < 0.2) {
        root = replacement(r, root);
        edits.push('root=');
      }
      continue;
    }
    const parent = path.slice(0, -1).reduce<Json>((node, key) => (node as Record<string, Json>)[key as string], root) as
      | Record<string, Json>
      | Json[];
    const key = path[path.length - 1];
    const op = int(r, 4);
    if (op === 0 && !Array.isArray(parent)) {
      delete (parent as Record<string, Json>)[key as string];
      edits.push(`delete ${label}`);
    } else if (op === 1 && Array.isArray(parent)) {
      parent.splice(key as number, 0, structuredClone(parent[key as number]));
      edits.push(`duplicate ${label}`);
    } else if (op === 2 && !Array.isArray(parent)) {
      (parent as Record<string, Json>)[`extra${int(r, 3)}`] = replacement(r, null);
      edits.push(`add key beside ${label}`);
    } else {
      (parent as Record<string, Json>)[key as string] = replacement(r, (parent as Record<string, Json>)[key as string]);
      edits.push(`set ${label}=${JSON.stringify((parent as Record<string, Json>)[key as string])?.slice(0, 24)}`);
    }
  }
  return { header: root, what: edits.join('; ') };
}

/** The fixed layout both formats share: 8-byte magic, u32 version, u32 JSON length at 12, CRC at 24, JSON at 32. */
export function jsonHeader(bytes: Uint8Array): Json {
  const length = new DataView(bytes.buffer, bytes.byteOffset).getUint32(12, true);
  return JSON.parse(new TextDecoder().decode(bytes.subarray(32, 32 + length)));
}

/** Where a format's parts lie: the body after the JSON header, and where version 1's checksum starts. */
export interface Layout {
  /** Where what follows the JSON header starts in `bytes`. */
  bodyAt(bytes: Uint8Array): number;
  /** Where the body must start after a JSON header of `jsonLength` bytes (the formats pad differently). */
  place(jsonLength: number): number;
  /** Records the body's new start in the fixed header, for formats that store it. */
  onPlace?(view: DataView, body: number): void;
  /** Version 1's checksum covers bytes from here to the end. */
  v1From(bytes: Uint8Array): number;
}

const u32 = (b: Uint8Array, at: number) => new DataView(b.buffer, b.byteOffset, b.byteLength).getUint32(at, true);

/** `.bfw` (docs/weights-format.md): `dataOffset` at 16, aligned to 16; version 1 sums the data section. */
export const BFW: Layout = {
  bodyAt: (b) => u32(b, 16),
  place: (n) => Math.ceil((32 + n) / 16) * 16,
  onPlace: (view, at) => view.setUint32(16, at, true),
  v1From: (b) => u32(b, 16),
};

/** `.bfg` (docs/gallery-format.md): rows after the JSON header padded to 4; version 1 sums from byte 32. */
export const BFG: Layout = {
  bodyAt: (b) => 32 + Math.ceil(u32(b, 12) / 4) * 4,
  place: (n) => 32 + Math.ceil(n / 4) * 4,
  v1From: () => 32,
};

/** A file with its JSON header replaced and the body moved to match; the checksum is left as it was. */
export function replaceJson(bytes: Uint8Array, header: unknown, layout: Layout): Uint8Array {
  const json = new TextEncoder().encode(JSON.stringify(header) ?? 'null');
  const body = bytes.subarray(layout.bodyAt(bytes));
  const at = layout.place(json.length);
  const out = new Uint8Array(at + body.length);
  out.set(bytes.subarray(0, 32));
  out.set(json, 32);
  out.set(body, at);
  const view = new DataView(out.buffer);
  view.setUint32(12, json.length, true);
  layout.onPlace?.(view, at);
  return out;
}

/** Recomputes the checksum as a writer would: version 1 from `layout.v1From` to the end, version 2 over the whole file. */
export function reseal(bytes: Uint8Array, layout: Layout): Uint8Array {
  if (bytes.length < 32) return bytes;
  const out = bytes.slice();
  const view = new DataView(out.buffer);
  const from = Math.min(out.length, layout.v1From(out));
  view.setUint32(24, view.getUint32(8, true) === 1 ? crc32(out.subarray(from)) : fileCrc(out), true);
  return out;
}
