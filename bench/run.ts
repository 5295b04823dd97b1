/**
 * `npm run bench [-- --quick] [--env a,b] [--rows id,id] [--out dir]`
 *
 * Runs the student on bridgeface (WebGPU, CPU) and on peer runtimes (ONNX Runtime Web, TensorFlow.js, gpu.js,
 * plus face-api's teacher for context) in headless Chromium (SwiftShader core adapter, llvmpipe compatibility
 * adapter) and in Node (Dawn), validates each row against bridgeface's CPU path, then times it. Prints a table,
 * writes bench/results/<machine>-<date>[-quick].json and a chart (SVG + PNG).
 */
import { execFileSync, spawn } from 'node:child_process';
import { createHash } from 'node:crypto';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { createServer as createNetServer } from 'node:net';
import os from 'node:os';
import { dirname, join, relative } from 'node:path';
import { fileURLToPath } from 'node:url';
import { Command } from 'commander';
import { CHROMIUM_PATH, SWIFTSHADER_ICD } from '../scripts/chromium-webgpu.js';
import { readWeights } from '../src/model/weights-format.js';
import { BROWSER_ENVIRONMENTS, CHROMIUM_BASE_ARGS } from './browser/environments.js';
import type { EnvironmentResult, SuiteConfig } from './core/types.js';
import { exportOnnx } from './export/onnx.js';
import { markdownSummary, renderChart, summaryTable, targets } from './report.js';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const NODE_ENVS = ['node-swiftshader', 'node-gles'];
const ALL_ENVS = ['chromium-swiftshader', 'chromium-llvmpipe', ...NODE_ENVS];

const cli = new Command('npm run bench --')
  .description('faces/s of the student on bridgeface and peer runtimes, validated before timed')
  .option('--quick', 'batch 1 and 64, 32 px only, 3 iterations (≈ 2–3 min)', false)
  .option(
    '--env <list>',
    `comma-separated environments (${ALL_ENVS.join(', ')})`,
    (v: string) => v.split(','),
    ALL_ENVS,
  )
  .option('--rows <list>', 'comma-separated row ids (default: every row of each environment)', (v: string) =>
    v.split(','),
  )
  .option('--iterations <n>', 'timed iterations per measurement', Number)
  .option(
    '--relaxed-simd',
    "Node environments with V8's relaxed SIMD on (--experimental-wasm-relaxed-simd; Node 20 has it off)",
    false,
  )
  .option(
    '--weights <file>',
    "a student other than weights/student.bfw (Node environments only: ONNX Runtime's speed depends on the weight values)",
  )
  .option('--out <dir>', 'where the JSON, Markdown and chart go', join(root, 'bench', 'results'))
  .parse();
const opts = cli.opts<{
  quick: boolean;
  env: string[];
  rows?: string[];
  iterations?: number;
  out: string;
  relaxedSimd: boolean;
  weights?: string;
}>();
const weightsPath = opts.weights ?? join(root, 'weights', 'student.bfw');
if (opts.weights && opts.env.some((e) => !NODE_ENVS.includes(e)))
  cli.error(
    `--weights takes Node environments only (${NODE_ENVS.join(', ')}): the browser pages load weights/student.bfw`,
  );
const quick = opts.quick;
const config: SuiteConfig = quick
  ? {
      quick,
      batches: [1, 64],
      sides: [32],
      iterations: 3,
      minIterations: 3,
      latencyIterations: 5,
      warmup: 1,
      capSeconds: 4,
      batchingGainGuess: 4,
      rowBudgetSeconds: 15,
      validationFaces: 4,
      pairedRounds: 3,
      rows: [],
    }
  : {
      quick,
      batches: [1, 8, 64, 256, 1024],
      sides: [32, 16],
      secondarySideBatches: [1, 64],
      iterations: 20,
      minIterations: 5,
      latencyIterations: 50,
      warmup: 2,
      capSeconds: 10,
      batchingGainGuess: 8,
      rowBudgetSeconds: 45,
      validationFaces: 8,
      pairedRounds: 10,
      rows: [],
    };
if (opts.rows) config.rows = opts.rows;
if (opts.iterations) config.iterations = opts.iterations;
const envs = opts.env;
const outDir = opts.out;

const log = (s: string) => process.stdout.write(`${s}\n`);

async function freePort(): Promise<number> {
  return new Promise((resolve) => {
    const s = createNetServer();
    s.listen(0, '127.0.0.1', () => {
      const port = (s.address() as { port: number }).port;
      s.close(() => resolve(port));
    });
  });
}

