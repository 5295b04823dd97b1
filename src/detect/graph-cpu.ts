/**
 * Detector graphs on the CPU backend's kernels, one thread. WebAssembly SIMD where its kernels take the shape:
 * 1×1 convs on `pointwise`, other dense convs as an im2col (wasm for 3×3) into `pointwise` (pixels a multiple of 8,
 * output channels of 4), stride-1 3×3 depthwise convs on `depthwise3x3_s1` (in place where a map's width is a
 * multiple of 4 and its height even, else through planes zero-padded to such a size). The tuned JavaScript convs (which take
 * rectangular maps) run the rest, the reference loops any other grouping and the feature-map ops, but for 2×2 max
 * pooling (wasm `maxpool2x2`; a JavaScript loop without wasm). Tensors live in the wasm memory, in the slots of the plan's memory plan, each step's scratch
 * after them, so wasm and JavaScript steps read each other's outputs in place.
 * Judged against graph-reference.ts (test/detect/graph-cpu.node.test.ts).
 */
import { conv2d } from '../runtime/cpu/conv.js';
import { convJs, im2col } from '../runtime/cpu/js-conv.js';
import { pointwiseJs } from '../runtime/cpu/js-pointwise.js';
import { type MapOp, runMapOp } from '../runtime/cpu/map-ops.js';
import { type ResidentLayer, WasmKernels } from '../runtime/cpu/wasm-kernels.js';
import { type ConvStep, type GraphPlan, type PlanStep, planMemoryOf } from './graph-plan.js';
import { actCode, convShape } from './graph-reference.js';
import type { GraphRunner, GraphTensor } from './graph-session.js';
import type { ConvOp } from './onnx-graph.js';

/** Weights of a pointwise layer small enough to stay in L1 beside its activations: pixel blocks outermost. */
const L1_WEIGHT_BYTES = 16384;

/** What a step runs with: a float view of each tensor, byte offsets of each (for wasm calls), all memory. */
interface RunContext {
  views: Float32Array[];
  at: readonly number[];
  memory: Float32Array;
  /** Byte offset of this step's scratch. */
  scratch: number;
}

interface StepRun {
  run(ctx: RunContext): void;
  /** Scratch floats the step needs. */
  scratchFloats: number;
}

interface Compiled {
  runs: StepRun[];
  /** Where the arena starts: after the resident weights as they were when the plan was compiled. */
  base: number;
  /** Byte offset of each tensor in wasm memory (or in the JavaScript arena), by tensor id, and of each scratch. */
  at: number[];
  scratchAt: number[];
  arenaBytes: number;
}

const aligned = (floats: number) => Math.ceil(floats / 4) * 16;

export class CpuGraphRunner implements GraphRunner {
  readonly description: string;
  // As WebGPU's default binding limit: the frame plan tiles inputs whose largest map would exceed it.
  readonly maxTensorBytes = 2 ** 27;
  private readonly wasm: WasmKernels | undefined;
  private readonly compiled = new Map<GraphPlan, Compiled>();
  /** Weights resident in wasm memory, per conv (the same for every plan of a graph), and zero rows by length. */
  private readonly resident = new Map<ConvOp, ResidentLayer>();
  private readonly zeroRows = new Map<number, number>();
  private arena?: Float32Array;

  /** With `wasm: false`, the JavaScript kernels only (engines without WebAssembly SIMD run this anyway). */
  constructor(options: { wasm?: boolean } = {}) {
    this.wasm = options.wasm === false ? undefined : WasmKernels.create();
    this.description = this.wasm ? `CPU (WebAssembly ${this.wasm.variant} SIMD, one thread)` : 'CPU (JavaScript)';
  }

  async run(plan: GraphPlan, input: Float32Array): Promise<Map<string, GraphTensor>> {
    let c = this.compiled.get(plan);
    // Weights added for a later plan move the arena: a plan compiled before them is laid out again.
    if (!c || c.base !== this.arenaBase()) {
      c = this.compile(plan);
      this.compiled.set(plan, c);
    }
    // Memory grows only here (never while steps run), so the views below stay attached for the whole run.
    const memory = this.wasm ? this.wasm.reserve(c.arenaBytes) : this.jsArena(c.arenaBytes);
    const at = c.at;
    const views = plan.tensorSizes.map((n, t) => memory.subarray(at[t] / 4, at[t] / 4 + n));
    views[0].set(input);
    c.runs.forEach((step, i) => step.run({ views, at, memory, scratch: c.scratchAt[i] }));
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
    // Steps first (they may add resident weights), then the arena after the weights: input, slots, scratches.
    const runs = plan.steps.map((step) => this.stepRun(step));
    const base = this.arenaBase();
    let top = base + aligned(plan.tensorSizes[0]);
    const place = (floats: number) => {
      const at = top;
      top += aligned(floats);
      return at;
    };
    const slotAt = memory.slotFloats.map(place);
    const scratchAt = runs.map((r) => place(r.scratchFloats));
    const at = plan.tensorSizes.map((_, t) => (t === 0 ? base : slotAt[memory.slotOf[t]]));
    return { runs, base, at, scratchAt, arenaBytes: top - (this.wasm ? this.wasm.residentBytes : 0) };
  }

