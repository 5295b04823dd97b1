/** The text table, the target checks and the SVG chart of a benchmark report. */
import type { EnvironmentResult, RowResult } from './core/types.js';

interface Report {
  command: string;
  date: string;
  machine: {
    hostname: string;
    cpu?: string;
    cores: number;
    chromium?: string;
    loadAverageBefore: number[];
    loadAverageAfter: number[];
    commit?: string;
    dirty?: boolean;
    commitAfter?: string;
  };
  model: { weights?: string; trained: boolean; parameters?: number; macsPerFace?: number };
  environments: EnvironmentResult[];
  targets: TargetCheck[];
  config: { quick: boolean; batches: number[]; sides: number[]; iterations: number };
}

export interface TargetCheck {
  environment: string;
  target: string;
  bridgeface?: number;
  bestPeer?: { id: string; value: number };
  /** bridgeface / best peer (for latency: best peer / bridgeface); ≥ required is met. */
  ratio?: number;
  required: number;
  met: boolean | null;
  note?: string;
  /** The same comparison measured head-to-head (alternating calls); decides `met` when it covers the best peer. */
  headToHead?: { id: string; ratio: number; rounds: number };
}

const fps = (row: RowResult | undefined, batch: number, side = 32) =>
  row?.throughput.find((t) => t.batch === batch && t.side === side)?.facesPerSecond;
const usable = (r: RowResult) => r.status === 'ok';

