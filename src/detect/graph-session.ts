/**
 * A detector graph behind the same session interface the detector uses for ONNX Runtime (ort.ts), so that the
 * families' decoding (families.ts) and the frame plan run unchanged on bridgeface's own runtime. Each input size
 * gets its plan once (a video's frames, or a photo's tiles, repeat a few sizes).
 */
import { DetectorError } from '../errors.js';
import { type GraphPlan, planGraph } from './graph-plan.js';
import type { DetectorGraph } from './onnx-graph.js';
import type { OrtModule, OrtSession } from './ort.js';

/** A graph output: its values and ONNX dimensions. */
export interface GraphTensor {
  data: Float32Array;
  dims: number[];
}

/** What executes a plan: the CPU reference, or a backend with its own per-plan resources. */
export interface GraphRunner {
  /** Human-readable description, e.g. "CPU reference" or the WebGPU adapter. */
  readonly description: string;
  /** The largest tensor (bytes) one plan may hold: larger inputs are tiled by the frame plan. */
  readonly maxTensorBytes: number;
  run(plan: GraphPlan, input: Float32Array): Promise<Map<string, GraphTensor>>;
  /** Frees what the runner holds for `plan` (a plan evicted from the session's cache). */
  release?(plan: GraphPlan): void;
  dispose(): void;
}

/** Input tensors of a graph session: the part of ORT's `Tensor` the families construct. */
export const GRAPH_TENSORS: Pick<OrtModule, 'Tensor'> = {
  Tensor: class {
    constructor(
      readonly type: 'float32',
      readonly data: Float32Array,
      readonly dims: readonly number[],
    ) {}
  },
};

/** Plans kept per session: the sizes a frame plan and its tiles use (larger sizes evict the oldest). */
const CACHED_PLANS = 4;

export class GraphSession implements OrtSession {
  readonly inputNames: readonly string[];
  readonly outputNames: readonly string[];
  private readonly plans = new Map<string, GraphPlan>();

  constructor(
    private readonly graph: DetectorGraph,
    readonly runner: GraphRunner,
  ) {
    this.inputNames = [graph.input.name];
    this.outputNames = graph.outputs;
  }

  async run(feeds: Record<string, { readonly data: unknown; readonly dims: readonly number[] }>) {
    const x = feeds[this.graph.input.name];
    if (!x) throw new DetectorError('bad-model', `no feed for the graph input ${this.graph.input.name}`);
    const [n, c, h, w] = x.dims;
    if (x.dims.length !== 4 || n !== 1 || c !== this.graph.input.channels || !(x.data instanceof Float32Array))
      throw new RangeError(`the graph takes one 1×${this.graph.input.channels}×H×W float32 image, got [${x.dims}]`);
    const outputs = await this.runner.run(this.plan(h, w), x.data);
    return Object.fromEntries(outputs);
  }

  /**
   * The longest input side (a multiple of 32) whose largest tensor fits the runner, for the frame plan's tiling.
   * Tensor sizes grow with the input's pixels, so one probe plan gives the floats per input pixel.
   */
  maxInputSide(): number {
    const probe = planGraph(this.graph, 256, 256);
    const floatsPerPixel = Math.max(...probe.tensorSizes) / (256 * 256);
    return Math.floor(Math.sqrt(this.runner.maxTensorBytes / 4 / floatsPerPixel) / 32) * 32;
  }

  private plan(height: number, width: number): GraphPlan {
    const key = `${height}×${width}`;
    let plan = this.plans.get(key);
    if (plan) {
      this.plans.delete(key); // re-inserted below: the map's order is least recently used first
    } else {
      plan = planGraph(this.graph, height, width);
      if (this.plans.size >= CACHED_PLANS) {
        const [oldest, evicted] = this.plans.entries().next().value!;
        this.plans.delete(oldest);
        this.runner.release?.(evicted);
      }
    }
    this.plans.set(key, plan);
    return plan;
  }

  async release(): Promise<void> {
    this.plans.clear();
    this.runner.dispose();
  }
}
