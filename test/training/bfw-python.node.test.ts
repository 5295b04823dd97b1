// The Python writer/reader (training/bridgeface_train/bfw.py) and the TypeScript reader agree on the format:
// Python reads the golden file to the same tensors, and a file Python writes loads in TypeScript unchanged, the
// architecture candidates (bridgeface_train/candidates.py: dsc and ir blocks, a head) included.
import { execFileSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { describe, expect, it } from 'vitest';
import { parameterCount } from '../../src/model/architecture.js';
import { buildNetwork } from '../../src/model/network.js';
import { readWeights } from '../../src/tools.js';
import { NO_TORCH, hasTorch, python, repoRoot } from './helpers.js';

const golden = path.join(repoRoot, 'test/fixtures/golden.bfw');
const ok = hasTorch() && fs.existsSync(golden);
if (!ok) console.warn(`[bfw-python] skipped: ${hasTorch() ? 'test/fixtures/golden.bfw missing' : NO_TORCH}`);

describe.skipIf(!ok)('bfw.py ⇄ TypeScript weights format', () => {
  it('round-trips the golden file through Python', () => {
    const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'bf-bfw-'));
    const out = path.join(tmp, 'py.bfw');
    const script = [
      'import sys, json',
      'from bridgeface_train.bfw import read_bfw, write_bfw',
      'h, t = read_bfw(sys.argv[1])',
      'dtype = h["tensors"][0]["dtype"]',
      'h = {k: v for k, v in h.items() if k != "tensors"}',
      'write_bfw(sys.argv[2], h, t, dtype=dtype)',
      'print(json.dumps({k: [float(x) for x in v.ravel()[:4]] for k, v in t.items()}))',
    ].join('\n');
    const firsts = JSON.parse(
      execFileSync(python, ['-c', script, golden, out], {
        cwd: repoRoot,
        env: { ...process.env, PYTHONPATH: path.join(repoRoot, 'training') },
        encoding: 'utf8',
      }),
    );
    const a = readWeights(fs.readFileSync(golden));
    const b = readWeights(fs.readFileSync(out));
    expect(b.architecture).toEqual(a.architecture);
    expect([...b.tensors.keys()]).toEqual([...a.tensors.keys()]);
    for (const [name, t] of a.tensors) {
      expect(Array.from(b.tensors.get(name)!)).toEqual(Array.from(t));
      expect(firsts[name]).toEqual(Array.from(t.slice(0, 4)));
    }
    fs.rmSync(tmp, { recursive: true, force: true });
  });

  it('writes version 2 byte for byte as TypeScript does, reads version 1, and refuses a changed header', () => {
    const script = [
      'import sys',
      'from bridgeface_train.bfw import BfwError, read_bfw, write_bfw',
      'h, t = read_bfw(sys.argv[1])',
      'same = write_bfw("", {k: v for k, v in h.items() if k != "tensors"}, t) == open(sys.argv[1], "rb").read()',
      'h1, t1 = read_bfw(sys.argv[2])',
      'b = bytearray(open(sys.argv[1], "rb").read())',
      'b[40] ^= 1',
      'try:',
      '    read_bfw(bytes(b)); refused = False',
      'except BfwError:',
      '    refused = True',
      'print(same, h1["thresholds"] == {"far_1e-2": 0.5, "far_1e-3": 0.75}, all((t1[k] == t[k]).all() for k in t), refused)',
    ].join('\n');
    const out = execFileSync(python, ['-c', script, golden, path.join(repoRoot, 'test/fixtures/golden-v1.bfw')], {
      cwd: repoRoot,
      env: { ...process.env, PYTHONPATH: path.join(repoRoot, 'training') },
      encoding: 'utf8',
    });
    expect(out.trim()).toBe('True True True True');
  });

  it('reads every architecture candidate Python writes as written, with its parameter and MAC counts', () => {
    const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'bf-cand-'));
    const script = [
      'import json, os, sys',
      'from bridgeface_train.candidates import CANDIDATES, params, write_candidate',
      'from bridgeface_train.model import Student, count_macs',
      'for k, a in CANDIDATES.items():',
      '    write_candidate(os.path.join(sys.argv[1], k + ".bfw"), k, Student(a))',
      'print(json.dumps({k: {"arch": a, "params": params(a), "macs": count_macs(a)} for k, a in CANDIDATES.items()}))',
    ].join('\n');
    const candidates: Record<string, { arch: unknown; params: number; macs: number }> = JSON.parse(
      execFileSync(python, ['-c', script, tmp], {
        cwd: repoRoot,
        env: { ...process.env, PYTHONPATH: path.join(repoRoot, 'training') },
        encoding: 'utf8',
      }),
    );
    const names = Object.keys(candidates);
    expect(names).toEqual(expect.arrayContaining(['v1', 'ir', 'ir-head']));
    for (const name of names) {
      const w = readWeights(fs.readFileSync(path.join(tmp, `${name}.bfw`)));
      expect(w.architecture, name).toEqual(candidates[name].arch);
      expect(parameterCount(w.architecture), name).toBe(candidates[name].params);
      expect(buildNetwork(w).macsPerFace, name).toBe(candidates[name].macs);
    }
    fs.rmSync(tmp, { recursive: true, force: true });
  });
});