export function targets(envs: EnvironmentResult[]): TargetCheck[] {
  const out: TargetCheck[] = [];
  const platform = (e: EnvironmentResult) => e.environment.split('-')[0];
  for (const env of envs) {
    const rows = env.rows;
    // CPU/wasm rows run in one environment per platform (Chromium, Node): the CPU is the same for all of them.
    const cpuElsewhere = envs
      .filter((e) => e !== env && platform(e) === platform(env))
      .flatMap((e) => e.rows.filter((r) => r.device === 'cpu'));
    const bfGpu = rows.find((r) => r.id === 'bridgeface-webgpu');
    const bfCpu = rows.find((r) => r.id === 'bridgeface-cpu');
    const peers = rows.filter((r) => r.runtime !== 'bridgeface' && !r.id.startsWith('teacher') && usable(r));
    const best = (list: RowResult[], value: (r: RowResult) => number | undefined, higher = true) => {
      let pick: { id: string; value: number } | undefined;
      for (const r of list) {
        const v = value(r);
        if (v === undefined || !Number.isFinite(v)) continue;
        if (!pick || (higher ? v > pick.value : v < pick.value)) pick = { id: r.id, value: v };
      }
      return pick;
    };
    /** The closest peer head-to-head (lowest bridgeface speedup) among `list`, against `against` at `batch`. */
    const paired = (c: TargetCheck, list: RowResult[], against: string, batch: number) => {
      let pick: TargetCheck['headToHead'];
      // Only head-to-heads run in this environment (CPU rows borrowed from a sibling environment ran against
      // that environment's bridgeface).
      for (const r of list.filter((x) => x.environment === env.environment)) {
        const p = r.paired?.find((x) => x.against === against && x.batch === batch);
        if (p && (!pick || p.speedup < pick.ratio)) pick = { id: r.id, ratio: p.speedup, rounds: p.rounds };
      }
      if (!pick) return c;
      c.headToHead = pick;
      const bestCovered =
        !c.bestPeer ||
        list
          .find((r) => r.id === c.bestPeer!.id && r.environment === env.environment)
          ?.paired?.some((x) => x.against === against && x.batch === batch);
      if (bestCovered && c.bridgeface !== undefined) c.met = pick.ratio >= c.required;
      return c;
    };
    const gpuPeers = peers.filter((r) => r.device === 'gpu');
    if (bfGpu && gpuPeers.length > 0) {
      const mine = usable(bfGpu) ? fps(bfGpu, 64) : undefined;
      const peer = best(gpuPeers, (r) => fps(r, 64));
      out.push(
        paired(
          check(
            env.environment,
            'WebGPU ≥ 1.5× fastest peer GPU runtime, batch 64 (faces/s, 32 px)',
            mine,
            peer,
            1.5,
            bfGpu,
          ),
          gpuPeers,
          'bridgeface-webgpu',
          64,
        ),
      );
      const lat = usable(bfGpu) ? bfGpu.latency?.p50Ms : undefined;
      const anyPeer = [
        ...peers,
        ...cpuElsewhere.filter((r) => r.runtime !== 'bridgeface' && !r.id.startsWith('teacher') && usable(r)),
      ];
      for (const [what, list] of [
        ['GPU peer', gpuPeers],
        ['peer incl. CPU/wasm', anyPeer],
      ] as const) {
        const peerLat = best(list, (r) => r.latency?.p50Ms, false);
        const c = check(
          env.environment,
          `WebGPU not slower than any ${what} at batch 1 (p50 latency, ms)`,
          lat,
          peerLat,
          1,
          bfGpu,
        );
        if (lat !== undefined && peerLat) c.ratio = peerLat.value / lat;
        if (c.ratio !== undefined) c.met = c.ratio >= 1;
        out.push(paired(c, list, 'bridgeface-webgpu', 1));
      }
    }
    // 'auto' must pick the faster of bridgeface's two backends here (the CPU row may have run in a sibling environment).
    const cpuHere = bfCpu ?? cpuElsewhere.find((r) => r.id === 'bridgeface-cpu');
    const [gpuFps, cpuFps] = [fps(bfGpu, 64), fps(cpuHere, 64)];
    if (env.autoChoice && gpuFps !== undefined && cpuFps !== undefined) {
      const faster = gpuFps >= cpuFps ? 'webgpu' : 'cpu';
      out.push({
        environment: env.environment,
        target: `'auto' picks the faster backend (batch 64: WebGPU ${n0(gpuFps)}, CPU ${n0(cpuFps)} faces/s)`,
        required: 1,
        met: env.autoChoice.backend === faster,
        note: `auto chose ${env.autoChoice.backend}${env.autoChoice.reason ? `: ${env.autoChoice.reason}` : ''}`,
      });
    }
    // Issue 10's CPU targets, decided by the head-to-heads (alternating calls) alone.
    const h2h = (rowId: string, against: string, batch: number) =>
      rows.find((r) => r.id === rowId && usable(r))?.paired?.find((p) => p.against === against && p.batch === batch);
    const cpuTarget = (
      target: string,
      rowId: string,
      against: string,
      batch: number,
      required: number,
      invert = false,
    ) => {
      const p = h2h(rowId, against, batch);
      if (!p) return;
      const ratio = invert ? 1 / p.speedup : p.speedup;
      // Faces/s of both sides in the alternating rounds (medians), bridgeface's side first.
      const [mine, theirs] = [(p.batch * 1000) / p.bridgefaceMedianMs, (p.batch * 1000) / p.peerMedianMs];
      const [bridgeface, peer] = invert ? [theirs, { id: against, value: mine }] : [mine, { id: rowId, value: theirs }];
      out.push({
        environment: env.environment,
        target,
        required,
        ratio,
        met: ratio >= required,
        bridgeface,
        bestPeer: peer,
        headToHead: { id: peer.id, ratio, rounds: p.rounds },
      });
    };
    cpuTarget(
      'CPU 1 thread ≥ 1.3× onnxruntime-node 1 thread, batch 64 (head-to-head)',
      'ort-node',
      'bridgeface-cpu',
      64,
      1.3,
    );
    cpuTarget(
      'CPU 1 thread ≥ 1.2× onnxruntime-node 1 thread, batch 1 (head-to-head)',
      'ort-node',
      'bridgeface-cpu',
      1,
      1.2,
    );
    cpuTarget(
      'CPU 2 threads ≥ 1.8× CPU 1 thread, batch 64 (head-to-head; needs an otherwise idle 2-core machine)',
      'bridgeface-cpu-2t',
      'bridgeface-cpu',
      64,
      1.8,
      true,
    );
    for (const id of ['ort-node-2t', 'ort-node-2t-spin'])
      cpuTarget(`CPU 2 threads ≥ 1.2× ${id}, batch 64 (head-to-head)`, id, 'bridgeface-cpu-2t', 64, 1.2);
    const cpuPeers = peers.filter((r) => r.device === 'cpu' && (r.threads ?? 1) === 1);
    if (bfCpu && cpuPeers.length > 0) {
      const mine = usable(bfCpu) ? fps(bfCpu, 64) : undefined;
      const peer = best(cpuPeers, (r) => fps(r, 64));
      out.push(
        paired(
          check(
            env.environment,
            'CPU ≥ fastest single-threaded peer CPU/wasm runtime, batch 64 (faces/s, 32 px)',
            mine,
            peer,
            1,
            bfCpu,
          ),
          cpuPeers,
          'bridgeface-cpu',
          64,
        ),
      );
    }
  }
  return out;
}