  private stepRun(step: PlanStep): StepRun {
    if (step.kind === 'map') {
      const op = step.op;
      const [input, output] = [step.inputs[0], step.output];
      const wasm = this.wasm;
      if (isPool2x2(op) && wasm) {
        const shape = [op.planes, op.inHeight, op.inWidth, op.outHeight, op.outWidth];
        return {
          run: ({ at }) => wasm.call({ fn: 'maxpool2x2', args: [at[input], at[output], ...shape] }),
          scratchFloats: 0,
        };
      }
      if (isPool2x2(op)) return { run: ({ views }) => maxPool2x2(op, views[input], views[output]), scratchFloats: 0 };
      const run = ({ views }: RunContext) =>
        runMapOp(
          op,
          step.inputs.map((i) => views[i]),
          views[output],
        );
      return { run, scratchFloats: 0 };
    }
    const c = step.conv;
    const pointwise = c.kernel === 1 && c.stride === 1 && c.pad === 0 && c.groups === 1;
    const depthwise = c.groups === c.inChannels && c.groups === c.outChannels;
    const fast = this.wasm && (c.groups === 1 ? this.denseWasm(step, pointwise) : this.depthwiseWasm(step));
    if (fast) return fast;
    if (pointwise) {
      const { inChannels, outChannels } = c;
      const shape = { batch: 1, inChannels, outChannels, pixels: step.outHeight * step.outWidth, act: actCode(step) };
      return {
        run: (x) =>
          pointwiseJs(shape, x.views[step.input], c.weight, c.bias, undefined, undefined, x.views[step.output]),
        scratchFloats: 0,
      };
    }
    const shape = convShape(step);
    // The tuned ops take dense and depthwise convs; any other grouping runs the definition.
    const op = c.groups === 1 || depthwise ? convJs : conv2d;
    return {
      run: (x) => op(shape, x.views[step.input], c.weight, c.bias, undefined, x.views[step.output]),
      scratchFloats: 0,
    };
  }

  /**
   * A dense conv on the wasm pointwise kernel: directly for 1×1, over an im2col in scratch otherwise (wasm
   * `im2col3x3` for 3×3 padding-1 convs of stride 1 or 2, JavaScript's for the rest).
   * The kernel computes output channels four at a time, so a head with 1 or 10 channels gets zero weight rows up
   * to a multiple of 4 and its output goes to scratch, of which the real channels (the first, channel-major) are
   * copied out.
   */
  private denseWasm(step: ConvStep, pointwise: boolean): StepRun | undefined {
    const c = step.conv;
    const pixels = step.outHeight * step.outWidth;
    if (pixels % 8 !== 0) return undefined;
    const taps = c.inChannels * c.kernel ** 2;
    const O = c.outChannels;
    const padded = Math.ceil(O / 4) * 4;
    const m = this.residentLayer(c, () => {
      const [weight, bias] = [new Float32Array(padded * taps), new Float32Array(padded)];
      weight.set(c.weight);
      bias.set(c.bias);
      return this.wasm!.addMatrix(weight, bias, padded, taps, actCode(step), undefined, 'blocked');
    });
    const pixelsOuter = taps * padded * 4 <= L1_WEIGHT_BYTES ? 1 : 0;
    const columns = pointwise ? 0 : taps * pixels;
    const shape = convShape(step);
    // The columns of a 3×3, padding-1 conv of stride 1 or 2 (YuNet's stem) in wasm, of any other in JavaScript.
    const wasmColumns = c.kernel === 3 && c.pad === 1 && c.stride <= 2 && step.inWidth >= 3;
    const sizes = [c.inChannels, step.inHeight, step.inWidth, step.outHeight, step.outWidth, c.stride];
    const im2colCall = (at: readonly number[], scratch: number) =>
      this.wasm!.call({ fn: 'im2col3x3', args: [at[step.input], scratch, ...sizes] });
    return {
      run: ({ views, at, memory, scratch }) => {
        if (!pointwise && wasmColumns) im2colCall(at, scratch);
        else if (!pointwise) im2col(shape, views[step.input], memory.subarray(scratch / 4, scratch / 4 + columns));
        const input = pointwise ? at[step.input] : scratch;
        const output = padded === O ? at[step.output] : scratch + 4 * columns;
        const args = [input, m.weight, m.bias, m.slopes, output, 0, 1, taps, padded, pixels, pixelsOuter];
        this.wasm!.call({ fn: 'pointwise', args });
        if (padded !== O) views[step.output].set(memory.subarray(output / 4, output / 4 + O * pixels));
      },
      scratchFloats: columns + (padded === O ? 0 : padded * pixels),
    };
  }

