/**
 * The static execution plan: for one batch size, every dispatch of the forward pass with its pipeline, its
 * uniforms and its bind group, all created once. Running the network is then only encoding this list.
 */
import type { WgslFile } from '../../kernels/index.js';
import type { InputSpec } from '../../model/architecture.js';
import type { Layer } from '../../model/network.js';
import { type BindingRole, type LayerKernel, PREPROCESS_PARAMS, flatGrid, kernelFor } from './kernels.js';

/** Uniform slices are placed at this stride (the largest minUniformBufferOffsetAlignment WebGPU allows). */
const UNIFORM_STRIDE = 256;

export interface Step {
  kernel: WgslFile;
  bindGroup: GPUBindGroup;
  workgroups: [number, number];
}

/** GPU-side resources a plan binds; owned by the backend and shared by all plans. */
export interface PlanResources {
  device: GPUDevice;
  pipelines: Map<WgslFile, GPUComputePipeline>;
  weights: GPUBuffer;
  /** Float offset of each named tensor inside `weights`. */
  offsets: Map<string, number>;
  /** Network input (N×3×S×S) and the activation slots. */
  input: GPUBuffer;
  slots: GPUBuffer[];
  slotOf: number[];
}

export class Plan {
  readonly steps: Step[];
  /** Every layer's uniforms, one 256-byte slice each (slice 0: preprocessing). */
  readonly uniforms: GPUBuffer;

  constructor(
    readonly batch: number,
    layers: readonly Layer[],
    private readonly r: PlanResources,
    /** Each layer's kernel (default: the table's first fit; the backend may have timed a faster one). */
    kernels: readonly LayerKernel[] = layers.map(kernelFor),
  ) {
    // Slot 0 of the uniform buffer is reserved for the preprocessing kernel.
    this.uniforms = r.device.createBuffer({
      size: (layers.length + 1) * UNIFORM_STRIDE,
      usage: GPUBufferUsage.UNIFORM | GPUBufferUsage.COPY_DST,
      label: `plan-${batch}-uniforms`,
    });
    const buffer = (tensor: number) => (tensor === 0 ? r.input : r.slots[r.slotOf[tensor]]);
    const at = (name: string | undefined) => (name === undefined ? 0 : r.offsets.get(name)!);
    this.steps = layers.map((layer, i) => {
      const kernel = kernels[i];
      const params = kernel.encodeParams(layer, batch, at);
      const offset = (i + 1) * UNIFORM_STRIDE;
      r.device.queue.writeBuffer(this.uniforms, offset, params);
      const residual = layer.kind === 'pointwise' && layer.residual !== undefined ? buffer(layer.residual) : r.weights;
      const resources: Record<BindingRole, GPUBindingResource> = {
        params: { buffer: this.uniforms, offset, size: roundUp16(params.byteLength) },
        weights: { buffer: r.weights },
        input: { buffer: buffer(layer.input) },
        residual: { buffer: residual },
        output: { buffer: buffer(layer.output) },
      };
      const bindGroup = r.device.createBindGroup({
        layout: r.pipelines.get(kernel.name)!.getBindGroupLayout(0),
        entries: kernel.bindings.map((role, binding) => ({ binding, resource: resources[role] })),
        label: `${kernel.name}-${i}`,
      });
      return { kernel: kernel.name, bindGroup, workgroups: kernel.grid(layer, batch) };
    });
  }

  /**
   * Bind group of the preprocessing kernel for the current pixel buffer; rebuilt only when that buffer grows.
   */
  preprocessStep(pixels: GPUBuffer, images: GPUBuffer, size: number, spec: InputSpec): Step {
    if (this.preprocess?.pixels !== pixels) {
      const [m, s] = [spec.mean, spec.std];
      const data = PREPROCESS_PARAMS.encode({
        count: this.batch,
        size,
        bilinear: spec.resize === 'bilinear' ? 1 : 0,
        mean: [m[0], m[1], m[2], 0],
        inv_std: [1 / s[0], 1 / s[1], 1 / s[2], 0],
      });
      this.r.device.queue.writeBuffer(this.uniforms, 0, data);
      const bindGroup = this.r.device.createBindGroup({
        layout: this.r.pipelines.get('preprocess')!.getBindGroupLayout(0),
        entries: [
          { binding: 0, resource: { buffer: this.uniforms, offset: 0, size: roundUp16(data.byteLength) } },
          { binding: 1, resource: { buffer: pixels } },
          { binding: 2, resource: { buffer: images } },
          { binding: 3, resource: { buffer: this.r.input } },
        ],
        label: `preprocess-${this.batch}`,
      });
      this.preprocess = {
        pixels,
        step: { kernel: 'preprocess', bindGroup, workgroups: flatGrid(this.batch * size * size) },
      };
    }
    return this.preprocess.step;
  }

  private preprocess?: { pixels: GPUBuffer; step: Step };

  /** Records the forward pass (optionally preceded by preprocessing) into one compute pass. */
  encode(encoder: GPUCommandEncoder, first?: Step): void {
    const pass = encoder.beginComputePass();
    for (const step of first ? [first, ...this.steps] : this.steps) {
      pass.setPipeline(this.r.pipelines.get(step.kernel)!);
      pass.setBindGroup(0, step.bindGroup);
      pass.dispatchWorkgroups(step.workgroups[0], step.workgroups[1]);
    }
    pass.end();
  }

  destroy(): void {
    this.uniforms.destroy();
  }
}

function roundUp16(n: number): number {
  return Math.ceil(n / 16) * 16;
}
