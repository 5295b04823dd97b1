// Reader for the teacher-stage cache (shard-*/meta.jsonl, chips150.u8, loose88.u8, desc.f32).
import * as fs from 'node:fs';
import * as path from 'node:path';
import { CHIP } from './common.js';

export interface CacheMeta {
  index: number;
  path: string;
  dataset: string;
  identity: string;
  w: number;
  h: number;
  method: string;
  score: number;
  box: { x: number; y: number; width: number; height: number } | null;
  transform: number[];
}

export class TeacherCache {
  readonly entries = new Map<string, { meta: CacheMeta; shard: number; row: number }>();
  private fds: number[] = [];
  private descFds: number[] = [];
  constructor(readonly dir: string) {
    const shards = fs.existsSync(dir)
      ? fs
          .readdirSync(dir)
          .filter((d) => d.startsWith('shard-'))
          .sort()
      : [];
    if (!shards.length)
      throw new Error(`no teacher cache under ${dir}: run the teacher stage first (npm run train -- teacher)`);
    shards.forEach((s, k) => {
      const d = path.join(dir, s);
      const lines = fs
        .readFileSync(path.join(d, 'meta.jsonl'), 'utf8')
        .split('\n')
        .filter((l) => l.trim());
      const nChips = Math.floor(fs.statSync(path.join(d, 'chips150.u8')).size / (CHIP * CHIP * 3));
      const nDesc = Math.floor(fs.statSync(path.join(d, 'desc.f32')).size / 1024);
      const n = Math.min(lines.length, nChips, nDesc);
      for (let r = 0; r < n; r++) {
        const meta = JSON.parse(lines[r]) as CacheMeta;
        this.entries.set(meta.path, { meta, shard: k, row: r });
      }
      this.fds.push(fs.openSync(path.join(d, 'chips150.u8'), 'r'));
      this.descFds.push(fs.openSync(path.join(d, 'desc.f32'), 'r'));
    });
  }
  has(p: string): boolean {
    return this.entries.has(p);
  }
  /** The aligned 150×150 RGB chip. */
  chip(p: string): Uint8Array {
    const e = this.entries.get(p);
    if (!e) throw new Error(`not in teacher cache: ${p}`);
    const size = CHIP * CHIP * 3;
    const buf = new Uint8Array(size);
    fs.readSync(this.fds[e.shard], buf, 0, size, e.row * size);
    return buf;
  }
  /** Teacher descriptors [chip, mirror] (2×128). */
  desc(p: string): Float32Array {
    const e = this.entries.get(p);
    if (!e) throw new Error(`not in teacher cache: ${p}`);
    const buf = new Uint8Array(1024);
    fs.readSync(this.descFds[e.shard], buf, 0, 1024, e.row * 1024);
    return new Float32Array(buf.buffer);
  }
  close(): void {
    for (const fd of [...this.fds, ...this.descFds]) fs.closeSync(fd);
  }
}