async function runNode(env: string, configPath: string, tmp: string): Promise<EnvironmentResult> {
  const out = join(tmp, `${env}.json`);
  const childEnv: NodeJS.ProcessEnv = { ...process.env, BRIDGEFACE_WEIGHTS: weightsPath };
  if (env === 'node-swiftshader' && existsSync(SWIFTSHADER_ICD)) childEnv.VK_ICD_FILENAMES = SWIFTSHADER_ICD;
  await new Promise<void>((resolve, reject) => {
    const flags = opts.relaxedSimd ? ['--experimental-wasm-relaxed-simd'] : [];
    const child = spawn(
      process.execPath,
      [
        ...flags,
        '--expose-gc',
        '--import',
        'tsx',
        '--import',
        './scripts/register-wgsl.mjs',
        'bench/node/main.ts',
        env,
        configPath,
        out,
      ],
      {
        cwd: root,
        env: childEnv,
        stdio: ['ignore', 'pipe', 'pipe'],
      },
    );
    const forward = (chunk: Buffer) => {
      for (const line of chunk.toString().split('\n')) {
        if (line.trim() && !/looks like you are running TensorFlow|tfjs-node|^=+$|artificially reduced/.test(line))
          log(`  ${line}`);
      }
    };
    child.stdout.on('data', forward);
    child.stderr.on('data', forward);
    child.on('exit', (code) => (code === 0 ? resolve() : reject(new Error(`${env} exited with ${code}`))));
  });
  return JSON.parse(readFileSync(out, 'utf8')) as EnvironmentResult;
}

async function runBrowsers(names: string[]): Promise<{ results: EnvironmentResult[]; version?: string }> {
  const { createServer } = await import('vite');
  const { chromium } = await import('playwright');
  const port = await freePort();
  const server = await createServer({
    root,
    configFile: false,
    logLevel: 'error',
    server: { host: '127.0.0.1', port, strictPort: true, hmr: false },
    // A cache of our own: the tests and the demo share node_modules/.vite, and a re-optimisation mid-run breaks
    // every module already imported. No discovery: the list below is complete, so nothing is re-bundled later.
    cacheDir: join(root, 'bench', '.cache', 'vite'),
    optimizeDeps: {
      noDiscovery: true,
      entries: ['bench/browser/index.html'],
      include: [
        'crc-32',
        '@tensorflow/tfjs',
        '@tensorflow/tfjs-backend-wasm',
        '@tensorflow/tfjs-backend-webgpu',
        'gpu.js',
        'onnxruntime-web/all',
        '@vladmandic/face-api/dist/face-api.esm-nobundle.js',
      ],
    },
  });
  await server.listen();
  const results: EnvironmentResult[] = [];
  let version: string | undefined;
  try {
    for (const name of names) {
      const env = BROWSER_ENVIRONMENTS[name];
      const browser = await chromium.launch({
        executablePath: CHROMIUM_PATH,
        headless: true,
        args: [...CHROMIUM_BASE_ARGS, ...env.args],
      });
      version = browser.version();
      try {
        const page = await browser.newPage();
        page.on('console', (m) => {
          const t = m.text();
          if (t.startsWith('[') && !t.includes('GL Driver Message')) log(`  ${t}`);
        });
        page.on('pageerror', (e) => log(`  [${name}] page error: ${e.message}`));
        await page.goto(`http://127.0.0.1:${port}/bench/browser/index.html`);
        await page.waitForFunction(
          () => (window as unknown as { benchReady?: boolean }).benchReady === true,
          undefined,
          { timeout: 120_000 },
        );
        const result = (await page.evaluate(
          ([n, c]) =>
            (window as unknown as { runBench: (a: string, b: SuiteConfig) => Promise<EnvironmentResult> }).runBench(
              n,
              c,
            ),
          [name, config] as const,
        )) as EnvironmentResult;
        results.push(result);
      } catch (e) {
        log(`  [${name}] failed: ${(e as Error).message}`);
      } finally {
        await browser.close();
      }
    }
  } finally {
    await server.close();
  }
  return { results, version };
}

