/**
 * Compiling WGSL, once per module at load (createComputePipelineAsync, in parallel), with the compiler's
 * messages in the error when it fails. Used by the network backend and gallery search alike.
 */
import { GpuError } from '../../errors.js';
import type { WgslFile } from '../../kernels/index.js';
import { LAYER_KERNELS, kernelModule } from './kernels.js';

/** Compiles one module and a pipeline per entry point; a failure is a `GpuError('validation')` with diagnostics. */
export async function compileModule<E extends string>(
  device: GPUDevice,
  label: string,
  code: string,
  entryPoints: readonly E[],
): Promise<Record<E, GPUComputePipeline>> {
  // A module that does not compile is also reported as a validation error: scope it, so it cannot reach the
  // device's uncapturederror listeners (a backend sharing the device would take it as fatal). Pushed and popped
  // in the same tick, so modules compiled in parallel cannot pop each other's scope.
  device.pushErrorScope('validation');
  const module = device.createShaderModule({ code, label });
  const moduleError = device.popErrorScope();
  let failure: unknown;
  const pipelines = await Promise.all(
    entryPoints.map((entryPoint) =>
      device.createComputePipelineAsync({
        layout: 'auto',
        compute: { module, entryPoint },
        label: `${label}.${entryPoint}`,
      }),
    ),
  ).catch((e: unknown) => {
    failure = e;
    return undefined;
  });
  const scoped = await moduleError;
  if (pipelines && !scoped)
    return Object.fromEntries(entryPoints.map((e, i) => [e, pipelines[i]])) as Record<E, GPUComputePipeline>;
  const info = await module.getCompilationInfo();
  const messages = info.messages.map((m) => `${m.lineNum}:${m.linePos} ${m.type}: ${m.message}`).join('\n');
  const why = failure instanceof Error ? failure.message : (scoped?.message ?? String(failure));
  throw new GpuError('validation', `kernel ${label} failed to compile: ${why}${messages ? `\n${messages}` : ''}`);
}

/** Every kernel the network backend may dispatch: the layer kernels of the table, and preprocessing. */
export async function compilePipelines(device: GPUDevice): Promise<Map<WgslFile, GPUComputePipeline>> {
  const names: WgslFile[] = [...LAYER_KERNELS.map((k) => k.name), 'preprocess'];
  const compiled = await Promise.all(
    names.map(async (name) => [name, (await compileModule(device, name, kernelModule(name), ['main'])).main] as const),
  );
  return new Map(compiled);
}
