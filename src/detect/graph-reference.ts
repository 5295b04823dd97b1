/**
 * Runs a detector graph plan with the CPU reference ops, plain loops of each op's definition: the oracle the
 * faster paths (WebGPU, WebAssembly) are judged by, and itself checked against ONNX Runtime on real frames
 * (test/detect/graph-parity.node.test.ts).
 */

import { ACT, type ActCode } from '../model/network.js';
import { type ConvOp, conv2d } from '../runtime/cpu/conv.js';
import { runMapOp } from '../runtime/cpu/map-ops.js';
import { type ConvStep, type GraphPlan, type PlanStep, planMemoryOf } from './graph-plan.js';
import type { GraphRunner, GraphTensor } from './graph-session.js';

/** Executes `plan` on `input` (1×C×H×W floats) and returns every graph output by name. */
export function runReference(plan: GraphPlan, input: Float32Array): Map<string, GraphTensor> {
  if (input.length !== plan.tensorSizes[0])
    throw new RangeError(`input has ${input.length} floats, the plan takes ${plan.tensorSizes[0]}`);
  // Tensors share slots as on WebGPU (memory-plan.ts): a large input would otherwise hold every map at once.
  const memory = planMemoryOf(plan);
  const slots = memory.slotFloats.map((n) => new Float32Array(n));
  const tensors = plan.tensorSizes.map((n, i) => (i === 0 ? input : slots[memory.slotOf[i]].subarray(0, n)));
  for (const step of plan.steps) runStep(step, tensors);
  return new Map(plan.outputs.map((o) => [o.name, { data: tensors[o.tensor], dims: o.dims }]));
}

function runStep(step: PlanStep, t: Float32Array[]): void {
  if (step.kind === 'map') {
    runMapOp(
      step.op,
      step.inputs.map((i) => t[i]),
      t[step.output],
    );
    return;
  }
  conv2d(convShape(step), t[step.input], step.conv.weight, step.conv.bias, undefined, t[step.output]);
}

/** A conv step's epilogue as the runtime's activation code. */
export const actCode = (step: ConvStep): ActCode => (step.conv.act === 'relu' ? ACT.relu : ACT.none);

/** A conv step as the CPU conv ops (reference and tuned) take it: one image, heights and widths of its maps. */
export function convShape(step: ConvStep): Parameters<ConvOp>[0] {
  const c = step.conv;
  return {
    batch: 1,
    inChannels: c.inChannels,
    outChannels: c.outChannels,
    inSize: step.inHeight,
    inWidth: step.inWidth,
    outSize: step.outHeight,
    outWidth: step.outWidth,
    kernel: c.kernel,
    stride: c.stride,
    pad: c.pad,
    groups: c.groups,
    act: actCode(step),
  };
}

/** The reference as a session's runner: slow and exact, the oracle a whole detector is compared with. */
export const REFERENCE_RUNNER: GraphRunner = {
  description: 'CPU reference (plain loops)',
  // As WebGPU's default binding limit: with slots reused, a plan then holds a few hundred MB at most.
  maxTensorBytes: 2 ** 27,
  run: async (plan, input) => runReference(plan, input),
  dispose: () => {},
};