function machine() {
  const cpus = os.cpus();
  const git = (args: string[]) => {
    try {
      return execFileSync('git', args, { cwd: root }).toString().trim();
    } catch {
      return undefined;
    }
  };
  return {
    hostname: os.hostname(),
    cpu: cpus[0]?.model,
    cores: cpus.length,
    memoryGiB: Math.round(os.totalmem() / 2 ** 30),
    platform: `${os.type()} ${os.release()} ${os.arch()}`,
    node: process.version,
    gpu: 'none (software adapters: SwiftShader, Mesa llvmpipe)',
    commit: git(['rev-parse', '--short', 'HEAD']),
    dirty: (git(['status', '--porcelain', '--', 'src', 'weights']) ?? '').length > 0,
  };
}

async function main() {
  const t0 = Date.now();
  const loadBefore = os.loadavg();
  const gitBefore = machine();
  const weightsBytes = readFileSync(weightsPath);
  const weights = readWeights(weightsBytes);
  // Exports of the student that the peers load (generated on the fly; cached copies for inspection).
  const cache = join(root, 'bench', '.cache');
  mkdirSync(cache, { recursive: true });
  for (const side of config.sides)
    writeFileSync(join(cache, `student-rgba${side}.onnx`), exportOnnx(weights, { side }));
  const tmp = mkdtempSync(join(os.tmpdir(), 'bridgeface-bench-'));
  const configPath = join(tmp, 'config.json');
  writeFileSync(configPath, JSON.stringify(config));
  log(
    `bridgeface bench${quick ? ' --quick (batch 1 and 64, 32 px only, 3 iterations, 4 s cap per measurement; CPU peers in Chromium only)' : ''}: ${envs.join(', ')}`,
  );
  log(`load average before: ${loadBefore.map((l) => l.toFixed(2)).join(' ')} on ${os.cpus().length} cores`);

  const results: EnvironmentResult[] = [];
  const browserEnvs = envs.filter((e) => e in BROWSER_ENVIRONMENTS);
  let chromiumVersion: string | undefined;
  if (browserEnvs.length > 0) {
    const b = await runBrowsers(browserEnvs);
    results.push(...b.results);
    chromiumVersion = b.version;
  }
  for (const env of envs.filter((e) => NODE_ENVS.includes(e))) {
    try {
      results.push(await runNode(env, configPath, tmp));
    } catch (e) {
      log(`  [${env}] failed: ${(e as Error).message}`);
    }
  }
  const loadAfter = os.loadavg();
  const date = new Date().toISOString().slice(0, 10);
  const m = machine();
  const base = `${m.hostname.replace(/[^a-zA-Z0-9_-]/g, '_')}-${date}${quick ? '-quick' : ''}`;
  const report = {
    command: `npm run bench${quick ? ' -- --quick' : ''}`,
    date: new Date().toISOString(),
    seconds: (Date.now() - t0) / 1000,
    machine: {
      ...m,
      commit: gitBefore.commit,
      dirty: gitBefore.dirty,
      // Others commit to src/ while a run is in progress: then environments may have run different code.
      commitAfter:
        m.commit !== gitBefore.commit || m.dirty !== gitBefore.dirty
          ? `${m.commit}${m.dirty ? ' (dirty)' : ''}`
          : undefined,
      chromium: chromiumVersion,
      loadAverageBefore: loadBefore,
      loadAverageAfter: loadAfter,
    },
    config,
    model: {
      weights: opts.weights ?? 'weights/student.bfw',
      sha256: createHash('sha256').update(weightsBytes).digest('hex'),
      trained: weights.provenance.trained === true,
      parameters: results[0]?.parameters,
      macsPerFace: results[0]?.macsPerFace,
      flopsPerFace: results[0] ? results[0].macsPerFace * 2 : undefined,
    },
    environments: results,
    targets: targets(results),
  };
  mkdirSync(outDir, { recursive: true });
  writeFileSync(join(outDir, `${base}.json`), `${JSON.stringify(report, null, 2)}\n`);
  writeFileSync(join(outDir, `${base}.md`), `${markdownSummary(report)}\n`);
  const svg = renderChart(report);
  writeFileSync(join(outDir, `${base}.svg`), svg);
  try {
    const sharp = (await import('sharp')).default;
    await sharp(Buffer.from(svg))
      .png()
      .toFile(join(outDir, `${base}.png`));
  } catch (e) {
    log(`(PNG not written: ${(e as Error).message})`);
  }
  log('');
  log(summaryTable(report));
  log(
    `\nwrote ${relative(root, join(outDir, base))}.json, .md, .svg, .png in ${report.seconds.toFixed(0)} s; load average after: ${loadAfter.map((l) => l.toFixed(2)).join(' ')}`,
  );
}

main().catch((e) => {
  console.error(e);
  process.exit(1);
});
