/**
 * Runs fuzz cases in child processes (child.ts) and tallies them. A case that does not finish within
 * its CPU or wall-clock limit is a hang (the child is killed and a new one continues after it); a child that dies
 * during a case is a crash. After `timeBudgetMs` no new chunk of cases starts (each target runs at least one).
 */
import { type ChildProcess, fork } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import type { ChildMessage, ChildStart } from './child.js';
import type { CaseResult, Outcome, Target } from './targets.js';

export interface FuzzOptions {
  seed: number;
  /** Cases per target. */
  cases: number;
  targets: Array<Target['name']>;
  /** Run WebGPU too, where an adapter exists. */
  gpu: boolean;
  /** Fraction of loaded weights/gallery mutants also run on WebGPU. */
  gpuShare: number;
  /** CPU time a case may use before it counts as a hang (wall time where CPU time cannot be read). */
  caseTimeoutMs: number;
  /** Wall time a case may take, blocked or starved, before it counts as a hang. */
  caseWallMs: number;
  timeBudgetMs: number;
  /** Only these case numbers (to rerun a failure). */
  only?: number[];
  onProgress?: (line: string) => void;
}

type Verdict = Outcome | 'hang' | 'crash';
const FAILURES: readonly Verdict[] = ['untyped', 'different', 'hang', 'crash'];

interface Failure {
  target: Target['name'];
  case: number;
  verdict: Verdict;
  what: string;
  detail?: string;
}

interface TargetReport {
  target: Target['name'];
  /** The WebGPU adapter the child used, or why there was none. */
  webgpu: string;
  counts: Record<Verdict, number>;
  cases: number;
}

export interface FuzzReport {
  seed: number;
  elapsedMs: number;
  /** True when the time budget ended the run before every case ran. */
  stoppedByTime: boolean;
  targets: TargetReport[];
  failures: Failure[];
  /** Sum over targets of each failure kind. */
  totals: Record<'untyped' | 'different' | 'hang' | 'crash', number>;
}

const CHILD = fileURLToPath(new URL('./child.ts', import.meta.url));
const REGISTER_WGSL = fileURLToPath(new URL('../scripts/register-wgsl.mjs', import.meta.url));
const CHUNK = 20;
/** A child's setup (loading modules and weights, creating recognizers) may take this long. */
const SETUP: Limit = { cpuMs: 120_000, wallMs: 1_800_000 };

/** CPU seconds (all threads) a process has used, from /proc on Linux; undefined elsewhere. */
function cpuMs(pid: number | undefined): number | undefined {
  if (pid === undefined || process.platform !== 'linux') return undefined;
  try {
    // Fields after the command name (which may hold spaces): utime and stime are the 12th and 13th, in 1/100 s.
    const fields = readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1].split(' ');
    return (Number(fields[11]) + Number(fields[12])) * 10;
  } catch {
    return undefined;
  }
}

/** How long a case (or a child's setup) may run: CPU time where it can be measured, and wall time always. */
interface Limit {
  cpuMs: number;
  wallMs: number;
}

/**
 * One child process for one target, with a watchdog on each case. A case hangs when it spends more than its CPU
 * limit (so a slow, shared machine does not make slow cases look hung) or, blocked without spending CPU, more
 * than its wall-clock limit.
 */
class Worker {
  private child!: ChildProcess;
  private waiting?: (m: ChildMessage | 'exit' | 'timeout') => void;
  private queue: ChildMessage[] = [];
  private exited = false;
  private since = { wall: 0, cpu: 0 };
  ready!: Extract<ChildMessage, { ready: true }>;

  constructor(private readonly start: ChildStart) {}

  async open(setup: Limit): Promise<void> {
    this.exited = false;
    this.queue = [];
    // Memory is bounded so that a case demanding gigabytes fails (or crashes) instead of swapping the machine.
    this.child = fork(CHILD, [], {
      execArgv: ['--import', 'tsx', '--import', REGISTER_WGSL, '--max-old-space-size=2048'],
      stdio: ['ignore', 'ignore', 'pipe', 'ipc'],
    });
    let stderr = '';
    this.child.stderr!.on('data', (d) => (stderr = (stderr + d).slice(-2000)));
    this.child.on('message', (m: ChildMessage) => this.deliver(m));
    this.child.on('exit', () => {
      this.exited = true;
      this.deliver('exit');
    });
    this.child.send(this.start);
    this.beginCase();
    const first = await this.next(setup);
    if (first === 'exit' || first === 'timeout' || !('ready' in first)) {
      this.close();
      throw new Error(
        `fuzz child for ${this.start.target} did not start (${typeof first === 'string' ? first : 'bad message'}): ${stderr}`,
      );
    }
    this.ready = first;
  }

  /** Starts the clocks of the next case. */
  beginCase(): void {
    this.since = { wall: Date.now(), cpu: cpuMs(this.child.pid) ?? 0 };
  }

  private deliver(m: ChildMessage | 'exit'): void {
    if (this.waiting) {
      const resolve = this.waiting;
      this.waiting = undefined;
      resolve(m);
    } else if (m !== 'exit') this.queue.push(m);
  }

  /** The next message, 'exit' if the child died, or 'timeout' once the current case exceeds `limit`. */
  next(limit: Limit): Promise<ChildMessage | 'exit' | 'timeout'> {
    const queued = this.queue.shift();
    if (queued) return Promise.resolve(queued);
    if (this.exited) return Promise.resolve('exit');
    return new Promise((resolve) => {
      const timer = setInterval(() => {
        const cpu = cpuMs(this.child.pid);
        const over =
          Date.now() - this.since.wall > limit.wallMs || (cpu !== undefined && cpu - this.since.cpu > limit.cpuMs);
        if (over && this.waiting) {
          this.waiting = undefined;
          clearInterval(timer);
          resolve('timeout');
        }
      }, 200);
      this.waiting = (m) => {
        clearInterval(timer);
        resolve(m);
      };
    });
  }