  /**
   * A stride-1, padding-1 3×3 depthwise conv on `depthwise3x3_s1`, all channels in one call. The kernel takes
   * H×W planes with W % 4 = 0 and H even: every map of a frame whose sides are multiples of 32, down to stride 8,
   * runs in place. Other maps are copied into zero-padded planes of the next such size (the padding rows and
   * columns are exactly the conv's zero padding), and the H×W corner of each output plane is copied back.
   */
  private depthwiseWasm(step: ConvStep): StepRun | undefined {
    const c = step.conv;
    if (c.groups !== c.inChannels || c.groups !== c.outChannels || c.kernel !== 3 || c.stride !== 1 || c.pad !== 1)
      return undefined;
    const { inHeight: H, inWidth: W } = step;
    const C = c.outChannels;
    const [PH, PW] = [Math.ceil(H / 2) * 2, Math.ceil(W / 4) * 4];
    const g = this.residentLayer(c, () => this.wasm!.addDepthwise(c.weight, c.bias, C, actCode(step)));
    const zero = this.zeroRow(PW);
    const conv = (input: number, output: number) =>
      this.wasm!.call({ fn: 'depthwise3x3_s1', args: [input, g.weight, g.bias, g.slopes, output, C, C, PH, PW, zero] });
    if (PH === H && PW === W) return { run: ({ at }) => conv(at[step.input], at[step.output]), scratchFloats: 0 };
    const padded = C * PH * PW;
    // Where row r of the C·H rows of the map starts among the padded planes (in floats).
    const paddedRow = (r: number) => ((r / H) | 0) * PH * PW + (r % H) * PW;
    return {
      run: ({ views, memory, scratch }) => {
        const [x, y] = [views[step.input], views[step.output]];
        const [inF, outF] = [scratch / 4, scratch / 4 + padded];
        memory.fill(0, inF, outF);
        for (let r = 0; r < C * H; r++) memory.set(x.subarray(r * W, (r + 1) * W), inF + paddedRow(r));
        conv(scratch, 4 * outF);
        for (let r = 0; r < C * H; r++) y.set(memory.subarray(outF + paddedRow(r), outF + paddedRow(r) + W), r * W);
      },
      scratchFloats: 2 * padded,
    };
  }

  /** The zero row the depthwise kernel reads above and below a plane `width` wide: resident, one per length. */
  private zeroRow(width: number): number {
    let zero = this.zeroRows.get(width);
    if (zero === undefined) {
      zero = this.wasm!.addZeros(width + 8);
      this.zeroRows.set(width, zero);
    }
    return zero;
  }

  private residentLayer(c: ConvOp, add: () => ResidentLayer): ResidentLayer {
    let m = this.resident.get(c);
    if (!m) {
      m = add();
      this.resident.set(c, m);
    }
    return m;
  }
}

/** A 2×2, stride-2 pool whose windows all lie inside the map (no partial last window). */
const isPool2x2 = (op: MapOp): op is Extract<MapOp, { kind: 'maxpool' }> =>
  op.kind === 'maxpool' &&
  op.kernel === 2 &&
  op.stride === 2 &&
  op.pad === 0 &&
  2 * op.outHeight <= op.inHeight &&
  2 * op.outWidth <= op.inWidth;

/** The detectors' 2×2, stride-2 max pool without the general window loops (a sixth of maxPool2d's time, measured). */
function maxPool2x2(op: Extract<MapOp, { kind: 'maxpool' }>, x: Float32Array, y: Float32Array): void {
  const { inHeight: H, inWidth: W, outHeight: OH, outWidth: OW } = op;
  for (let p = 0; p < op.planes; p++) {
    for (let oy = 0; oy < OH; oy++) {
      const r0 = (p * H + 2 * oy) * W;
      const r1 = r0 + W;
      const o = (p * OH + oy) * OW;
      for (let ox = 0; ox < OW; ox++) {
        const i = 2 * ox;
        y[o + ox] = Math.max(x[r0 + i], x[r0 + i + 1], x[r1 + i], x[r1 + i + 1]);
      }
    }
  }
}
