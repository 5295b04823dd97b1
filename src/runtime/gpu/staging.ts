/**
 * The one way results come back from the GPU: a pool of MAP_READ staging buffers, each mapped once per call
 * and returned to the pool afterwards (on failure too).
 */
import { GpuError } from '../../errors.js';

export class StagingPool {
  private readonly free: GPUBuffer[] = [];

  constructor(
    private readonly device: GPUDevice,
    private readonly label: string,
  ) {}

  /** A buffer of at least `bytes` to copy results into; give it back with `read` or `release`. */
  take(bytes: number): GPUBuffer {
    const i = this.free.findIndex((b) => b.size >= bytes);
    if (i >= 0) return this.free.splice(i, 1)[0];
    return this.device.createBuffer({
      size: Math.max(Math.ceil(bytes / 16) * 16, 4096),
      usage: GPUBufferUsage.MAP_READ | GPUBufferUsage.COPY_DST,
      label: this.label,
    });
  }

  /**
   * Maps the first `bytes` of `buffer` (after the submitted copies into it finish), returns a copy of them and
   * releases the buffer. A failed map is reported as `failure()` if that says why (e.g. the device was lost),
   * else as `GpuError('device-lost')`.
   */
  async read(
    buffer: GPUBuffer,
    bytes: number,
    failure: () => GpuError | undefined = () => undefined,
  ): Promise<ArrayBuffer> {
    try {
      await buffer.mapAsync(GPUMapMode.READ, 0, bytes);
    } catch (e) {
      this.release(buffer);
      throw (
        failure() ?? new GpuError('device-lost', `${this.label}: reading results back failed: ${(e as Error).message}`)
      );
    }
    const copy = buffer.getMappedRange(0, bytes).slice(0);
    buffer.unmap();
    this.release(buffer);
    return copy;
  }

  release(buffer: GPUBuffer): void {
    this.free.push(buffer);
  }

  /** Bytes the pooled buffers hold. */
  bytes(): number {
    return this.free.reduce((sum, b) => sum + b.size, 0);
  }

  destroy(): void {
    for (const b of this.free) b.destroy();
    this.free.length = 0;
  }
}