function check(
  environment: string,
  target: string,
  mine: number | undefined,
  peer: { id: string; value: number } | undefined,
  required: number,
  row: RowResult,
): TargetCheck {
  const c: TargetCheck = { environment, target, bridgeface: mine, bestPeer: peer, required, met: null };
  if (mine !== undefined && peer) {
    c.ratio = mine / peer.value;
    c.met = c.ratio >= required;
  } else {
    c.note =
      mine === undefined
        ? `bridgeface row ${row.status}${row.skipped.length ? ' or not timed at this batch' : ''}: ${row.notes.join('; ') || row.skipped.map((s) => s.reason)[0] || ''}`
        : 'no peer timed';
  }
  return c;
}

/** The environment's measured ceilings, as one line, if it measured them. */
function ceilingsLine(env: EnvironmentResult): string | undefined {
  const c = env.ceilings;
  if (!c) return undefined;
  const wasm = c.wasm.relaxed ?? c.wasm.simd128;
  return `one-core ceilings: wasm ${wasm?.gflops.toFixed(1)} GFLOP/s (${wasm?.how}); native ${c.native.gflops.toFixed(1)} GFLOP/s (${c.native.how}). %ceil: b64 GFLOP/s over ceiling × threads (native for onnxruntime-node, wasm for the rest)`;
}

/** A CPU row's b64 GFLOP/s as a share of the ceiling its code can reach, times its threads. */
function ofCeiling(env: EnvironmentResult, r: RowResult, gflops: number | undefined): string {
  const c = env.ceilings;
  const ceiling = r.runtime === 'onnxruntime-node' ? c?.native : (c?.wasm.relaxed ?? c?.wasm.simd128);
  return r.device !== 'cpu' || !ceiling || gflops === undefined
    ? '–'
    : `${((100 * gflops) / (ceiling.gflops * (r.threads ?? 1))).toFixed(0)}%`;
}

const n0 = (v: number | undefined) =>
  v === undefined || !Number.isFinite(v) ? '–' : v >= 100 ? v.toFixed(0) : v >= 10 ? v.toFixed(1) : v.toFixed(2);
const mb = (v: number | undefined) => (v === undefined ? '–' : (v / 2 ** 20).toFixed(1));

