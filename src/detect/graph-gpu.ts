/**
 * Detector graphs on WebGPU, on the student's kernels where a step is one of its layers (1×1 convs on the
 * pointwise kernels, 3×3 dense and depthwise convs on the conv kernels, which take rectangular maps) and the
 * feature-map kernels for the rest (MAP_KERNELS: pooling, upsampling, add, transpose, sigmoid). Each plan (one
 * input size) is recorded once: its weights packed in the layouts its kernels read, activation slots reused as
 * the student's are (memory-plan.ts), every dispatch's uniforms and bind group made; a run then uploads the
 * input, replays the dispatches and reads every output back with one mapAsync.
 */

import { GpuError } from '../errors.js';
import type { WgslFile } from '../kernels/index.js';
import type { Layer } from '../model/network.js';
import { compileModule } from '../runtime/gpu/compile.js';
import { type DeviceOptions, acquireDevice } from '../runtime/gpu/device.js';
import { checkedSubmit } from '../runtime/gpu/gpu-errors.js';
import { type BindingRole, kernelFor, kernelModule, mapKernelFor } from '../runtime/gpu/kernels.js';
import { StagingPool } from '../runtime/gpu/staging.js';
import { packWeights } from '../runtime/gpu/weights-layout.js';
import { type ConvStep, type GraphPlan, type PlanStep, planMemoryOf } from './graph-plan.js';
import { actCode } from './graph-reference.js';
import type { GraphRunner, GraphTensor } from './graph-session.js';

/** Uniform slices are placed at this stride (the largest minUniformBufferOffsetAlignment WebGPU allows). */
const UNIFORM_STRIDE = 256;

export interface GpuGraphOptions extends DeviceOptions {
  /** Run on the application's own device instead of acquiring one; the application keeps ownership. */
  device?: GPUDevice;
}

/** Output channels the fast 1×1 kernels (pointwise_8x16, pointwise_vec4) need a multiple of. */
const VEC4_CHANNELS = 16;

/**
 * The student's layer a conv step runs as, and its weights. A 1×1 conv is a pointwise layer over the map's
 * pixels; one with a few output channels (a head's 1, 4 or 10) gets zero weight rows up to 16, so that it runs on
 * the fast kernels rather than the general tiled one (32 channels per workgroup and barriers: ~20× slower on
 * SwiftShader). Its output holds the real channels first (channel-major), which is all later steps read.
 */
function asLayer(step: ConvStep, index: number): { layer: Layer; weight: Float32Array; bias: Float32Array } {
  const c = step.conv;
  const common = {
    input: step.input,
    output: step.output,
    inChannels: c.inChannels,
    outChannels: c.outChannels,
    weight: `${index}.weight`,
    bias: `${index}.bias`,
    act: actCode(step),
  };
  if (c.kernel === 1 && c.stride === 1 && c.pad === 0 && c.groups === 1) {
    const outChannels = Math.ceil(c.outChannels / VEC4_CHANNELS) * VEC4_CHANNELS;
    const [weight, bias] = [new Float32Array(outChannels * c.inChannels), new Float32Array(outChannels)];
    weight.set(c.weight);
    bias.set(c.bias);
    const pixels = step.outHeight * step.outWidth;
    return { layer: { kind: 'pointwise', ...common, outChannels, pixels }, weight, bias };
  }
  const { kernel, stride, pad, groups } = c;
  const sides = { inSize: step.inHeight, inWidth: step.inWidth, outSize: step.outHeight, outWidth: step.outWidth };
  return { layer: { kind: 'conv', ...common, ...sides, kernel, stride, pad, groups }, weight: c.weight, bias: c.bias };
}

interface Dispatch {
  pipeline: GPUComputePipeline;
  bindGroup: GPUBindGroup;
  workgroups: [number, number];
}

interface Recorded {
  buffers: GPUBuffer[];
  input: GPUBuffer;
  dispatches: Dispatch[];
  /** Where each output lies in its slot and in the readback. */
  outputs: Array<{ name: string; dims: number[]; buffer: GPUBuffer; floats: number; offset: number }>;
  readFloats: number;
}

