// `dot4` for similarity_topk.wgsl on any adapter: the dot product of two u32s of four int8 codes each
// (little-endian bytes), by sign-extending shifts and multiplies. Exact in i32, like the built-in.

fn sext(w: u32, byte: u32) -> i32 {
  return bitcast<i32>(w << (24u - 8u * byte)) >> 24u;
}

fn dot4(a: u32, b: u32) -> i32 {
  return sext(a, 0u) * sext(b, 0u) + sext(a, 1u) * sext(b, 1u) + sext(a, 2u) * sext(b, 2u) + sext(a, 3u) * sext(b, 3u);
}