  send(cases: number[]): void {
    this.child.send({ cases });
  }

  close(): void {
    if (!this.exited) this.child.kill('SIGKILL');
  }
}

const zeroCounts = (): Record<Verdict, number> => ({
  rejected: 0,
  accepted: 0,
  untyped: 0,
  different: 0,
  hang: 0,
  crash: 0,
});

export async function runFuzz(options: FuzzOptions): Promise<FuzzReport> {
  const t0 = Date.now();
  const deadline = t0 + options.timeBudgetMs;
  const failures: Failure[] = [];
  const reports: TargetReport[] = [];
  let stoppedByTime = false;
  for (const target of options.targets) {
    const counts = zeroCounts();
    const start: ChildStart = { target, seed: options.seed, gpu: options.gpu, gpuShare: options.gpuShare };
    const limit: Limit = { cpuMs: options.caseTimeoutMs, wallMs: options.caseWallMs };
    let worker = new Worker(start);
    await worker.open(SETUP);
    const webgpu =
      worker.ready.adapter ??
      (options.gpu ? `unavailable (${worker.ready.gpuError ?? 'no adapter'})` : 'not requested');
    const all = options.only ?? Array.from({ length: options.cases }, (_, i) => i);
    let done = 0;
    for (let at = 0; at < all.length; ) {
      // Past the time budget, every target still runs its first chunk, so each is exercised.
      if (at > 0 && Date.now() > deadline) {
        stoppedByTime = true;
        break;
      }
      const chunk = all.slice(at, at + CHUNK);
      worker.send(chunk);
      worker.beginCase();
      let pending = [...chunk];
      let current = '';
      while (pending.length > 0) {
        const m = await worker.next(limit);
        if (m !== 'exit' && m !== 'timeout') {
          if ('what' in m) current = m.what;
          if ('done' in m) {
            current = '';
            worker.beginCase();
            tally(counts, failures, target, m.done, m.result);
            pending = pending.filter((i) => i !== m.done);
            done++;
          }
          continue;
        }
        // The case in progress hung or crashed the child: record it, start a new child after it.
        const victim = pending[0];
        counts[m === 'timeout' ? 'hang' : 'crash']++;
        failures.push({
          target,
          case: victim,
          verdict: m === 'timeout' ? 'hang' : 'crash',
          what: current || `case ${victim}`,
          detail:
            m === 'timeout'
              ? `still running after ${options.caseTimeoutMs} ms of CPU or ${options.caseWallMs} ms`
              : 'the process died',
        });
        done++;
        worker.close();
        worker = new Worker(start);
        await worker.open(SETUP);
        pending = pending.slice(1);
        current = '';
        if (pending.length > 0) worker.send(pending);
        worker.beginCase();
      }
      at += chunk.length;
      options.onProgress?.(
        `${target}: ${done}/${all.length} cases, ${FAILURES.map((f) => `${counts[f]} ${f}`).join(', ')}`,
      );
    }
    worker.close();
    reports.push({ target, webgpu, counts, cases: done });
  }
  const totals = { untyped: 0, different: 0, hang: 0, crash: 0 };
  for (const r of reports) for (const k of Object.keys(totals) as Array<keyof typeof totals>) totals[k] += r.counts[k];
  return { seed: options.seed, elapsedMs: Date.now() - t0, stoppedByTime, targets: reports, failures, totals };
}

function tally(
  counts: Record<Verdict, number>,
  failures: Failure[],
  target: Target['name'],
  index: number,
  result: CaseResult,
): void {
  counts[result.outcome]++;
  if (FAILURES.includes(result.outcome))
    failures.push({ target, case: index, verdict: result.outcome, what: result.what, detail: result.detail });
}

/** The report as text: a table of counts, then each failure with the command that reruns it. */
export function formatReport(report: FuzzReport, max = 30): string {
  const lines = [
    `fuzz seed ${report.seed}: ${(report.elapsedMs / 1000).toFixed(1)} s${report.stoppedByTime ? ' (stopped by the time budget)' : ''}`,
  ];
  lines.push('target   cases  rejected  accepted  untyped  different  hang  crash  webgpu');
  for (const t of report.targets) {
    const c = t.counts;
    lines.push(
      `${t.target.padEnd(8)} ${String(t.cases).padStart(5)}  ${String(c.rejected).padStart(8)}  ${String(c.accepted).padStart(8)}  ${String(c.untyped).padStart(7)}  ${String(c.different).padStart(9)}  ${String(c.hang).padStart(4)}  ${String(c.crash).padStart(5)}  ${t.webgpu}`,
    );
  }
  const t = report.totals;
  lines.push(
    `total: ${t.untyped} untyped errors, ${t.crash} crashes, ${t.hang} hangs, ${t.different} silently different results`,
  );
  for (const f of report.failures.slice(0, max)) {
    lines.push(`  ${f.verdict} ${f.target} #${f.case}: ${f.what}${f.detail ? ` → ${f.detail}` : ''}`);
    lines.push(`    rerun: npm run fuzz -- --seed ${report.seed} --targets ${f.target} --only ${f.case}`);
  }
  if (report.failures.length > max) lines.push(`  … and ${report.failures.length - max} more`);
  return lines.join('\n');
}
