/**
 * The static execution plan: for one batch size, every dispatch of the forward pass with its pipeline, its
 * uniforms and its bind group, all created once. Running the network is then only encoding this list.
 */
import { POINTWISE_TILE, WORKGROUP_SIZE, type KernelName } from '../../kernels/index.js';
import type { Layer } from '../../model/network.js';
import type { InputSpec } from '../../model/architecture.js';

/** Uniform slices are placed at this stride (the largest minUniformBufferOffsetAlignment WebGPU allows). */
const UNIFORM_STRIDE = 256;
const MAX_WORKGROUPS_X = 65535;

export interface Step {
  kernel: KernelName;
  bindGroup: GPUBindGroup;
  workgroups: [number, number];
}

/** GPU-side resources a plan binds; owned by the backend and shared by all plans. */
export interface PlanResources {
  device: GPUDevice;
  pipelines: Map<KernelName, GPUComputePipeline>;
  weights: GPUBuffer;
  /** Float offset of each named tensor inside `weights`. */
  offsets: Map<string, number>;
  /** Network input (N×3×S×S) and the activation slots. */
  input: GPUBuffer;
  slots: GPUBuffer[];
  slotOf: number[];
}

/** Workgroup grid covering `threads` invocations of WORKGROUP_SIZE, 2-D once x would pass the limit. */
export function flatGrid(threads: number): [number, number] {
  const groups = Math.max(1, Math.ceil(threads / WORKGROUP_SIZE));
  const x = Math.min(groups, MAX_WORKGROUPS_X);
  return [x, Math.ceil(groups / x)];
}

/**
 * The kernel that runs a layer. The fast variants need whole quads (of output channels, or of pixels); the
 * general kernels take any shape. runtime/gpu/weights-layout.ts stores each weight in the layout its kernel reads.
 */
export function kernelFor(layer: Layer): KernelName {
  switch (layer.kind) {
    case 'conv':
      if (layer.kernel !== 3 || layer.pad !== 1) return 'conv2d';
      if (layer.groups !== 1) return 'depthwise3x3';
      return layer.outChannels % 16 === 0 && layer.outSize % 4 === 0 ? 'conv3x3_vec4' : 'conv2d';
    case 'pointwise':
      if (layer.outChannels % 16 !== 0) return 'pointwise';
      if (layer.pixels === 1) return 'fully_connected';
      return layer.pixels % 4 === 0 ? 'pointwise_vec4' : 'pointwise';
    case 'avgpool':
      return 'avgpool';
    case 'l2norm':
      return 'l2norm';
  }
}

/** Uniform contents and grid of one layer at batch size `n`. Field order matches each kernel's `Params`. */
function layerCall(layer: Layer, n: number, offsets: Map<string, number>): { kernel: KernelName; params: number[]; grid: [number, number] } {
  const kernel = kernelFor(layer);
  const off = (name: string | undefined) => (name === undefined ? 0 : offsets.get(name)!);
  switch (layer.kind) {
    case 'conv': {
      const outputs = n * layer.outChannels * layer.outSize * layer.outSize;
      const threads = {
        conv2d: outputs,
        conv3x3_vec4: outputs / 64,
        depthwise3x3: n * layer.outChannels * layer.outSize * Math.ceil(layer.outSize / 4),
      }[kernel as 'conv2d' | 'conv3x3_vec4' | 'depthwise3x3'];
      return {
        kernel,
        params: [n, layer.inChannels, layer.outChannels, layer.inSize, layer.outSize, layer.kernel, layer.stride, layer.pad,
          layer.groups, layer.act, off(layer.weight), off(layer.bias), off(layer.alpha)],
        grid: flatGrid(threads),
      };
    }
    case 'pointwise':
      return {
        kernel,
        params: [n, layer.inChannels, layer.outChannels, layer.pixels, layer.act, layer.residual === undefined ? 0 : 1,
          off(layer.weight), off(layer.bias), off(layer.alpha)],
        // The vec4 kernels compute 16 output channels × (4 pixels | 1 pixel) per invocation; the general one tiles.
        grid: kernel === 'pointwise'
          ? [Math.ceil((n * layer.pixels) / POINTWISE_TILE), Math.ceil(layer.outChannels / POINTWISE_TILE)]
          : flatGrid((n * layer.outChannels * layer.pixels) / (kernel === 'pointwise_vec4' ? 64 : 16)),
      };
    case 'avgpool':
      return { kernel, params: [n * layer.channels, layer.pixels], grid: flatGrid(n * layer.channels) };
    case 'l2norm':
      return { kernel, params: [n, layer.dim], grid: flatGrid(n) };
  }
}

