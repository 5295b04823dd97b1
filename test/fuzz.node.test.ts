// A short, seeded run of the fuzz harness (npm run fuzz -- --cases N for a long one): mutated weights and gallery
// files and bad API calls on the CPU and WebGPU. Every case must end in a typed error or a correct result.
import { describe, expect, it } from 'vitest';
import { formatReport, runFuzz } from '../fuzz/runner.js';

const seed = Number(process.env.BRIDGEFACE_FUZZ_SEED ?? 1);
const cases = Number(process.env.BRIDGEFACE_FUZZ_CASES ?? 40);

describe('fuzz harness', () => {
  it('counts each kind of failure: untyped, different, hang, crash', async () => {
    const report = await runFuzz({
      seed,
      cases: 6,
      targets: ['selftest'],
      gpu: false,
      gpuShare: 0,
      caseTimeoutMs: 3000,
      caseWallMs: 600_000,
      timeBudgetMs: 600_000,
    });
    expect(report.targets[0].counts).toEqual({ untyped: 1, different: 1, hang: 1, crash: 1, rejected: 1, accepted: 1 });
    expect(report.failures.filter((f) => f.verdict === 'hang').map((f) => f.what)).toEqual(['selftest 2']);
  }, 600_000);

  it(`${cases} cases per target (seed ${seed}): no untyped error, crash, hang or silently different result`, async () => {
    const report = await runFuzz({
      seed,
      cases,
      targets: ['weights', 'gallery', 'api'],
      gpu: true,
      gpuShare: 0.25,
      caseTimeoutMs: 20_000,
      caseWallMs: 600_000,
      timeBudgetMs: 240_000,
    });
    console.log(formatReport(report));
    expect(report.targets.map((t) => t.target)).toEqual(['weights', 'gallery', 'api']);
    for (const t of report.targets) {
      // The run reached both sides of every check: some cases were refused and some accepted.
      expect(t.counts.rejected, t.target).toBeGreaterThan(0);
      expect(t.counts.accepted, t.target).toBeGreaterThan(0);
    }
    expect(report.totals).toEqual({ untyped: 0, different: 0, hang: 0, crash: 0 });
  }, 900_000);
});
