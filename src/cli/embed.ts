/**
 * `bridgeface embed`: one embedding per image, in input order. Files are read one at a time into batches of
 * face-sized images (at most BATCH faces and BATCH_BYTES of pixels, whatever the folder holds); a file that cannot
 * be decoded, or that the backend rejects, is reported by name and the rest go on. Outputs are written atomically
 * (output.ts).
 */
import type { Recognizer } from '../api/recognizer.js';
import { BridgefaceError, GpuError } from '../errors.js';
import type { RgbaImage } from '../runtime/image.js';
import { type CliIo, openRecognizer, warn } from './context.js';
import { loadFace } from './faces.js';
import { ImageFileError, expandInputs } from './images.js';
import type { CommonOptions } from './options.js';
import { writeFilesAtomically } from './output.js';
import { startProgress } from './progress.js';

export interface EmbedOptions extends CommonOptions {
  out?: string;
  format: 'json' | 'f32';
  maxPixels?: number;
}

const BATCH = 32;
/** A batch is also flushed at this many pixel bytes (whole images with --crop none and no --size are big). */
const BATCH_BYTES = 64 * 1024 * 1024;

/** Returns the exit code: 0 all embedded, 1 some inputs failed (or none were given). */
export async function embedCommand(inputs: string[], o: EmbedOptions, io: CliIo): Promise<number> {
  const files = await expandInputs(inputs);
  const rec = await openRecognizer(o, io);
  try {
    const dim = rec.info.embeddingDim;
    const done: Array<{ file: string; embedding: Float32Array }> = [];
    const failed: ImageFileError[] = [];
    const warnings: string[] = [];
    const fail = (error: ImageFileError) => {
      failed.push(error);
      io.stderr(`bridgeface: ${error.message}\n`);
    };
    const progress = startProgress(io.progress, files.length, 'images');
    let batch: Array<{ file: string; face: RgbaImage }> = [];
    const flush = async () => {
      for (const r of await embedBatch(rec, batch, o.mirror))
        r.embedding ? done.push({ file: r.file, embedding: r.embedding }) : fail(r.error!);
      progress.increment(batch.length);
      batch = [];
    };
    for (const entry of files) {
      if (entry instanceof ImageFileError) {
        fail(entry);
        progress.increment();
        continue;
      }
      try {
        batch.push({ file: entry, face: await loadFace(entry, rec, o, (w) => warnings.push(w)) });
      } catch (e) {
        if (!(e instanceof BridgefaceError)) throw e;
        fail(e instanceof ImageFileError ? e : new ImageFileError(entry, e.message));
        progress.increment();
      }
      if (batch.length === BATCH || batch.reduce((n, b) => n + b.face.data.length, 0) >= BATCH_BYTES) await flush();
    }
    if (batch.length > 0) await flush();
    progress.stop();
    for (const w of warnings) warn(io, w);

    if (o.format === 'f32') {
      const flat = new Float32Array(done.length * dim);
      done.forEach((d, i) => flat.set(d.embedding, i * dim));
      await writeFilesAtomically([
        { path: o.out!, data: new Uint8Array(flat.buffer) },
        { path: `${o.out!}.txt`, data: done.map((d) => `${d.file}\n`).join('') },
      ]);
      io.stderr(
        `bridgeface: wrote ${done.length}×${dim} float32 (little-endian) to ${o.out}, file names to ${o.out}.txt\n`,
      );
    } else {
      const json = JSON.stringify({
        model: { backend: rec.info.backend, adapter: rec.info.adapter, trained: rec.info.trained, embeddingDim: dim },
        size: o.size ?? null,
        crop: o.crop,
        embeddings: done.map((d) => ({ file: d.file, embedding: Array.from(d.embedding) })),
        failed: failed.map((f) => ({ file: f.file, error: f.message })),
        warnings,
      });
      if (o.out) await writeFilesAtomically([{ path: o.out, data: `${json}\n` }]);
      else io.stdout(`${json}\n`);
    }
    if (files.length === 0) io.stderr('bridgeface: no inputs\n');
    if (failed.length > 0) io.stderr(`bridgeface: ${failed.length} of ${files.length} inputs failed\n`);
    return failed.length > 0 || done.length === 0 ? 1 : 0;
  } finally {
    rec.dispose();
  }
}

/**
 * Embeds a batch; when the backend rejects it (one face too large for the adapter, say), each face is embedded
 * alone so only the culprits fail. A lost device ends the run.
 */
async function embedBatch(
  rec: Recognizer,
  batch: Array<{ file: string; face: RgbaImage }>,
  mirror = false,
): Promise<Array<{ file: string; embedding?: Float32Array; error?: ImageFileError }>> {
  try {
    const { data, dim } = await rec.embedMatrix(
      batch.map((b) => b.face),
      { mirror },
    );
    return batch.map((b, i) => ({ file: b.file, embedding: data.slice(i * dim, (i + 1) * dim) }));
  } catch (e) {
    if (!(e instanceof BridgefaceError) || (e instanceof GpuError && e.code === 'device-lost')) throw e;
    if (batch.length === 1) return [{ file: batch[0].file, error: new ImageFileError(batch[0].file, e.message) }];
    const out = [];
    for (const b of batch) out.push(...(await embedBatch(rec, [b], mirror)));
    return out;
  }
}
