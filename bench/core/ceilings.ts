/**
 * This machine's arithmetic ceilings on one core, measured so each row can show its share of them (Node only):
 *   wasm — a WebAssembly loop of independent multiply-adds (relaxed-SIMD FMA where the engine validates it, and
 *          SIMD128 mul + add), the fastest any wasm kernel here can go;
 *   native — a C loop of AVX2 FMAs, built with the system's C compiler when there is one; otherwise an estimate
 *          from the clock (2 FMA ports × 8 lanes × 2 FLOPs per cycle), labelled as such.
 */
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import wabtInit from 'wabt';
import { MADD, expandMacros } from '../../scripts/build-wasm.js';

interface Ceiling {
  gflops: number;
  /** What was measured, or how it was estimated. */
  how: string;
}

export interface Ceilings {
  wasm: Record<'relaxed' | 'simd128', Ceiling | undefined>;
  native: Ceiling;
}

/** Twelve accumulators: more than the FMA latency × ports, fewer than the 16 vector registers. */
const ACCUMULATORS = 12;

const WASM_LOOP = `
(module
  (func (export "peak") (param $n i32) (param $x f32) (result f32)
    ${Array.from({ length: ACCUMULATORS }, (_, i) => `(local $a${i} v128)`).join(' ')} (local $m v128) (local $c v128)
    (local.set $m (f32x4.splat (local.get $x)))
    (local.set $c (f32x4.splat (f32.const 0.999)))
    (block $done (loop $l
      (br_if $done (i32.eqz (local.get $n)))
      ${Array.from({ length: ACCUMULATORS }, (_, i) => `(local.set $a${i} (@madd (local.get $a${i}) (local.get $c) (local.get $m)))`).join('\n      ')}
      (local.set $n (i32.sub (local.get $n) (i32.const 1)))
      (br $l)))
    (f32x4.extract_lane 0 (f32x4.add ${Array.from({ length: ACCUMULATORS }, (_, i) => `(local.get $a${i})`).reduce((a, b) => `(f32x4.add ${a} ${b})`)} (local.get $m)))))`;

const C_LOOP = `
#include <immintrin.h>
#include <stdio.h>
#include <time.h>
int main(void) {
  __m256 a[${ACCUMULATORS}], c = _mm256_set1_ps(0.999f), m = _mm256_set1_ps(0.5f);
  for (int i = 0; i < ${ACCUMULATORS}; i++) a[i] = _mm256_set1_ps((float)i);
  long n = 100000;
  double best = 0;
  for (int r = 0; r < 40; r++) {
    struct timespec t0, t1;
    clock_gettime(CLOCK_MONOTONIC, &t0);
    for (long k = 0; k < n; k++) {
      ${Array.from({ length: ACCUMULATORS }, (_, i) => `a[${i}] = _mm256_fmadd_ps(a[${i}], c, m);`).join(' ')}
    }
    clock_gettime(CLOCK_MONOTONIC, &t1);
    double sec = (t1.tv_sec - t0.tv_sec) + (t1.tv_nsec - t0.tv_nsec) * 1e-9;
    if (n * ${ACCUMULATORS} * 16.0 / sec / 1e9 > best) best = n * ${ACCUMULATORS} * 16.0 / sec / 1e9;
  }
  float s = 0; for (int i = 0; i < ${ACCUMULATORS}; i++) s += a[i][0];
  printf("%f %f\\n", best, s);
  return 0;
}`;

async function wasmCeiling(variant: keyof typeof MADD): Promise<Ceiling | undefined> {
  const wabt = await wabtInit();
  const module = wabt.parseWat('ceiling.wat', expandMacros(`${MADD[variant]}\n${WASM_LOOP}`), {
    simd: true,
    relaxed_simd: variant === 'relaxed',
  });
  const bytes = module.toBinary({}).buffer as Uint8Array<ArrayBuffer>;
  if (!WebAssembly.validate(bytes)) return undefined;
  const peak = new WebAssembly.Instance(new WebAssembly.Module(bytes)).exports.peak as (n: number, x: number) => number;
  peak(1e5, 0.5); // tier up
  // Many short runs, best kept: on a shared machine the best is the one that had the core to itself.
  let best = 0;
  for (let r = 0; r < 40; r++) {
    const n = 2e5;
    const t = performance.now();
    peak(n, 0.5);
    best = Math.max(best, (n * ACCUMULATORS * 8) / ((performance.now() - t) * 1e6));
  }
  return {
    gflops: best,
    how: `wasm ${variant === 'relaxed' ? 'f32x4.relaxed_madd' : 'f32x4.mul + f32x4.add'} loop, ${ACCUMULATORS} accumulators, best of 40 short runs`,
  };
}

function nativeCeiling(): Ceiling {
  try {
    const dir = mkdtempSync(path.join(os.tmpdir(), 'bridgeface-ceiling-'));
    writeFileSync(path.join(dir, 'fma.c'), C_LOOP);
    execFileSync('cc', ['-O2', '-mavx2', '-mfma', '-o', path.join(dir, 'fma'), path.join(dir, 'fma.c')], {
      stdio: 'pipe',
    });
    const gflops = Number(execFileSync(path.join(dir, 'fma'), { encoding: 'utf8' }).split(' ')[0]);
    return {
      gflops,
      how: `C loop of AVX2 _mm256_fmadd_ps (cc -O2 -mavx2 -mfma), ${ACCUMULATORS} accumulators, best of 40 short runs`,
    };
  } catch (e) {
    const mhz = Number(/cpu MHz\s*:\s*([\d.]+)/.exec(safeRead('/proc/cpuinfo'))?.[1] ?? os.cpus()[0]?.speed ?? 0);
    return {
      gflops: (mhz * 32) / 1000,
      how: `estimate: ${mhz.toFixed(0)} MHz × 32 FLOP/cycle (2 AVX2 FMA ports); no C compiler probe (${String((e as Error).message).split('\n')[0]})`,
    };
  }
}

function safeRead(file: string): string {
  try {
    return readFileSync(file, 'utf8');
  } catch {
    return '';
  }
}

export async function measureCeilings(): Promise<Ceilings> {
  return {
    wasm: { relaxed: await wasmCeiling('relaxed'), simd128: await wasmCeiling('simd128') },
    native: nativeCeiling(),
  };
}
