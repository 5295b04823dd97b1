import { InputError } from '../errors.js';

/** Cosine similarity of two equal-length vectors, in [-1, 1] (0 when either is all zeros). Unchecked. */
export function cosine(a: ArrayLike<number>, b: ArrayLike<number>): number {
  let dot = 0;
  let na = 0;
  let nb = 0;
  for (let i = 0; i < a.length; i++) {
    dot += a[i] * b[i];
    na += a[i] * a[i];
    nb += b[i] * b[i];
  }
  return dot / Math.max(Math.sqrt(na * nb), 1e-12);
}

/**
 * Throws `InputError` unless `e` is an embedding of this model: a Float32Array of length `dim` ('bad-shape'),
 * every value finite ('non-finite'), not all zeros ('bad-shape': it has no direction to compare).
 */
export function checkEmbedding(e: unknown, dim: number, what: string): asserts e is Float32Array {
  if (!(e instanceof Float32Array) || e.length !== dim) {
    const got = e instanceof Float32Array ? `length ${e.length}` : Object.prototype.toString.call(e).slice(8, -1);
    throw new InputError('bad-shape', `${what} must be a Float32Array of length ${dim}, got ${got}`);
  }
  let norm = 0;
  for (let i = 0; i < e.length; i++) norm += e[i] * e[i];
  if (!Number.isFinite(norm)) throw new InputError('non-finite', `${what} has a non-finite value`);
  if (norm === 0) throw new InputError('bad-shape', `${what} is all zeros`);
}

/** The cosine of two checked embeddings of length `dim` (`checkEmbedding`): what `similarity` and `verify` compare. */
export function embeddingSimilarity(a: Float32Array, b: Float32Array, dim: number): number {
  checkEmbedding(a, dim, 'the first embedding');
  checkEmbedding(b, dim, 'the second embedding');
  return cosine(a, b);
}