export class GpuGraphRunner implements GraphRunner {
  readonly description: string;
  private readonly pipelines = new Map<WgslFile, Promise<GPUComputePipeline>>();
  private readonly recorded = new Map<GraphPlan, Promise<Recorded>>();
  private readonly staging: StagingPool;
  /** Runs one after another: a plan's buffers serve one run at a time. */
  private tail: Promise<unknown> = Promise.resolve();

  static async create(options: GpuGraphOptions = {}): Promise<GpuGraphRunner> {
    if (options.device) return new GpuGraphRunner(options.device, "the application's device", false);
    const acquired = await acquireDevice(options);
    return new GpuGraphRunner(acquired.device, acquired.adapter, true);
  }

  private constructor(
    private readonly device: GPUDevice,
    adapter: string,
    private readonly ownsDevice: boolean,
  ) {
    this.description = `WebGPU: ${adapter}`;
    this.staging = new StagingPool(this.device, 'detector-readback');
    this.maxTensorBytes = device.limits.maxStorageBufferBindingSize;
  }

  /** Bytes the largest storage binding may hold: a plan whose activations exceed it cannot run in one piece. */
  readonly maxTensorBytes: number;

  run(plan: GraphPlan, input: Float32Array): Promise<Map<string, GraphTensor>> {
    const result = this.tail.then(() => this.execute(plan, input));
    this.tail = result.catch(() => undefined);
    return result;
  }

  release(plan: GraphPlan): void {
    const recorded = this.recorded.get(plan);
    this.recorded.delete(plan);
    // After the runs queued on it: a plan is released when the session evicts it, maybe mid-run.
    void this.tail.then(() => recorded?.then((r) => r.buffers.forEach((b) => b.destroy())));
  }

  dispose(): void {
    for (const plan of [...this.recorded.keys()]) this.release(plan);
    void this.tail.then(() => {
      this.staging.destroy();
      if (this.ownsDevice) this.device.destroy();
    });
  }

  private async execute(plan: GraphPlan, input: Float32Array): Promise<Map<string, GraphTensor>> {
    let recording = this.recorded.get(plan);
    if (!recording) {
      recording = this.record(plan);
      this.recorded.set(plan, recording);
      recording.catch(() => this.recorded.delete(plan));
    }
    const r = await recording;
    const staging = this.staging.take(r.readFloats * 4);
    await checkedSubmit(this.device, 'detector graph', () => {
      this.device.queue.writeBuffer(r.input, 0, input as Float32Array<ArrayBuffer>);
      const encoder = this.device.createCommandEncoder();
      const pass = encoder.beginComputePass();
      for (const d of r.dispatches) {
        pass.setPipeline(d.pipeline);
        pass.setBindGroup(0, d.bindGroup);
        pass.dispatchWorkgroups(d.workgroups[0], d.workgroups[1]);
      }
      pass.end();
      for (const o of r.outputs) encoder.copyBufferToBuffer(o.buffer, 0, staging, o.offset * 4, o.floats * 4);
      this.device.queue.submit([encoder.finish()]);
    }).catch((e: unknown) => {
      this.staging.release(staging);
      throw e;
    });
    const data = new Float32Array(await this.staging.read(staging, r.readFloats * 4));
    return new Map(
      r.outputs.map((o) => [o.name, { data: data.slice(o.offset, o.offset + o.floats), dims: o.dims }] as const),
    );
  }

  private pipeline(name: WgslFile): Promise<GPUComputePipeline> {
    let p = this.pipelines.get(name);
    if (!p) {
      p = compileModule(this.device, name, kernelModule(name), ['main']).then((m) => m.main);
      this.pipelines.set(name, p);
    }
    return p;
  }