export function summaryTable(report: Report): string {
  const lines: string[] = [];
  const { machine, model } = report;
  lines.push(
    `${report.command} — ${report.date} — ${machine.hostname}: ${machine.cpu}, ${machine.cores} cores, no GPU; Chromium ${machine.chromium ?? '?'}`,
  );
  if (machine.commit) {
    lines.push(
      `code: commit ${machine.commit}${machine.dirty ? ' + uncommitted changes in src/ or weights/' : ''}${machine.commitAfter ? `; at the end ${machine.commitAfter} (src changed during the run)` : ''}`,
    );
  }
  lines.push(
    `load average ${machine.loadAverageBefore.map((l) => l.toFixed(1)).join('/')} before, ${machine.loadAverageAfter.map((l) => l.toFixed(1)).join('/')} after (other jobs share this machine)`,
  );
  lines.push(
    `student: ${model.parameters} parameters, ${model.macsPerFace} MACs = ${(((model.macsPerFace ?? 0) * 2) / 1e6).toFixed(2)} MFLOP per face; weights ${model.trained ? 'trained' : 'UNTRAINED placeholder'}`,
  );
  lines.push(
    `faces/s from RGBA images (preprocessing included), median of ${report.config.iterations} iterations (fewer where noted); p50/p95 latency at batch 1, 32 px`,
  );
  lines.push(
    'GPU MiB: peak buffer bytes (WebGPU rows: createBuffer count; tfjs: tf.memory().numBytesInGPU). *heap: JS heap growth after loading the row',
  );
  const batches = report.config.batches;
  for (const env of report.environments) {
    lines.push('');
    lines.push(`== ${env.environment}${env.adapter ? ` — adapter: ${env.adapter}` : ''} ==`);
    const ceilings = ceilingsLine(env);
    if (ceilings) lines.push(ceilings);
    const head = [
      'row',
      'status',
      'min cos',
      'cold ms',
      'p50/p95 ms',
      ...batches.map((b) => `b${b}@32`),
      ...batches.filter((b) => b >= 64).map((b) => `b${b}@16`),
      'GFLOP/s',
      '%ceil',
      'GPU MiB',
      'heap MiB*',
    ];
    const table = [head];
    for (const r of env.rows) {
      const b64 = r.throughput.find((t) => t.batch === 64 && t.side === 32);
      table.push([
        r.id,
        r.status,
        r.validation ? r.validation.minCosine.toFixed(6) : '–',
        n0(r.coldStartMs),
        r.latency ? `${n0(r.latency.p50Ms)}/${n0(r.latency.p95Ms)}` : '–',
        ...batches.map((b) => n0(fps(r, b, 32))),
        ...batches.filter((b) => b >= 64).map((b) => n0(fps(r, b, 16))),
        n0(b64?.gflops),
        ofCeiling(env, r, b64?.gflops),
        mb(r.memory?.gpuBufferBytesPeak),
        mb(r.memory?.jsHeapDeltaBytes),
      ]);
    }
    const widths = head.map((_, i) => Math.max(...table.map((row) => row[i].length)));
    for (const row of table)
      lines.push(row.map((c, i) => (i < 2 ? c.padEnd(widths[i]) : c.padStart(widths[i]))).join('  '));
    for (const r of env.rows) {
      const why = [...r.notes, ...dedupe(r.skipped.map((s) => `b${s.batch}@${s.side} skipped: ${s.reason}`))];
      if (why.length) lines.push(`  ${r.id}: ${why.join('; ')}`);
    }
  }
  lines.push('');
  lines.push(
    'Targets (ratios within one environment; where a head-to-head of alternating calls covers the best peer, it decides):',
  );
  for (const t of report.targets) {
    const verdict = t.met === null ? 'n/a' : t.met ? 'MET' : 'MISSED';
    lines.push(
      `  [${verdict}] ${t.environment}: ${t.target}: bridgeface ${n0(t.bridgeface)} vs ${t.bestPeer ? `${t.bestPeer.id} ${n0(t.bestPeer.value)}` : '–'} → ${t.ratio === undefined ? '–' : `${t.ratio.toFixed(2)}×`} (need ${t.required}×)${t.headToHead ? `; head-to-head vs ${t.headToHead.id}: ${t.headToHead.ratio.toFixed(2)}× (${t.headToHead.rounds} alternating rounds)` : ''}${t.note ? ` — ${t.note}` : ''}`,
    );
  }
  return lines.join('\n');
}

function dedupe(list: string[]): string[] {
  // Keep the first reason per side; later batches of a side are skipped for the same reason.
  const seen = new Set<string>();
  return list.filter((l) => {
    const key = l.replace(/^b\d+@/, '').slice(0, 40);
    if (seen.has(key)) return false;
    seen.add(key);
    return true;
  });
}

const COLORS: Record<string, string> = {
  'bridgeface-webgpu': '#d62728',
  'bridgeface-cpu': '#ff7f0e',
  'bridgeface-cpu-2t': '#ffbb78',
  'ort-webgpu': '#1f77b4',
  'ort-wasm': '#17becf',
  'ort-node': '#393b79',
  'ort-node-2t': '#5254a3',
  'ort-node-2t-spin': '#6b6ecf',
  'tfjs-webgpu': '#2ca02c',
  'tfjs-webgl': '#98df8a',
  'tfjs-wasm': '#9467bd',
  'tfjs-cpu': '#c5b0d5',
  'gpujs-webgl2': '#8c564b',
  'gpujs-webasm': '#c49c94',
  'teacher-wasm': '#7f7f7f',
  'teacher-webgl': '#bcbd22',
};

