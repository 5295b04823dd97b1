/**
 * The one mapping from WebGPU's errors to `GpuError`, used by every GPU path (the network and gallery search),
 * and the error-scope bracket they record their work in.
 */
import { GpuError } from '../../errors.js';

/** `GpuError` for a WebGPU error object, with `context` saying what was being done. */
export function toGpuError(error: GPUError, context: string): GpuError {
  const code =
    error instanceof GPUOutOfMemoryError
      ? 'out-of-memory'
      : typeof GPUInternalError !== 'undefined' && error instanceof GPUInternalError
        ? 'internal'
        : 'validation';
  return new GpuError(code, `${context}: ${error.message}`);
}

const SCOPES = ['validation', 'out-of-memory', 'internal'] as const;

/** Runs `work` (recording and submitting commands) inside error scopes; throws the first error as `GpuError`. */
export async function checkedSubmit<T>(device: GPUDevice, context: string, work: () => T): Promise<T> {
  SCOPES.forEach((s) => device.pushErrorScope(s));
  // The scopes are popped whatever `work` does, so a throw inside it leaves the device's scope stack balanced.
  const outcome = (() => {
    try {
      return { ok: true as const, value: work() };
    } catch (error) {
      return { ok: false as const, error };
    }
  })();
  const errors = await Promise.all(SCOPES.map(() => device.popErrorScope()));
  if (!outcome.ok) throw outcome.error;
  const error = errors.find((e) => e !== null);
  if (error) throw toGpuError(error, context);
  return outcome.value;
}
