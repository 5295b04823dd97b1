/**
 * Where the shipped student lives. This module sits one folder below the package root both as source
 * (src/) and when bundled (dist/), so the same relative URL reaches weights/ from either. The path is kept in
 * a variable so bundlers leave it as a runtime URL instead of inlining 0.8 MB of weights.
 */
const DEFAULT_WEIGHTS_PATH = '../weights/student.bfw';

export function defaultWeightsUrl(): URL {
  return new URL(DEFAULT_WEIGHTS_PATH, import.meta.url);
}
