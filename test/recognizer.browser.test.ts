import { expect, it } from 'vitest';
import { createRecognizer } from '../src/api/recognizer.js';
import { featureLevel } from './support/gpu-harness.js';
import { cosine, randomImage, seededRandom } from './support/random.js';

it('loads the default weights by URL in the browser and embeds on WebGPU like the CPU', async () => {
  const gpu = await createRecognizer({ backend: 'webgpu', webgpu: { featureLevel: featureLevel() } });
  const cpu = await createRecognizer({ backend: 'cpu' });
  console.log(`browser WebGPU adapter: ${gpu.info.adapter}`);
  expect(gpu.info.backend).toBe('webgpu');
  expect(gpu.info.parameters).toBe(cpu.info.parameters);
  const random = seededRandom(8);
  const faces = [randomImage(random, 24, 24), randomImage(random, 100, 80)];
  const [a, b] = [await gpu.embed(faces), await cpu.embed(faces)];
  a.forEach((e, i) => expect(cosine(e, b[i])).toBeGreaterThanOrEqual(0.99999));
  gpu.dispose();
});
