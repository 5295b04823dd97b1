// `--mirror` on the CLI: embed and verify use the API's mirror averaging (embed(faces, { mirror: true })).
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { prepareFace } from '../../src/api/prepare.js';
import { createRecognizer } from '../../src/api/recognizer.js';
import { decodeImage } from '../../src/cli/images.js';
import { runCli } from '../../src/cli/main.js';

const sample = fileURLToPath(new URL('../../demo/public/samples/Colin_Powell_0001.jpg', import.meta.url));
const other = fileURLToPath(new URL('../../demo/public/samples/Colin_Powell_0002.jpg', import.meta.url));

async function cli(...argv: string[]) {
  let stdout = '';
  const code = await runCli(argv, { stdout: (t) => (stdout += t), stderr: () => undefined });
  return { code, stdout };
}

describe('bridgeface --mirror', () => {
  it('embed --mirror prints the mirror-averaged embedding; verify --mirror scores with it', async () => {
    const plain = JSON.parse((await cli('embed', sample, '--backend', 'cpu', '--size', '16')).stdout).embeddings[0]
      .embedding;
    const mirrored = JSON.parse((await cli('embed', sample, '--backend', 'cpu', '--size', '16', '--mirror')).stdout)
      .embeddings[0].embedding;
    const rec = await createRecognizer({ backend: 'cpu' });
    const face = prepareFace(await decodeImage(sample), rec.weights.input, { size: 16, framing: 'framed' });
    const [expected] = await rec.embed([face], { mirror: true });
    expect(Math.max(...mirrored.map((v: number, i: number) => Math.abs(v - expected[i])))).toBeLessThan(1e-6);
    expect(Math.max(...mirrored.map((v: number, i: number) => Math.abs(v - plain[i])))).toBeGreaterThan(1e-4);
    const v = JSON.parse(
      (await cli('verify', sample, other, '--backend', 'cpu', '--size', '16', '--mirror', '--json')).stdout,
    );
    const [a, b] = await rec.embed(
      await Promise.all(
        [sample, other].map(async (f) =>
          prepareFace(await decodeImage(f), rec.weights.input, { size: 16, framing: 'framed' }),
        ),
      ),
      { mirror: true },
    );
    expect(v.similarity).toBeCloseTo(rec.similarity(a, b), 6);
    rec.dispose();
  });
});
