/**
 * Weights sources (issue 13): paths and URLs are read with a size limit, never from a device or a FIFO; `data:`
 * URLs are URLs in Node too; bytes of the wrong type are named, not stringified, in the error.
 */
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, truncateSync, writeFileSync } from 'node:fs';
import { type Server, createServer } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createRecognizer } from '../../src/api/recognizer.js';
import { MAX_WEIGHTS_BYTES, loadWeightsBytes } from '../../src/api/weights-source.js';
import { InputError } from '../../src/errors.js';

const golden = new URL('../fixtures/golden.bfw', import.meta.url);
const dir = mkdtempSync(join(tmpdir(), 'bridgeface-weights-'));
let server: Server;
let base: string;

beforeAll(async () => {
  // /endless: a body that never ends, no Content-Length; /declared: a Content-Length over the limit.
  server = createServer((req, res) => {
    if (req.url === '/declared') {
      res.writeHead(200, { 'content-length': String(MAX_WEIGHTS_BYTES + 1) });
      res.write(new Uint8Array(1024));
      return;
    }
    res.writeHead(200);
    const chunk = new Uint8Array(1 << 20);
    const pump = () => {
      while (res.write(chunk)) if (res.destroyed) return;
      res.once('drain', pump);
    };
    res.on('close', () => res.removeAllListeners('drain'));
    pump();
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const address = server.address();
  base = `http://127.0.0.1:${typeof address === 'object' && address ? address.port : 0}`;
});
afterAll(() => {
  server?.closeAllConnections();
  server?.close();
  rmSync(dir, { recursive: true, force: true });
});

async function unreadable(work: Promise<unknown>): Promise<InputError> {
  const error = await work.then(
    () => undefined,
    (e: unknown) => e,
  );
  expect(error).toBeInstanceOf(InputError);
  expect((error as InputError).code).toBe('unreadable');
  return error as InputError;
}

describe('weights from a path', () => {
  it('refuses /dev/zero and a FIFO at once (not a regular file), without blocking or reading', async () => {
    expect((await unreadable(loadWeightsBytes('/dev/zero'))).message).toMatch(/not a regular file/);
    const fifo = join(dir, 'fifo');
    execFileSync('mkfifo', [fifo]);
    expect((await unreadable(loadWeightsBytes(fifo))).message).toMatch(/not a regular file/);
  });

  it('refuses a file over the limit before reading it, and reads one under it', async () => {
    const big = join(dir, 'big.bfw');
    writeFileSync(big, '');
    truncateSync(big, MAX_WEIGHTS_BYTES + 1); // sparse: nothing is written
    expect((await unreadable(loadWeightsBytes(big))).message).toMatch(/limit/);
    expect(await loadWeightsBytes(golden.pathname)).toEqual(new Uint8Array(readFileSync(golden)));
    await unreadable(loadWeightsBytes(join(dir, 'missing.bfw')));
  });
});

describe('weights from a URL', () => {
  it('cancels a body that grows past the limit, and refuses a declared length over it', async () => {
    expect((await unreadable(loadWeightsBytes(`${base}/endless`))).message).toMatch(/limit/);
    expect((await unreadable(loadWeightsBytes(new URL(`${base}/declared`)))).message).toMatch(/limit/);
  });

  it('reads data: URLs as URLs in Node (they are not paths), and keeps their content out of messages', async () => {
    const bytes = readFileSync(golden);
    const url = `data:application/octet-stream;base64,${bytes.toString('base64')}`;
    expect(await loadWeightsBytes(url)).toEqual(new Uint8Array(bytes));
    const rec = await createRecognizer({ backend: 'cpu', weights: url });
    expect(rec.info.inputSize).toBe(9);
    rec.dispose();
    const error = await createRecognizer({ backend: 'cpu', weights: 'data:text/plain,notweights' }).then(
      () => undefined,
      (e: unknown) => e,
    );
    expect(error).toBeInstanceOf(Error);
    expect((error as Error).message).not.toMatch(/ENOENT/);
  });
});

describe('weights of the wrong type', () => {
  it('a Float32Array is named by type and size, not stringified into the message', async () => {
    const weights = new Float32Array(100_000).fill(0.123);
    const error = await createRecognizer({ backend: 'cpu', weights: weights as unknown as Uint8Array }).then(
      () => undefined,
      (e: unknown) => e,
    );
    expect(error).toBeInstanceOf(InputError);
    expect((error as InputError).code).toBe('bad-option');
    expect((error as InputError).message).toMatch(/Float32Array of 400000 bytes/);
    expect((error as InputError).message.length).toBeLessThan(300);
  });
});
