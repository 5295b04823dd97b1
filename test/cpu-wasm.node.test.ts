import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { assemble, expandMacros } from '../scripts/build-wasm.js';

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
});
