/**
 * Runs a detector graph plan with the CPU reference ops, plain loops of each op's definition: the oracle the
 * faster paths (WebGPU, WebAssembly) are judged by, and itself checked against ONNX Runtime on real frames
 * (test/detect/graph-parity.node.test.ts).
 */

import { ACT } from '../model/network.js';
import { conv2d } from '../runtime/cpu/conv.js';
import { addMaps, maxPool2d, resizeNearest, sigmoid, transpose4d } from '../runtime/cpu/map-ops.js';
import type { GraphPlan, PlanStep } from './graph-plan.js';
import type { GraphRunner, GraphTensor } from './graph-session.js';

/** Executes `plan` on `input` (1×C×H×W floats) and returns every graph output by name. */
export function runReference(plan: GraphPlan, input: Float32Array): Map<string, GraphTensor> {
  if (input.length !== plan.tensorSizes[0])
    throw new RangeError(`input has ${input.length} floats, the plan takes ${plan.tensorSizes[0]}`);
  const tensors: Float32Array[] = plan.tensorSizes.map((n, i) => (i === 0 ? input : new Float32Array(n)));
  for (const step of plan.steps) runStep(step, tensors);
  return new Map(plan.outputs.map((o) => [o.name, { data: tensors[o.tensor], dims: o.dims }]));
}

function runStep(step: PlanStep, t: Float32Array[]): void {
  switch (step.kind) {
    case 'conv': {
      const c = step.conv;
      const shape = {
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
        act: c.act === 'relu' ? ACT.relu : ACT.none,
      };
      conv2d(shape, t[step.input], c.weight, c.bias, undefined, t[step.output]);
      break;
    }
    case 'maxpool':
      maxPool2d({ ...step, planes: step.channels }, t[step.input], t[step.output]);
      break;
    case 'resize':
      resizeNearest({ ...step, planes: step.channels }, t[step.input], t[step.output]);
      break;
    case 'add':
      addMaps(t[step.inputs[0]], t[step.inputs[1]], t[step.output]);
      break;
    case 'sigmoid':
      sigmoid(t[step.input], t[step.output]);
      break;
    case 'transpose':
      transpose4d(step.dims, step.perm, t[step.input], t[step.output]);
      break;
  }
}

/** The reference as a session's runner (`createDetector({ backend: 'reference' })`): slow, exact, no set-up. */
export const REFERENCE_RUNNER: GraphRunner = {
  description: 'CPU reference (plain loops)',
  run: async (plan, input) => runReference(plan, input),
  dispose: () => {},
};
