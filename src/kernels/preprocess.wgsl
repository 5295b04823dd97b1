// RGBA8 images of any size (each with a source box) → S×S resize (area or bilinear) → normalised planar RGB.
// One invocation per output pixel of each face. Arithmetic: docs/weights-format.md, "Preprocessing".
// CPU reference: runtime/cpu/preprocess.ts. Structs PreprocessParams and Image: runtime/gpu/kernels.ts.

@group(0) @binding(0) var<uniform> P: PreprocessParams;
@group(0) @binding(1) var<storage, read> pixels: array<u32>;
@group(0) @binding(2) var<storage, read> images: array<Image>;
@group(0) @binding(3) var<storage, read_write> y: array<f32>;

fn rgb(img: Image, ix: i32, iy: i32) -> vec3<f32> {
  let cx = u32(clamp(ix, 0, i32(img.width) - 1));
  let cy = u32(clamp(iy, 0, i32(img.height) - 1));
  return unpack4x8unorm(pixels[img.offset + cy * img.width + cx]).rgb * 255.0;
}

// Weight of source pixel j (of 0..last) for the output span [a, b): pixel 0 also covers everything left of the
// image and the last pixel everything right of it, so the loops below visit only pixels inside the image and cost
// what the image costs, whatever the box (CPU reference: runtime/resize.ts, resizeTaps).
fn area_weight(j: i32, last: i32, a: f32, b: f32, scale: f32) -> f32 {
  let left = select(max(a, f32(j)), a, j == 0);
  let right = select(min(b, f32(j + 1)), b, j == last);
  return (right - left) / scale;
}

fn area(img: Image, ox: u32, oy: u32) -> vec3<f32> {
  let scale = img.box.zw / f32(P.size);
  let a = img.box.xy + vec2<f32>(f32(ox), f32(oy)) * scale;
  let b = a + scale;
  let last = vec2<i32>(i32(img.width) - 1, i32(img.height) - 1);
  let lo = clamp(vec2<i32>(floor(a)), vec2<i32>(0), last);
  let hi = clamp(vec2<i32>(ceil(b)) - 1, vec2<i32>(0), last);
  var acc = vec3<f32>(0.0);
  for (var jy = lo.y; jy <= hi.y; jy++) {
    let wy = area_weight(jy, last.y, a.y, b.y, scale.y);
    if (wy <= 0.0) { continue; }
    for (var jx = lo.x; jx <= hi.x; jx++) {
      let wx = area_weight(jx, last.x, a.x, b.x, scale.x);
      if (wx <= 0.0) { continue; }
      acc += (wy * wx) * rgb(img, jx, jy);
    }
  }
  return acc;
}

fn bilinear(img: Image, ox: u32, oy: u32) -> vec3<f32> {
  let scale = img.box.zw / f32(P.size);
  let limit = vec2<f32>(f32(img.width - 1u), f32(img.height - 1u));
  let u = clamp(img.box.xy + (vec2<f32>(f32(ox), f32(oy)) + 0.5) * scale - 0.5, vec2<f32>(0.0), limit);
  let j = vec2<i32>(floor(u));
  let f = u - floor(u);
  let top = (1.0 - f.x) * rgb(img, j.x, j.y) + f.x * rgb(img, j.x + 1, j.y);
  let bottom = (1.0 - f.x) * rgb(img, j.x, j.y + 1) + f.x * rgb(img, j.x + 1, j.y + 1);
  return (1.0 - f.y) * top + f.y * bottom;
}

@compute @workgroup_size(WG)
fn main(@builtin(workgroup_id) wid: vec3<u32>, @builtin(num_workgroups) nwg: vec3<u32>,
        @builtin(local_invocation_index) lid: u32) {
  let i = flat_index(wid, nwg, lid);
  let plane = P.size * P.size;
  if (i >= P.count * plane) { return; }
  let n = i / plane;
  let ox = i % P.size;
  let oy = (i / P.size) % P.size;
  let img = images[n];
  var v: vec3<f32>;
  if (P.bilinear == 1u) { v = bilinear(img, ox, oy); } else { v = area(img, ox, oy); }
  let normed = (v / 255.0 - P.mean.xyz) * P.inv_std.xyz;
  let base = n * 3u * plane + oy * P.size + ox;
  y[base] = normed.x;
  y[base + plane] = normed.y;
  y[base + 2u * plane] = normed.z;
}