/** Time per face (ms, log) against batch size (log), one panel per environment, 32 px RGBA input. */
export function renderChart(report: Report): string {
  const envs = report.environments;
  const pw = 580;
  const ph = 400;
  const cols = 2;
  const rowsN = Math.ceil(envs.length / cols);
  const W = pw * cols;
  const H = ph * rowsN + 50;
  const all = envs.flatMap((e) =>
    e.rows.flatMap((r) => r.throughput.filter((t) => t.side === 32).map((t) => t.msPerFace)),
  );
  const yMin = 10 ** Math.floor(Math.log10(Math.min(...all, 1)));
  const yMax = 10 ** Math.ceil(Math.log10(Math.max(...all, 1)));
  const batches = report.config.batches;
  const xMin = Math.log2(Math.min(...batches));
  const xMax = Math.log2(Math.max(...batches));
  const out: string[] = [];
  out.push(
    `<svg xmlns="http://www.w3.org/2000/svg" width="${W}" height="${H}" viewBox="0 0 ${W} ${H}" font-family="DejaVu Sans, Arial, sans-serif" font-size="11">`,
  );
  out.push(`<rect width="${W}" height="${H}" fill="white"/>`);
  out.push(
    `<text x="12" y="22" font-size="15" font-weight="bold">bridgeface bench: time per face vs batch size (32×32 RGBA input, preprocessing included; log–log)</text>`,
  );
  out.push(
    `<text x="12" y="40" fill="#555">${esc(`${report.machine.hostname}, ${report.machine.cpu}, ${report.machine.cores} cores, no GPU, load ${report.machine.loadAverageBefore[0].toFixed(1)}; ${report.date.slice(0, 16)}Z; ${report.command}${report.model.trained ? '' : '; untrained placeholder weights'}`)}</text>`,
  );
  envs.forEach((env, k) => {
    const ox = (k % cols) * pw;
    const oy = 50 + Math.floor(k / cols) * ph;
    const L = ox + 60;
    const R = ox + pw - 170;
    const T = oy + 28;
    const B = oy + ph - 40;
    const xs = (b: number) => L + ((Math.log2(b) - xMin) / Math.max(xMax - xMin, 1)) * (R - L);
    const ys = (v: number) =>
      B - ((Math.log10(v) - Math.log10(yMin)) / (Math.log10(yMax) - Math.log10(yMin))) * (B - T);
    out.push(
      `<text x="${L}" y="${oy + 18}" font-size="13" font-weight="bold">${esc(env.environment)}${env.adapter ? ` — ${esc(env.adapter.slice(0, 40))}` : ''}</text>`,
    );
    out.push(`<rect x="${L}" y="${T}" width="${R - L}" height="${B - T}" fill="none" stroke="#999"/>`);
    for (let e = Math.log10(yMin); e <= Math.log10(yMax); e++) {
      const y = ys(10 ** e);
      out.push(
        `<line x1="${L}" x2="${R}" y1="${y}" y2="${y}" stroke="#eee"/><text x="${L - 6}" y="${y + 4}" text-anchor="end">${fmtMs(10 ** e)}</text>`,
      );
    }
    for (const b of batches) {
      const x = xs(b);
      out.push(
        `<line x1="${x}" x2="${x}" y1="${T}" y2="${B}" stroke="#eee"/><text x="${x}" y="${B + 14}" text-anchor="middle">${b}</text>`,
      );
    }
    out.push(`<text x="${(L + R) / 2}" y="${B + 30}" text-anchor="middle">batch size</text>`);
    out.push(
      `<text transform="translate(${ox + 14} ${(T + B) / 2}) rotate(-90)" text-anchor="middle">ms per face</text>`,
    );
    let ly = T + 4;
    for (const r of env.rows) {
      const pts = r.throughput.filter((t) => t.side === 32).sort((a, b) => a.batch - b.batch);
      const color = COLORS[r.id] ?? '#000';
      const bold = r.runtime === 'bridgeface';
      if (pts.length > 0) {
        const d = pts
          .map((t, i) => `${i ? 'L' : 'M'}${xs(t.batch).toFixed(1)} ${ys(t.msPerFace).toFixed(1)}`)
          .join(' ');
        out.push(
          `<path d="${d}" fill="none" stroke="${color}" stroke-width="${bold ? 3 : 1.6}"${r.id.startsWith('teacher') ? ' stroke-dasharray="5 3"' : ''}/>`,
        );
        for (const t of pts) {
          out.push(
            `<circle cx="${xs(t.batch).toFixed(1)}" cy="${ys(t.msPerFace).toFixed(1)}" r="${bold ? 3.5 : 2.5}" fill="${color}"/>`,
          );
          // Spread: interquartile range of the batch time, per face.
          out.push(
            `<line x1="${xs(t.batch).toFixed(1)}" x2="${xs(t.batch).toFixed(1)}" y1="${ys(t.p25Ms / t.batch).toFixed(1)}" y2="${ys(t.p75Ms / t.batch).toFixed(1)}" stroke="${color}"/>`,
          );
        }
      }
      const label = `${r.id}${r.status === 'ok' || r.status === 'context' ? '' : ` (${r.status})`}`;
      out.push(
        `<line x1="${R + 8}" x2="${R + 26}" y1="${ly}" y2="${ly}" stroke="${color}" stroke-width="${bold ? 3 : 1.6}"/><text x="${R + 30}" y="${ly + 4}"${bold ? ' font-weight="bold"' : ''}>${esc(label)}</text>`,
      );
      ly += 16;
    }
  });
  out.push('</svg>');
  return out.join('\n');
}

