// A/B: Gallery.load of a 1,000,000-row v1 file, old reader (no value checks) vs new (every row checked).
import { Gallery as Old } from '/tmp/old/src/api/gallery.ts';
import { Gallery as New } from '/work/wt-h13/src/api/gallery.ts';
const rows = Number(process.argv[2] ?? 1_000_000);
let s = 1;
const rnd = () => ((s = (s * 16807) % 2147483647) / 2147483647) * 2 - 1;
const g = new Old({ dim: 128, search: 'cpu' });
const v = new Float32Array(128);
for (let i = 0; i < rows; i++) {
  for (let j = 0; j < 128; j++) v[j] = rnd();
  g.add(`p${i % 50000}`, v);
}
const v1 = g.save();
const v2 = new New({ dim: 128 }); // for a v2 file: load v1 with the new reader and save
const fileV2 = New.load(v1, { search: 'cpu' }).save();
for (let round = 0; round < 3; round++) {
  let t = performance.now(); Old.load(v1, { search: 'cpu' }); const a = performance.now() - t;
  t = performance.now(); New.load(v1, { search: 'cpu' }); const b = performance.now() - t;
  t = performance.now(); New.load(fileV2, { search: 'cpu' }); const c = performance.now() - t;
  console.log(`round ${round}: old v1 ${a.toFixed(0)} ms, new v1 ${b.toFixed(0)} ms, new v2 ${c.toFixed(0)} ms (${(v1.length / 2 ** 20).toFixed(0)} MiB)`);
}
void v2;
