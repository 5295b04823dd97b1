/**
 * Every error bridgeface throws on purpose is a `BridgefaceError`: branch on `instanceof` and `code`, never on the
 * message (which is for people). README's "Errors" section lists every code and when it is raised.
 *
 * Each class sets `name` as a string literal, not from its constructor, so `error.name` stays readable in
 * minified bundles and can be sent across a worker boundary (worker-protocol.ts rebuilds the class from it).
 */
export abstract class BridgefaceError<Code extends string = string> extends Error {
  abstract override readonly name: string;

  constructor(
    readonly code: Code,
    message: string,
  ) {
    super(message);
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
  | 'bad-input'
  | 'bad-thresholds'
  | 'missing-tensor'
  | 'unexpected-tensor'
  | 'shape-mismatch'
  | 'non-finite-tensor';

/** A weights file that cannot be read or that describes a network this runtime cannot run. */
export class WeightsFormatError extends BridgefaceError<WeightsFormatErrorCode> {
  override readonly name = 'WeightsFormatError';
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
  | 'unknown-label'
  /** A weights path or URL that cannot be read or fetched. */
  | 'unreadable'
  /** A data file given to a tool (an LFW pairs list, a WIDER FACE box file) that does not parse. */
  | 'bad-file';

/** Bad arguments to the public API: nothing was computed and no state changed. */
export class InputError extends BridgefaceError<InputErrorCode> {
  override readonly name = 'InputError';
}

export type GpuErrorCode =
  | 'no-adapter'
  | 'validation'
  | 'out-of-memory'
  /** A GPUInternalError from an error scope (the implementation failed, e.g. a shader too large to compile). */
  | 'internal'
  | 'device-lost';

/** WebGPU failed: no adapter, a validation, out-of-memory or internal error, or a lost device. */
export class GpuError extends BridgefaceError<GpuErrorCode> {
  override readonly name = 'GpuError';
}

/** A backend produced NaN or ±Inf; results are withheld rather than returned silently wrong. */
export class NonFiniteOutputError extends BridgefaceError<'non-finite-output'> {
  override readonly name = 'NonFiniteOutputError';
}

/**
 * `verify` needs cosine thresholds calibrated for a false-accept rate, and the weights carry none (the untrained
 * placeholder) or none for the requested rate. bridgeface never guesses a threshold.
 */
export class CalibrationError extends BridgefaceError<'no-thresholds'> {
  override readonly name = 'CalibrationError';
}

export type GalleryFormatErrorCode =
  | 'truncated'
  | 'bad-magic'
  | 'unsupported-version'
  | 'bad-header'
  | 'bad-rows'
  | 'checksum-mismatch';

/** A saved gallery (`.bfg`) that cannot be read. */
export class GalleryFormatError extends BridgefaceError<GalleryFormatErrorCode> {
  override readonly name = 'GalleryFormatError';
}

export type DetectorErrorCode =
  /** onnxruntime-node (Node) or onnxruntime-web (browsers) is not installed; detection needs one of them. */
  | 'runtime-missing'
  /** The detector weights could not be found or read (e.g. the BlazeFace package is not installed). */
  | 'weights-missing'
  /** The weights do not have the inputs and outputs of the model family they were given as. */
  | 'bad-model'
  /** The ONNX graph uses an op, attribute or shape that bridgeface's own runtime does not run (ONNX Runtime may). */
  | 'unsupported-op';

/** Face detection could not start: no ONNX runtime, no weights, or weights of another model. */
export class DetectorError extends BridgefaceError<DetectorErrorCode> {
  override readonly name = 'DetectorError';
}

/**
 * A worker failed to load or crashed — the Web Worker behind `createWorkerRecognizer`, or one of the CPU backend's
 * threads; pending calls are rejected with this.
 */
export class WorkerError extends BridgefaceError<'worker-failed'> {
  override readonly name = 'WorkerError';
}

/** Every concrete class, by its `name`: how a serialised error is rebuilt with its class (worker-protocol.ts). */
export const ERROR_CLASSES = {
  WeightsFormatError,
  InputError,
  GpuError,
  NonFiniteOutputError,
  CalibrationError,
  GalleryFormatError,
  WorkerError,
  DetectorError,
} as const;