  private async record(plan: GraphPlan): Promise<Recorded> {
    const device = this.device;
    const layers = new Map<PlanStep, Layer>();
    const tensors = new Map<string, Float32Array>();
    // Floats each tensor's buffer holds: a padded 1×1 conv writes its zero channels too.
    const sizes = [...plan.tensorSizes];
    plan.steps.forEach((step, i) => {
      if (step.kind !== 'conv') return;
      const { layer, weight, bias } = asLayer(step, i);
      layers.set(step, layer);
      tensors.set(`${i}.weight`, weight);
      tensors.set(`${i}.bias`, bias);
      if (layer.kind === 'pointwise') sizes[step.output] = layer.outChannels * layer.pixels;
    });
    const packed = packWeights([...layers.values()], tensors);
    const memory = planMemoryOf(plan, sizes);
    const largest = Math.max(plan.tensorSizes[0], ...memory.slotFloats) * 4;
    if (largest > this.maxTensorBytes)
      throw new GpuError(
        'out-of-memory',
        `a ${plan.width}×${plan.height} detector input needs ${largest} bytes in one binding; this device allows ${this.maxTensorBytes} (the frame plan tiles larger frames)`,
      );

    const buffers: GPUBuffer[] = [];
    const storage = (floats: number, label: string) => {
      const b = device.createBuffer({
        size: Math.max(16, Math.ceil(floats / 4) * 16),
        usage: GPUBufferUsage.STORAGE | GPUBufferUsage.COPY_DST | GPUBufferUsage.COPY_SRC,
        label,
      });
      buffers.push(b);
      return b;
    };
    const weights = storage(packed.data.length, 'detector-weights');
    device.queue.writeBuffer(weights, 0, packed.data);
    const input = storage(plan.tensorSizes[0], 'detector-input');
    const slots = memory.slotFloats.map((f, i) => storage(f, `detector-slot-${i}`));
    const bufferOf = (t: number) => (t === 0 ? input : slots[memory.slotOf[t]]);
    const uniforms = device.createBuffer({
      size: Math.max(1, plan.steps.length) * UNIFORM_STRIDE,
      usage: GPUBufferUsage.UNIFORM | GPUBufferUsage.COPY_DST,
      label: 'detector-uniforms',
    });
    buffers.push(uniforms);
    const at = (name: string | undefined) => (name === undefined ? 0 : packed.offsets.get(name)!);

    const dispatches = await Promise.all(
      plan.steps.map(async (step, i): Promise<Dispatch> => {
        const { name, bindings, params, workgroups } = kernelOf(step, layers.get(step), at);
        device.queue.writeBuffer(uniforms, i * UNIFORM_STRIDE, params);
        const [first, second] = step.kind === 'conv' ? [step.input] : step.inputs;
        const resources: Record<BindingRole, GPUBindingResource> = {
          params: { buffer: uniforms, offset: i * UNIFORM_STRIDE, size: Math.ceil(params.byteLength / 16) * 16 },
          weights: { buffer: weights },
          input: { buffer: bufferOf(first) },
          // The pointwise kernels bind a residual they do not read here: the weights are a valid read-only alias.
          residual: { buffer: second === undefined ? weights : bufferOf(second) },
          output: { buffer: bufferOf(step.output) },
        };
        const pipeline = await this.pipeline(name);
        const bindGroup = device.createBindGroup({
          layout: pipeline.getBindGroupLayout(0),
          entries: bindings.map((role, binding) => ({ binding, resource: resources[role] })),
          label: `detector-${name}-${i}`,
        });
        return { pipeline, bindGroup, workgroups };
      }),
    );

    let offset = 0;
    const outputs = plan.outputs.map((o) => {
      const floats = plan.tensorSizes[o.tensor];
      const placed = { name: o.name, dims: o.dims, buffer: bufferOf(o.tensor), floats, offset };
      offset += floats;
      return placed;
    });
    return { buffers, input, dispatches, outputs, readFloats: offset };
  }
}

/** The kernel a step runs on, its uniforms and its grid: a layer kernel for a conv, a map kernel otherwise. */
function kernelOf(step: PlanStep, layer: Layer | undefined, at: (tensor: string | undefined) => number) {
  if (step.kind === 'conv') {
    const k = kernelFor(layer!);
    return { name: k.name, bindings: k.bindings, params: k.encodeParams(layer!, 1, at), workgroups: k.grid(layer!, 1) };
  }
  const k = mapKernelFor(step.op);
  return { name: k.name, bindings: k.bindings, params: k.encodeParams(step.op), workgroups: k.grid(step.op) };
}
