// `dot4` for similarity_topk.wgsl where the packed_4x8_integer_dot_product language feature compiles: the
// built-in dot4I8Packed (one DP4A instruction on GPUs that have it). The same exact integer result as
// dot4_portable.wgsl; gallery search prefers this variant and falls back to that one.

fn dot4(a: u32, b: u32) -> i32 {
  return dot4I8Packed(a, b);
}
