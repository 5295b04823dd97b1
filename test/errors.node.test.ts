// Typed errors: one base class with the code outside the message, names that survive minification, and a
// worker round trip that rebuilds the class, name, code and message exactly.
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { pathToFileURL } from 'node:url';
import { build } from 'esbuild';
import { afterAll, describe, expect, it } from 'vitest';
import { deserializeError, serializeError } from '../src/api/worker-protocol.js';
import { BridgefaceError, ERROR_CLASSES } from '../src/errors.js';

const tmp = mkdtempSync(path.join(tmpdir(), 'bf-errors-'));
afterAll(() => rmSync(tmp, { recursive: true, force: true }));

const kinds = Object.entries(ERROR_CLASSES);

describe('typed errors', () => {
  it('every class carries its code as a property, not inside the message', () => {
    for (const [name, Kind] of kinds) {
      const e = new Kind('some-code' as never, 'what went wrong');
      expect(e).toBeInstanceOf(BridgefaceError);
      expect(e).toBeInstanceOf(Error);
      expect(e.name).toBe(name);
      expect(e.code).toBe('some-code');
      expect(e.message).toBe('what went wrong');
      expect(String(e)).toBe(`${name}: what went wrong`);
    }
  });

  it('a worker round trip rebuilds class, name, code and message', () => {
    for (const [name, Kind] of kinds) {
      const back = deserializeError(
        structuredClone(serializeError(new Kind('a-code' as never, 'a message: with a colon'))),
      );
      expect(back).toBeInstanceOf(Kind);
      expect(back.name).toBe(name);
      expect((back as BridgefaceError).code).toBe('a-code');
      expect(back.message).toBe('a message: with a colon');
    }
    const plain = deserializeError(serializeError(new TypeError('not ours')));
    expect(plain).not.toBeInstanceOf(BridgefaceError);
    expect([plain.name, plain.message]).toEqual(['TypeError', 'not ours']);
    expect(deserializeError(serializeError('a string')).message).toBe('a string');
  });

  it('names stay readable in a minified bundle', async () => {
    // Bundle the public entry point the way an application's bundler would, with identifiers minified.
    const out = await build({
      entryPoints: [path.resolve(import.meta.dirname, '../src/index.ts')],
      bundle: true,
      minify: true,
      format: 'esm',
      platform: 'node',
      write: false,
      external: ['webgpu', 'sharp'],
      plugins: [
        {
          name: 'wgsl-raw',
          setup(b) {
            b.onResolve({ filter: /\.wgsl\?raw$/ }, (a) => ({
              path: path.resolve(a.resolveDir, a.path.replace(/\?raw$/, '')),
              namespace: 'wgsl',
            }));
            b.onLoad({ filter: /.*/, namespace: 'wgsl' }, (a) => ({
              contents: readFileSync(a.path, 'utf8'),
              loader: 'text',
            }));
          },
        },
      ],
    });
    const file = path.join(tmp, 'bridgeface.min.mjs');
    writeFileSync(file, out.outputFiles[0].contents);
    const lib = await import(pathToFileURL(file).href);
    // The bundle really is minified: the classes' own identifiers are gone, so only literal names can survive.
    expect(lib.GalleryFormatError.name).not.toBe('GalleryFormatError');
    const error = (() => {
      try {
        lib.Gallery.load(new Uint8Array(4));
      } catch (e) {
        return e as BridgefaceError;
      }
    })();
    expect(error).toBeInstanceOf(lib.GalleryFormatError);
    expect(error?.name).toBe('GalleryFormatError');
    expect(error?.code).toBe('truncated');
    for (const name of Object.keys(ERROR_CLASSES)) {
      const Kind = lib[name] as new (code: string, message: string) => BridgefaceError;
      expect(new Kind('c', 'm').name, name).toBe(name);
    }
  }, 60_000);
});

describe('every error code is documented and used', () => {
  const root = path.resolve(import.meta.dirname, '..');
  // Comments out first: they may hold quotes and semicolons.
  const errorsTs = readFileSync(path.join(root, 'src/errors.ts'), 'utf8')
    .replace(/\/\*.*?\*\//gs, '')
    .replace(/\/\/.*$/gm, '');
  // The codes of src/errors.ts: the members of each *Code union and each BridgefaceError<'…'> class.
  const unions = [...errorsTs.matchAll(/export type \w+Code =([^;]+);/g)].map((m) => m[1]);
  const generics = [...errorsTs.matchAll(/BridgefaceError<('[^>]+')>/g)].map((m) => m[1]);
  const codes = [
    ...new Set([...unions, ...generics].flatMap((u) => [...u.matchAll(/'([a-z0-9-]+)'/g)].map((m) => m[1]))),
  ];

  it('finds the codes (the parse works)', () => {
    expect(codes).toContain('checksum-mismatch');
    expect(codes).toContain('worker-failed');
    expect(codes).toContain('bad-model'); // a union whose comments hold semicolons
    expect(codes.length).toBeGreaterThan(30);
  });

  it("README's Errors table names every code", () => {
    const readme = readFileSync(path.join(root, 'README.md'), 'utf8');
    const table = readme.slice(readme.indexOf('## Errors'), readme.indexOf('## Command line'));
    expect(codes.filter((c) => !table.includes(`\`${c}\``))).toEqual([]);
  });

  it('every code is raised somewhere in src/', () => {
    const sources = execFileSync('git', ['ls-files', 'src'], { cwd: root, encoding: 'utf8' })
      .split('\n')
      .filter((f) => f.endsWith('.ts') && f !== 'src/errors.ts')
      .map((f) => readFileSync(path.join(root, f), 'utf8'))
      .join('\n');
    expect(codes.filter((c) => !sources.includes(`'${c}'`))).toEqual([]);
  });
});
