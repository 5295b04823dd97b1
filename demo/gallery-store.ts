/**
 * What the demo's gallery holds: for each person, the faces enrolled on this page (re-embedded whenever the
 * face size, backend or a box changes) and any embeddings loaded from a `.bfg` file (fixed: a file holds
 * embeddings, not images). `build` turns that into a library `Gallery`, only when something changed.
 */
import { Gallery } from '../src/api/gallery.js';
import { GalleryFormatError } from '../src/errors.js';
import type { Face } from './faces.js';

export interface Entry {
  /** Faces enrolled on this page. */
  faces: Face[];
  /** Embeddings this person has from a loaded file. */
  fromFile: number;
}

export class GalleryStore {
  readonly entries = new Map<string, Entry>();
  private file: Uint8Array | undefined;
  private changes = 0;
  private builtKey = '';
  private built: Gallery;

  constructor(private readonly dim: number) {
    this.built = new Gallery({ dim });
  }

  get people(): number {
    return this.entries.size;
  }

  get rows(): number {
    let n = 0;
    for (const e of this.entries.values()) n += e.faces.length + e.fromFile;
    return n;
  }

  add(label: string, faces: Face[]): void {
    const entry = this.entries.get(label) ?? { faces: [], fromFile: 0 };
    entry.faces.push(...faces.filter((f) => !entry.faces.includes(f)));
    this.entries.set(label, entry);
    this.changes++;
  }

  remove(label: string): void {
    this.entries.delete(label);
    this.changes++;
  }

  /** Drops `face` wherever it is enrolled (a person left with nothing is removed). */
  forget(face: Face): void {
    for (const [label, entry] of this.entries) {
      if (!entry.faces.includes(face)) continue;
      entry.faces = entry.faces.filter((f) => f !== face);
      if (entry.faces.length + entry.fromFile === 0) this.entries.delete(label);
      this.changes++;
    }
  }

  clear(): void {
    this.entries.clear();
    this.file = undefined;
    this.changes++;
  }

  /** Replaces the gallery with a `.bfg` file's; throws `GalleryFormatError` for anything else. */
  load(bytes: Uint8Array): void {
    const gallery = Gallery.load(bytes, { search: 'cpu' });
    if (gallery.dim !== this.dim) {
      throw new GalleryFormatError(
        'bad-header',
        `this gallery holds ${gallery.dim}-D embeddings; this model makes ${this.dim}-D ones`,
      );
    }
    this.entries.clear();
    for (const label of gallery.labels()) this.entries.set(label, { faces: [], fromFile: gallery.count(label) });
    this.file = bytes;
    this.changes++;
  }

  /** The enrolled faces whose embeddings `build` needs. */
  faces(): Face[] {
    return [...this.entries.values()].flatMap((e) => e.faces);
  }

  /**
   * The library gallery for the current state; `key` names everything outside the store that the embeddings
   * depend on (model, face size, boxes). Rebuilt only when the key or the store changed.
   */
  async build(key: string, embed: (faces: Face[]) => Promise<Float32Array[]>): Promise<Gallery> {
    const full = `${key}|${this.changes}`;
    if (full === this.builtKey) return this.built;
    const gallery = this.file ? Gallery.load(this.file) : new Gallery({ dim: this.dim });
    for (const label of gallery.labels()) if (!this.entries.has(label)) gallery.remove(label);
    const entries = [...this.entries].filter(([, e]) => e.faces.length > 0);
    const embeddings = entries.length > 0 ? await embed(entries.flatMap(([, e]) => e.faces)) : [];
    let i = 0;
    for (const [label, entry] of entries) {
      gallery.add(label, embeddings.slice(i, i + entry.faces.length));
      i += entry.faces.length;
    }
    this.built.dispose();
    this.built = gallery;
    this.builtKey = full;
    return gallery;
  }

  /** The current gallery as a `.bfg` file (call after `build`). */
  save(): Uint8Array {
    return this.built.save();
  }
}
