/**
 * npm run fuzz -- [--cases N] [--seed S] [--targets weights,gallery,api] [--no-gpu] [--gpu-share F]
 *                 [--case-timeout CPU-MS] [--case-wall MS] [--time S] [--only i,j] [--json file]
 *
 * Mutated weights and gallery files and bad API calls, on the CPU and (where an adapter exists) WebGPU. Prints
 * the counts and every failure with the command that reruns it; exits 1 when any case was an untyped error, a
 * crash, a hang or a silently different result.
 */
import { writeFileSync } from 'node:fs';
import { parseArgs } from 'node:util';
import { type FuzzOptions, formatReport, runFuzz } from './runner.js';

const { values } = parseArgs({
  options: {
    cases: { type: 'string', default: '500' },
    seed: { type: 'string', default: '1' },
    targets: { type: 'string', default: 'weights,gallery,api' },
    'no-gpu': { type: 'boolean', default: false },
    'gpu-share': { type: 'string', default: '0.25' },
    'case-timeout': { type: 'string', default: '20000' },
    'case-wall': { type: 'string', default: '600000' },
    time: { type: 'string', default: '3600' },
    only: { type: 'string' },
    json: { type: 'string' },
  },
  strict: true,
});

function number(name: string, value: string, check: (n: number) => boolean): number {
  const n = Number(value);
  if (!check(n)) {
    console.error(`fuzz: --${name} ${value} is not valid`);
    process.exit(2);
  }
  return n;
}

const targets = values.targets.split(',') as FuzzOptions['targets'];
if (!targets.every((t) => ['weights', 'gallery', 'api'].includes(t))) {
  console.error(`fuzz: --targets takes weights, gallery, api; got ${values.targets}`);
  process.exit(2);
}
const options: FuzzOptions = {
  seed: number('seed', values.seed, Number.isInteger),
  cases: number('cases', values.cases, (n) => Number.isInteger(n) && n > 0),
  targets,
  gpu: !values['no-gpu'],
  gpuShare: number('gpu-share', values['gpu-share'], (n) => n >= 0 && n <= 1),
  caseTimeoutMs: number('case-timeout', values['case-timeout'], (n) => n > 0),
  caseWallMs: number('case-wall', values['case-wall'], (n) => n > 0),
  timeBudgetMs: number('time', values.time, (n) => n > 0) * 1000,
  only: values.only?.split(',').map((s) => number('only', s, (n) => Number.isInteger(n) && n >= 0)),
  onProgress: (line) => console.error(line),
};
const report = await runFuzz(options);
console.log(formatReport(report));
if (values.json) writeFileSync(values.json, JSON.stringify(report, null, 1));
process.exit(Object.values(report.totals).some((n) => n > 0) ? 1 : 0);
