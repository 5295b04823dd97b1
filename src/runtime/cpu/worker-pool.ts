/**
 * Workers for the CPU backend: each runs its own instance of the kernels module, started from a copy of the
 * resident weights, and replays the wasm calls of a shard of the batch (worker_threads in Node, Web Workers in
 * browsers). Messages are copies and transfers — no SharedArrayBuffer, so no cross-origin isolation is needed —
 * and an idle worker blocks in its event loop, taking no CPU.
 */
import { WorkerError } from '../../errors.js';
import { nodeImport } from '../node-import.js';
import type { WasmCall } from './wasm-kernels.js';

/** One shard: its input bytes (a tensor, or packed images), where they go, the calls, where the embeddings come from. */
export interface ShardJob {
  input: Uint8Array<ArrayBuffer>;
  inputAt: number;
  calls: WasmCall[];
  /** Bytes of memory the calls touch (resident data, tensors, scratch). */
  bytes: number;
  outputAt: number;
  outputFloats: number;
}

/**
 * The worker's whole program, as source (so it needs no file beside the bundle): `handle` is shared by the Node
 * and browser entries below it.
 */
const HANDLER = `
let kernels;
function grow(bytes) {
  const missing = bytes - kernels.memory.buffer.byteLength;
  if (missing > 0) kernels.memory.grow(Math.ceil(missing / 65536));
}
function handle(m) {
  if (m.init) {
    kernels = new WebAssembly.Instance(new WebAssembly.Module(m.init.bytes)).exports;
    grow(m.init.resident.byteLength);
    new Uint8Array(kernels.memory.buffer).set(m.init.resident);
    return { id: m.id };
  }
  const j = m.job;
  grow(j.bytes);
  new Uint8Array(kernels.memory.buffer).set(j.input, j.inputAt);
  for (const c of j.calls) kernels[c.fn](...c.args);
  return { id: m.id, output: new Float32Array(kernels.memory.buffer).slice(j.outputAt / 4, j.outputAt / 4 + j.outputFloats) };
}
function reply(post, m) {
  let r;
  try { r = handle(m); } catch (e) { r = { id: m.id, error: String((e && e.stack) || e) }; }
  post(r, r.output ? [r.output.buffer] : []);
}
`;
const NODE_ENTRY = `${HANDLER}
const { parentPort } = require('node:worker_threads');
parentPort.on('message', (m) => reply((r, t) => parentPort.postMessage(r, t), m));`;
const BROWSER_ENTRY = `${HANDLER}
self.onmessage = (e) => reply((r, t) => self.postMessage(r, t), e.data);`;

interface Reply {
  id: number;
  output?: Float32Array;
  error?: string;
}

/** What the pool needs of a Node worker_threads Worker or a Web Worker. */
interface Port {
  post(message: unknown, transfer: Transferable[]): void;
  terminate(): void;
}

class PoolWorker {
  private next = 1;
  private readonly waiting = new Map<number, { resolve: (r: Reply) => void; reject: (e: Error) => void }>();
  private port!: Port;

  static async start(bytes: Uint8Array, resident: Uint8Array): Promise<PoolWorker> {
    const w = new PoolWorker();
    const onMessage = (r: Reply) => w.settle(r);
    const onError = (e: unknown) =>
      w.fail(new WorkerError('worker-failed', `CPU worker failed: ${String((e as Error)?.message ?? e)}`));
    if (typeof process !== 'undefined' && process.versions?.node !== undefined) {
      const { Worker } = await nodeImport<typeof import('node:worker_threads')>('node:worker_threads');
      const worker = new Worker(NODE_ENTRY, { eval: true });
      worker.unref(); // an idle pool never keeps a Node process alive
      worker.on('message', onMessage);
      worker.on('error', onError);
      worker.on('exit', (code) => w.fail(new WorkerError('worker-failed', `CPU worker exited (code ${code})`)));
      w.port = { post: (m, t) => worker.postMessage(m, t as never), terminate: () => void worker.terminate() };
    } else {
      const url = URL.createObjectURL(new Blob([BROWSER_ENTRY], { type: 'text/javascript' }));
      const worker = new Worker(url);
      URL.revokeObjectURL(url);
      worker.onmessage = (e: MessageEvent<Reply>) => onMessage(e.data);
      worker.onerror = (e) => onError(e.message);
      w.port = { post: (m, t) => worker.postMessage(m, t), terminate: () => worker.terminate() };
    }
    try {
      await w.request({ init: { bytes, resident } });
    } catch (e) {
      w.port.terminate();
      throw e;
    }
    return w;
  }

  async run(job: ShardJob): Promise<Float32Array> {
    return (await this.request({ job }, [job.input.buffer])).output!;
  }

  terminate(): void {
    this.port.terminate();
    this.fail(new WorkerError('worker-failed', 'the CPU backend was disposed'));
  }

  private request(body: object, transfer: Transferable[] = []): Promise<Reply> {
    const id = this.next++;
    return new Promise((resolve, reject) => {
      this.waiting.set(id, { resolve, reject });
      this.port.post({ id, ...body }, transfer);
    });
  }

  private settle(r: Reply): void {
    const waiter = this.waiting.get(r.id);
    this.waiting.delete(r.id);
    if (r.error !== undefined) waiter?.reject(new WorkerError('worker-failed', `CPU worker failed: ${r.error}`));
    else waiter?.resolve(r);
  }

  private fail(e: Error): void {
    for (const waiter of this.waiting.values()) waiter.reject(e);
    this.waiting.clear();
  }
}

export class WorkerPool {
  private constructor(private readonly workers: PoolWorker[]) {}

  /** `count` workers, each with the module `bytes` and memory starting as `resident`; undefined if workers cannot start. */
  static async start(count: number, bytes: Uint8Array, resident: Uint8Array): Promise<WorkerPool | undefined> {
    const started = await Promise.allSettled(Array.from({ length: count }, () => PoolWorker.start(bytes, resident)));
    const workers = started.flatMap((r) => (r.status === 'fulfilled' ? [r.value] : []));
    if (workers.length === count) return new WorkerPool(workers);
    // Workers cannot start here (a CSP without blob: workers, no worker_threads): one thread, nothing left running.
    for (const w of workers) w.terminate();
    return undefined;
  }

  get size(): number {
    return this.workers.length;
  }

  /** Runs job i on worker i. The job's input buffer is transferred: pass a copy. */
  run(jobs: ShardJob[]): Promise<Float32Array[]> {
    return Promise.all(jobs.map((job, i) => this.workers[i].run(job)));
  }

  terminate(): void {
    for (const w of this.workers) w.terminate();
  }
}
