// Builds the demo's sample gallery from an LFW deep-funneled copy: 12 people × 3 photos, each downscaled from
// 250×250 to 125×125 (the LFW framing is kept, so the loose face box of the framing still applies) and saved
// as JPEG q88 (~5 KB each). Run: node demo/make-samples.mjs <data-root-with-lfw/>
import { mkdirSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import sharp from 'sharp';

const root = process.argv[2] ?? process.env.BRIDGEFACE_DATA;
if (!root) throw new Error('usage: node demo/make-samples.mjs <data root that holds lfw/images>');
const people = [
  'George_W_Bush',
  'Colin_Powell',
  'Tony_Blair',
  'Serena_Williams',
  'Hugo_Chavez',
  'Junichiro_Koizumi',
  'Jennifer_Capriati',
  'Gloria_Macapagal_Arroyo',
  'Vladimir_Putin',
  'Laura_Bush',
  'Arnold_Schwarzenegger',
  'Jacques_Chirac',
];
const out = path.join(path.dirname(new URL(import.meta.url).pathname), 'public', 'samples');
mkdirSync(out, { recursive: true });
const manifest = [];
for (const name of people) {
  for (const i of [1, 2, 3]) {
    const file = `${name}_${String(i).padStart(4, '0')}.jpg`;
    await sharp(path.join(root, 'lfw', 'images', name, file))
      .resize(125, 125, { kernel: 'cubic' })
      .jpeg({ quality: 88 })
      .toFile(path.join(out, file));
    manifest.push({ file, label: name.replaceAll('_', ' '), role: i < 3 ? 'enroll' : 'probe' });
  }
}
writeFileSync(
  path.join(out, 'samples.json'),
  `${JSON.stringify(
    {
      source:
        'LFW deep-funneled (Huang et al., UMass Amherst TR 07-49, 2007; Huang et al., NIPS 2012), images 1–3 of 12 people, downscaled to 125×125',
      faces: manifest,
    },
    null,
    1,
  )}\n`,
);
console.log(`wrote ${manifest.length} faces to ${out}`);
