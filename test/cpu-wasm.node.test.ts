import { readFileSync } from 'node:fs';
import { setFlagsFromString } from 'node:v8';
import { runInNewContext } from 'node:vm';
import { describe, expect, it, vi } from 'vitest';
import { assemble, expandMacros } from '../scripts/build-wasm.js';
import { buildNetwork } from '../src/model/network.js';
import { randomWeights } from '../src/model/random-weights.js';
import { CpuBackend } from '../src/runtime/cpu/backend.js';
import { WorkerPool } from '../src/runtime/cpu/worker-pool.js';

describe('the kernels module', () => {
  it('the committed modules are assembled from the current kernels.wat', async () => {
    const committed = readFileSync(new URL('../src/runtime/cpu/wasm/kernels-module.ts', import.meta.url), 'utf8');
    expect(committed).toBe(await assemble());
  });

  it('macros expand textually, nested, and reject unknown names and wrong arity', () => {
    const text =
      '(@define (@twice %x) (i32.add %x %x))\n(@define (@quad %y) (@twice (@twice %y)))\n(func (@quad (local.get $a)))';
    expect(expandMacros(text).replace(/\s+/g, ' ').trim()).toBe(
      '(func (i32.add (i32.add (local.get $a) (local.get $a)) (i32.add (local.get $a) (local.get $a))))',
    );
    expect(() => expandMacros('(f (@nope 1))')).toThrow(/unknown macro @nope/);
    expect(() => expandMacros('(@define (@one %a) %a) (f (@one 1 2))')).toThrow(/takes 1 arguments, got 2/);
  });

  it('a multi-threaded backend dropped without dispose() ends its workers once collected', async () => {
    const terminate = vi.spyOn(WorkerPool.prototype, 'terminate');
    await (async () => {
      const weights = randomWeights(2);
      const backend = await CpuBackend.create(
        { network: buildNetwork(weights), input: weights.input, tensors: weights.tensors },
        { threads: 2 },
      );
      expect(backend.adapter).toMatch(/2 threads/);
    })();
    setFlagsFromString('--expose-gc');
    const gc = runInNewContext('gc') as () => void;
    for (let i = 0; i < 50 && terminate.mock.calls.length === 0; i++) {
      gc();
      await new Promise((r) => setTimeout(r, 10));
    }
    expect(terminate).toHaveBeenCalled();
    terminate.mockRestore();
  });
});