export class Plan {
  readonly steps: Step[];
  /** Every layer's uniforms, one 256-byte slice each (slice 0: preprocessing). */
  readonly uniforms: GPUBuffer;

  constructor(
    readonly batch: number,
    layers: readonly Layer[],
    private readonly r: PlanResources,
  ) {
    // Slot 0 of the uniform buffer is reserved for the preprocessing kernel.
    this.uniforms = r.device.createBuffer({
      size: (layers.length + 1) * UNIFORM_STRIDE,
      usage: GPUBufferUsage.UNIFORM | GPUBufferUsage.COPY_DST,
      label: `plan-${batch}-uniforms`,
    });
    const buffer = (tensor: number) => (tensor === 0 ? r.input : r.slots[r.slotOf[tensor]]);
    this.steps = layers.map((layer, i) => {
      const { kernel, params, grid } = layerCall(layer, batch, r.offsets);
      const offset = (i + 1) * UNIFORM_STRIDE;
      r.device.queue.writeBuffer(this.uniforms, offset, new Uint32Array(params));
      const uniform = { buffer: this.uniforms, offset, size: roundUp16(params.length * 4) };
      const entries: GPUBindGroupEntry[] =
        layer.kind !== 'avgpool' && layer.kind !== 'l2norm'
          ? [{ binding: 0, resource: uniform }, { binding: 1, resource: { buffer: r.weights } }, { binding: 2, resource: { buffer: buffer(layer.input) } }]
          : [{ binding: 0, resource: uniform }, { binding: 1, resource: { buffer: buffer(layer.input) } }];
      if (layer.kind === 'pointwise') {
        entries.push({ binding: 3, resource: { buffer: layer.residual === undefined ? r.weights : buffer(layer.residual) } });
      }
      entries.push({ binding: entries.length, resource: { buffer: buffer(layer.output) } });
      const bindGroup = r.device.createBindGroup({ layout: r.pipelines.get(kernel)!.getBindGroupLayout(0), entries, label: `${kernel}-${i}` });
      return { kernel, bindGroup, workgroups: grid };
    });
  }

  /**
   * Bind group of the preprocessing kernel for the current pixel buffer; rebuilt only when that buffer grows.
   */
  preprocessStep(pixels: GPUBuffer, images: GPUBuffer, size: number, spec: InputSpec): Step {
    if (this.preprocess?.pixels !== pixels) {
      const data = new ArrayBuffer(48);
      new Uint32Array(data, 0, 3).set([this.batch, size, spec.resize === 'bilinear' ? 1 : 0]);
      new Float32Array(data, 16, 8).set([...spec.mean, 0, ...spec.std.map((s) => 1 / s), 0]);
      this.r.device.queue.writeBuffer(this.uniforms, 0, data);
      const bindGroup = this.r.device.createBindGroup({
        layout: this.r.pipelines.get('preprocess')!.getBindGroupLayout(0),
        entries: [
          { binding: 0, resource: { buffer: this.uniforms, offset: 0, size: 48 } },
          { binding: 1, resource: { buffer: pixels } },
          { binding: 2, resource: { buffer: images } },
          { binding: 3, resource: { buffer: this.r.input } },
        ],
        label: `preprocess-${this.batch}`,
      });
      this.preprocess = { pixels, step: { kernel: 'preprocess', bindGroup, workgroups: flatGrid(this.batch * size * size) } };
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
