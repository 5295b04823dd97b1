/**
 * Every error bridgeface throws on purpose is one of these, so callers can branch on `instanceof` and `code`
 * instead of parsing messages.
 */
export class BridgefaceError extends Error {
  constructor(message: string) {
    super(message);
    this.name = new.target.name;
  }
}

export type WeightsFormatErrorCode =
  | 'truncated'
  | 'trailing-bytes'
  | 'bad-magic'
  | 'unsupported-version'
  | 'bad-header'
  | 'bad-tensor-table'
  | 'checksum-mismatch'
  | 'unsupported-architecture'
  | 'missing-tensor'
  | 'unexpected-tensor'
  | 'shape-mismatch';

/** A weights file that cannot be read or that describes a network this runtime cannot run. */
export class WeightsFormatError extends BridgefaceError {
  constructor(
    readonly code: WeightsFormatErrorCode,
    message: string,
  ) {
    super(`${code}: ${message}`);
  }
}

export type InputErrorCode =
  | 'empty-batch'
  | 'bad-shape'
  | 'bad-size'
  | 'non-finite'
  | 'bad-option'
  | 'disposed'
  /** An image source that cannot be read: not loaded yet, cross-origin (tainted), closed, or of an unknown kind. */
  | 'bad-image'
  /** A gallery label that is not enrolled. */
  | 'unknown-label';

/** Bad arguments to the public API: nothing was computed and no state changed. */
export class InputError extends BridgefaceError {
  constructor(
    readonly code: InputErrorCode,
    message: string,
  ) {
    super(`${code}: ${message}`);
  }
}

export type GpuErrorCode = 'no-adapter' | 'validation' | 'out-of-memory' | 'internal' | 'device-lost';

/** WebGPU failed: no adapter, a validation or out-of-memory error, or a lost device. */
export class GpuError extends BridgefaceError {
  constructor(
    readonly code: GpuErrorCode,
    message: string,
  ) {
    super(`${code}: ${message}`);
  }
}

/** A backend produced NaN or ±Inf; results are withheld rather than returned silently wrong. */
export class NonFiniteOutputError extends BridgefaceError {
  constructor(message: string) {
    super(message);
  }
}

/**
 * `verify` needs cosine thresholds calibrated for a false-accept rate, and the weights carry none (the untrained
 * placeholder) or none for the requested rate. bridgeface never guesses a threshold.
 */
export class CalibrationError extends BridgefaceError {
  readonly code = 'no-thresholds';
}

export type GalleryFormatErrorCode = 'truncated' | 'bad-magic' | 'unsupported-version' | 'bad-header' | 'checksum-mismatch';

/** A saved gallery (`.bfg`) that cannot be read. */
export class GalleryFormatError extends BridgefaceError {
  constructor(
    readonly code: GalleryFormatErrorCode,
    message: string,
  ) {
    super(`${code}: ${message}`);
  }
}

/** A CPU backend worker died or failed mid-batch; that batch's embeddings are not returned. */
export class CpuWorkerError extends BridgefaceError {
  readonly code = 'worker-failed';
}
