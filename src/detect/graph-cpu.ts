/**
 * Detector graphs on the CPU backend's kernels: 1×1 convs on the WebAssembly SIMD pointwise kernel where it takes
 * the shape (pixels a multiple of 8, output channels of 4) and the weights stay resident in its memory, other
 * convs on the tuned JavaScript ones (im2col + blocked product for dense, unrolled taps for depthwise; both take
 * rectangular maps), any other grouping and the feature-map ops on the reference loops. Tensors live in the wasm
 * memory, in the slots of the plan's memory plan, so wasm and JavaScript steps read each other's outputs in place.
 * Judged against graph-reference.ts (test/detect/graph-cpu.node.test.ts).
 */
import type { ActCode } from '../model/network.js';
import { conv2d } from '../runtime/cpu/conv.js';
import { convJs } from '../runtime/cpu/js-conv.js';
import { pointwiseJs } from '../runtime/cpu/js-pointwise.js';
import { runMapOp } from '../runtime/cpu/map-ops.js';
import { type ResidentLayer, WasmKernels } from '../runtime/cpu/wasm-kernels.js';
import { type GraphPlan, type PlanStep, planMemoryOf } from './graph-plan.js';
import { actCode, convShape } from './graph-reference.js';
import type { GraphRunner, GraphTensor } from './graph-session.js';
import type { ConvOp } from './onnx-graph.js';

/** Weights of a pointwise layer small enough to stay in L1 beside its activations: pixel blocks outermost. */
const L1_WEIGHT_BYTES = 16384;

/** One step, given float views of every tensor (and their byte offsets, for wasm calls). */
type Run = (views: Float32Array[], at: readonly number[]) => void;

interface Compiled {
  runs: Run[];
  /** Where the arena starts: after the resident weights as they were when the plan was compiled. */
  base: number;
  /** Byte offset of each tensor in wasm memory (or in the JavaScript arena), by tensor id. */
  at: number[];
  arenaBytes: number;
}

export class CpuGraphRunner implements GraphRunner {
  readonly description: string;
  // As WebGPU's default binding limit: the frame plan tiles inputs whose largest map would exceed it.
  readonly maxTensorBytes = 2 ** 27;
  private readonly compiled = new Map<GraphPlan, Compiled>();
  /** The resident weights of each 1×1 conv the wasm kernel runs (the same for every plan of a graph). */
  private readonly resident = new Map<ConvOp, ResidentLayer>();
  private arena?: Float32Array;

  /** With `wasm: false`, the JavaScript kernels only (engines without WebAssembly SIMD run this anyway). */
  constructor(options: { wasm?: boolean } = {}) {
    this.wasm = options.wasm === false ? undefined : WasmKernels.create();
    this.description = this.wasm ? `CPU (WebAssembly ${this.wasm.variant} SIMD, one thread)` : 'CPU (JavaScript)';
  }

  private readonly wasm: WasmKernels | undefined;

  async run(plan: GraphPlan, input: Float32Array): Promise<Map<string, GraphTensor>> {
    let c = this.compiled.get(plan);
    // Weights added for a later plan move the arena: a plan compiled before them is laid out again.
    if (!c || c.base !== this.arenaBase()) {
      c = this.compile(plan);
      this.compiled.set(plan, c);
    }
    // Memory grows only here (never while steps run), so the views below stay attached for the whole run.
    const memory = this.wasm ? this.wasm.reserve(c.arenaBytes) : this.jsArena(c.arenaBytes);
    const views = plan.tensorSizes.map((n, t) => memory.subarray(c.at[t] / 4, c.at[t] / 4 + n));
    views[0].set(input);
    for (const run of c.runs) run(views, c.at);
    return new Map(plan.outputs.map((o) => [o.name, { data: views[o.tensor].slice(), dims: o.dims }]));
  }

  release(plan: GraphPlan): void {
    this.compiled.delete(plan);
  }

  dispose(): void {
    this.compiled.clear();
    this.arena = undefined;
  }

  private jsArena(bytes: number): Float32Array {
    if (!this.arena || this.arena.byteLength < bytes) this.arena = new Float32Array(bytes / 4);
    return this.arena;
  }

  private arenaBase(): number {
    return this.wasm ? Math.ceil(this.wasm.residentBytes / 16) * 16 : 0;
  }

  private compile(plan: GraphPlan): Compiled {
    const memory = planMemoryOf(plan);
    // Steps first (they may add resident weights), then the arena after the weights: the input, then the slots.
    const runs = plan.steps.map((step) => this.stepRun(step));
    const base = this.arenaBase();
    const aligned = (floats: number) => Math.ceil(floats / 4) * 16;
    const slotAt: number[] = [];
    let top = base + aligned(plan.tensorSizes[0]);
    for (const floats of memory.slotFloats) {
      slotAt.push(top);
      top += aligned(floats);
    }
    const at = plan.tensorSizes.map((_, t) => (t === 0 ? base : slotAt[memory.slotOf[t]]));
    return { runs, base, at, arenaBytes: top - (this.wasm ? this.wasm.residentBytes : 0) };
  }

  private stepRun(step: PlanStep): Run {
    if (step.kind === 'map')
      return (v) =>
        runMapOp(
          step.op,
          step.inputs.map((i) => v[i]),
          v[step.output],
        );
    const c = step.conv;
    const act = actCode(step);
    const pixels = step.outHeight * step.outWidth;
    if (c.kernel === 1 && c.stride === 1 && c.pad === 0 && c.groups === 1) {
      const { inChannels: C, outChannels: O } = c;
      const m = this.wasm && pixels % 8 === 0 && O % 4 === 0 ? this.residentLayer(c, act) : undefined;
      if (m) {
        const pixelsOuter = C * O * 4 <= L1_WEIGHT_BYTES ? 1 : 0;
        const args = (at: readonly number[]) => [at[step.input], m.weight, m.bias, m.slopes, at[step.output], 0];
        return (_, at) => this.wasm!.call({ fn: 'pointwise', args: [...args(at), 1, C, O, pixels, pixelsOuter] });
      }
      const shape = { batch: 1, inChannels: C, outChannels: O, pixels, act };
      return (v) => pointwiseJs(shape, v[step.input], c.weight, c.bias, undefined, undefined, v[step.output]);
    }
    const shape = convShape(step);
    // The tuned ops take dense and depthwise convs; any other grouping runs the definition.
    const op = c.groups === 1 || (c.groups === c.inChannels && c.groups === c.outChannels) ? convJs : conv2d;
    return (v) => op(shape, v[step.input], c.weight, c.bias, undefined, v[step.output]);
  }

  private residentLayer(c: ConvOp, act: ActCode): ResidentLayer {
    let m = this.resident.get(c);
    if (!m) {
      m = this.wasm!.addMatrix(c.weight, c.bias, c.outChannels, c.inChannels, act, undefined, 'blocked');
      this.resident.set(c, m);
    }
    return m;
  }
}