const fmtMs = (v: number) => (v >= 1 ? `${v}` : v.toPrecision(1));
const esc = (s: string) => s.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;');

/** The same results as Markdown tables (for README): faces/s at 32 px per batch, latency, validation, memory. */
export function markdownSummary(report: Report): string {
  const out: string[] = [];
  const batches = report.config.batches;
  out.push(
    `\`${report.command}\`, ${report.date.slice(0, 16).replace('T', ' ')} UTC, ${report.machine.cpu} ×${report.machine.cores}, load ${report.machine.loadAverageBefore[0].toFixed(1)} → ${report.machine.loadAverageAfter[0].toFixed(1)}, commit ${report.machine.commit ?? '?'}${report.machine.dirty ? ' (+ uncommitted src)' : ''}${report.machine.commitAfter ? `, src changed during the run (→ ${report.machine.commitAfter})` : ''}${report.model.weights && report.model.weights !== 'weights/student.bfw' ? `, weights ${report.model.weights}` : ''}. Faces/s from 32×32 RGBA (16×16 where marked); – = not timed (see JSON for the reason).`,
  );
  for (const env of report.environments) {
    out.push('');
    out.push(`**${env.environment}**${env.adapter ? ` (${env.adapter})` : ''}`);
    out.push('');
    const ceilings = ceilingsLine(env);
    if (ceilings) out.push(ceilings, '');
    const head = [
      'row',
      'min cos',
      'cold start ms',
      'p50 / p95 ms (b1)',
      ...batches.map((b) => `b${b}`),
      'b64 @16 px',
      'GFLOP/s (b64)',
      '% of ceiling',
      'GPU MiB',
    ];
    out.push(`| ${head.join(' | ')} |`);
    out.push(`|${head.map((_, i) => (i === 0 ? '---' : '---:')).join('|')}|`);
    for (const r of env.rows) {
      const b64 = r.throughput.find((t) => t.batch === 64 && t.side === 32);
      const name = r.runtime === 'bridgeface' ? `**${r.id}**` : r.id;
      out.push(
        `| ${[
          name + (r.status === 'ok' ? '' : ` (${r.status})`),
          r.validation ? r.validation.minCosine.toFixed(6) : '–',
          n0(r.coldStartMs),
          r.latency ? `${n0(r.latency.p50Ms)} / ${n0(r.latency.p95Ms)}` : '–',
          ...batches.map((b) => n0(fps(r, b, 32))),
          n0(fps(r, 64, 16)),
          n0(b64?.gflops),
          ofCeiling(env, r, b64?.gflops),
          mb(r.memory?.gpuBufferBytesPeak),
        ].join(' | ')} |`,
      );
    }
  }
  out.push('');
  out.push('| environment | target | bridgeface | best peer | ratio | head-to-head (alternating calls) | |');
  out.push('|---|---|---:|---:|---:|---:|---|');
  for (const t of report.targets) {
    out.push(
      `| ${t.environment} | ${t.target} | ${n0(t.bridgeface)} | ${t.bestPeer ? `${t.bestPeer.id} ${n0(t.bestPeer.value)}` : '–'} | ${t.ratio === undefined ? '–' : `${t.ratio.toFixed(2)}× (need ${t.required}×)`} | ${t.headToHead ? `${t.headToHead.ratio.toFixed(2)}× vs ${t.headToHead.id} (${t.headToHead.rounds} rounds)` : '–'} | ${t.met === null ? 'n/a' : t.met ? 'met' : '**missed**'} |`,
    );
  }
  return out.join('\n');
}
