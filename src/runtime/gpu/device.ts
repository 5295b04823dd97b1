/**
 * Finds a WebGPU device: `navigator.gpu` in browsers, Dawn (the `webgpu` npm package) in Node. A core adapter
 * is preferred; a compatibility adapter (e.g. Mesa llvmpipe through OpenGL ES) is the fallback, since our
 * kernels need nothing beyond compatibility-mode limits.
 */
import { GpuError } from '../../errors.js';
import { nodeImport } from '../node-import.js';

export interface AcquiredDevice {
  device: GPUDevice;
  /** e.g. "google swiftshader (core)" or "mesa llvmpipe (compatibility)". */
  adapter: string;
  featureLevel: 'core' | 'compatibility';
  /**
   * Why this adapter is software rendering (a CPU rasteriser: SwiftShader, llvmpipe, WARP, …), or undefined for
   * hardware. On such adapters the CPU backend is faster (bench/README.md), so 'auto' choices avoid them.
   */
  software?: string;
}

/** Software adapters by name, for engines that do not set `isFallbackAdapter` (Dawn in Node, older Chromium). */
const SOFTWARE_NAMES = /swiftshader|llvmpipe|lavapipe|softpipe|software|microsoft basic render|warp/i;

/** Why `adapter` (described as `description`) is a software adapter, or undefined. */
function softwareReason(adapter: GPUAdapter, description: string): string | undefined {
  const fallback =
    (adapter.info as { isFallbackAdapter?: boolean } | undefined)?.isFallbackAdapter ??
    (adapter as { isFallbackAdapter?: boolean }).isFallbackAdapter;
  if (fallback) return `the WebGPU implementation marks ${description} as a fallback adapter`;
  const name = SOFTWARE_NAMES.exec(description)?.[0];
  return name ? `${description} is a software rasteriser (${name})` : undefined;
}

export interface DeviceOptions {
  /** Ask for a compatibility adapter only (in Node: Dawn's OpenGL ES backend first, e.g. Mesa llvmpipe). */
  featureLevel?: 'core' | 'compatibility';
  /** Bytes the largest storage binding must hold; requested from the adapter (default limit is 128 MiB). */
  maxStorageBinding?: number;
}

const inNode = typeof process !== 'undefined' && process.versions?.node !== undefined;
const browserGpu = (): GPU | undefined => (typeof navigator !== 'undefined' ? navigator.gpu : undefined);

/**
 * Dawn instances, one per backend flag set, kept for the life of the process: devices do not keep their
 * instance alive, and a collected instance crashes the process on the next queue operation.
 */
const dawnInstances = new Map<string, GPU>();

/** Ways to reach a GPU, in order of preference; in Node each Dawn backend is a separate instance. */
type GpuSource = { label: string; open: () => Promise<GPU> };

function gpuSources(): GpuSource[] {
  const gpu = browserGpu();
  if (gpu) return [{ label: 'browser', open: async () => gpu }];
  if (!inNode) return [];
  const dawn = async (flags: string[]) => {
    const key = flags.join(' ');
    let instance = dawnInstances.get(key);
    if (!instance) {
      // Dawn reads these at start-up: silence a SwiftShader warning; let Mesa's EGL run without a display.
      process.env.XDG_RUNTIME_DIR ??= await privateRuntimeDir();
      process.env.EGL_PLATFORM ??= 'surfaceless';
      // 'webgpu' (Dawn for Node) is an optional peer dependency: browser apps never install it.
      const module = await nodeImport<typeof import('webgpu')>('webgpu').catch((e: Error) => {
        throw new GpuError(
          'no-adapter',
          `WebGPU in Node needs the optional 'webgpu' package (npm install webgpu): ${e.message.split('\n')[0]}`,
        );
      });
      Object.assign(globalThis, module.globals);
      instance = module.create(flags);
      dawnInstances.set(key, instance);
    }
    return instance;
  };
  return [
    { label: 'dawn', open: () => dawn([]) },
    { label: 'dawn-gles', open: () => dawn(['backend=opengles']) },
  ];
}

async function privateRuntimeDir(): Promise<string> {
  const fs = await nodeImport<typeof import('node:fs')>('node:fs');
  const os = await nodeImport<typeof import('node:os')>('node:os');
  const path = await nodeImport<typeof import('node:path')>('node:path');
  const dir = path.join(os.tmpdir(), `bridgeface-xdg-${process.getuid?.() ?? 0}`);
  fs.mkdirSync(dir, { recursive: true, mode: 0o700 });
  return dir;
}

function describe(adapter: GPUAdapter, featureLevel: string): string {
  const info = adapter.info;
  const name = [info?.vendor, info?.architecture, info?.device, info?.description]
    .filter((s) => typeof s === 'string' && s.length > 0)
    .join(' ');
  // Browsers may withhold adapter details (Chromium does for its OpenGL ES path).
  return `${name || 'adapter details not exposed'} (${featureLevel})`;
}

/** Requests an adapter and device, or throws `GpuError('no-adapter')` listing what was tried. */
export async function acquireDevice(options: DeviceOptions = {}): Promise<AcquiredDevice> {
  const tried: string[] = [];
  const levels: Array<'core' | 'compatibility'> =
    options.featureLevel === 'compatibility' ? ['compatibility'] : ['core', 'compatibility'];
  const wantBinding = options.maxStorageBinding ?? 128 * 1024 * 1024;
  const sources = gpuSources();
  // In Node the compatibility adapter worth having is Mesa's (OpenGL ES backend), so try that instance first.
  if (options.featureLevel === 'compatibility') sources.reverse();
  for (const source of sources) {
    const gpu = await source.open();
    for (const requested of levels) {
      const adapter = await gpu
        .requestAdapter(requested === 'core' ? {} : { featureLevel: 'compatibility' })
        .catch(() => null);
      if (!adapter) {
        tried.push(`${source.label}/${requested}: none`);
        continue;
      }
      const featureLevel = adapter.features.has('core-features-and-limits') ? 'core' : 'compatibility';
      const device = await adapter
        .requestDevice({
          requiredLimits: {
            maxStorageBufferBindingSize: Math.min(wantBinding, adapter.limits.maxStorageBufferBindingSize),
            maxBufferSize: Math.min(wantBinding, adapter.limits.maxBufferSize),
          },
        })
        .catch((e: Error) => {
          tried.push(`${source.label}/${requested}: requestDevice failed: ${e.message}`);
          return null;
        });
      if (device) {
        const description = describe(adapter, featureLevel);
        return { device, adapter: description, featureLevel, software: softwareReason(adapter, description) };
      }
    }
  }
  throw new GpuError(
    'no-adapter',
    `no WebGPU adapter available (tried: ${tried.join('; ') || 'no WebGPU implementation'})`,
  );
}

/**
 * Runs `build` (pipelines, buffers, …) on `device`; if it fails and the device is `owned`, destroys the device
 * before rethrowing, so a failed create never leaves a device (and its native memory) behind.
 */
export async function buildOnDevice<T>(device: GPUDevice, owned: boolean, build: () => Promise<T>): Promise<T> {
  try {
    return await build();
  } catch (e) {
    if (owned) device.destroy();
    throw e;
  }
}
