;; The CPU backend's WebAssembly SIMD kernels (runtime/cpu/simd.ts); the JavaScript ops beside them are the reference.
;;
;; pointwise: 1×1 convolution of one face: out[o][p] = act(b[o] + Σc W[o][c]·x[c][p]) (+ res[o][p]).
;; x is [C][P] (one NCHW face), w is the transposed weight [C][O], out is [O][P]; all f32 in linear memory.
;; Needs O % 4 == 0 and P % 8 == 0. Each inner step multiplies two 4-pixel vectors of x by four broadcast
;; weights, updating 4 output channels × 8 pixels held in eight v128 registers (the same register blocking
;; as kernels/pointwise_vec4.wgsl). act: 0 none, 1 ReLU, 2 PReLU with per-channel slopes at $alpha; $res is a
;; residual laid out like out, or 0 for none.
(module
  (memory (export "memory") 1)
  (func (export "pointwise")
    (param $x i32) (param $w i32) (param $b i32) (param $out i32)
    (param $C i32) (param $O i32) (param $P i32)
    (param $act i32) (param $alpha i32) (param $res i32)
    (local $o i32) (local $p i32) (local $c i32)
    (local $xp i32) (local $wp i32) (local $op i32)
    (local $rowx i32) (local $roww i32) (local $rowo i32)
    (local $xa v128) (local $xb v128)
    (local $w0 v128) (local $w1 v128) (local $w2 v128) (local $w3 v128)
    (local $a0 v128) (local $a1 v128) (local $a2 v128) (local $a3 v128)
    (local $a4 v128) (local $a5 v128) (local $a6 v128) (local $a7 v128)
    (local.set $rowx (i32.shl (local.get $P) (i32.const 2)))
    (local.set $roww (i32.shl (local.get $O) (i32.const 2)))
    (local.set $rowo (local.get $rowx))
    (local.set $o (i32.const 0))
    (block $o_done
      (loop $o_loop
        (br_if $o_done (i32.ge_u (local.get $o) (local.get $O)))
        (local.set $p (i32.const 0))
        (block $p_done
          (loop $p_loop
            (br_if $p_done (i32.ge_u (local.get $p) (local.get $P)))
            ;; accumulators start at the biases of channels o .. o+3
            (local.set $wp (i32.add (local.get $b) (i32.shl (local.get $o) (i32.const 2))))
            (local.set $a0 (v128.load32_splat (local.get $wp)))
            (local.set $a1 (local.get $a0))
            (local.set $a2 (v128.load32_splat offset=4 (local.get $wp)))
            (local.set $a3 (local.get $a2))
            (local.set $a4 (v128.load32_splat offset=8 (local.get $wp)))
            (local.set $a5 (local.get $a4))
            (local.set $a6 (v128.load32_splat offset=12 (local.get $wp)))
            (local.set $a7 (local.get $a6))
            (local.set $xp (i32.add (local.get $x) (i32.shl (local.get $p) (i32.const 2))))
            (local.set $wp (i32.add (local.get $w) (i32.shl (local.get $o) (i32.const 2))))
            (local.set $c (local.get $C))
            (block $c_done
              (loop $c_loop
                (br_if $c_done (i32.eqz (local.get $c)))
                (local.set $xa (v128.load (local.get $xp)))
                (local.set $xb (v128.load offset=16 (local.get $xp)))
                (local.set $w0 (v128.load32_splat (local.get $wp)))
                (local.set $w1 (v128.load32_splat offset=4 (local.get $wp)))
                (local.set $w2 (v128.load32_splat offset=8 (local.get $wp)))
                (local.set $w3 (v128.load32_splat offset=12 (local.get $wp)))
                (local.set $a0 (f32x4.add (local.get $a0) (f32x4.mul (local.get $w0) (local.get $xa))))
                (local.set $a1 (f32x4.add (local.get $a1) (f32x4.mul (local.get $w0) (local.get $xb))))
                (local.set $a2 (f32x4.add (local.get $a2) (f32x4.mul (local.get $w1) (local.get $xa))))
                (local.set $a3 (f32x4.add (local.get $a3) (f32x4.mul (local.get $w1) (local.get $xb))))
                (local.set $a4 (f32x4.add (local.get $a4) (f32x4.mul (local.get $w2) (local.get $xa))))
                (local.set $a5 (f32x4.add (local.get $a5) (f32x4.mul (local.get $w2) (local.get $xb))))
                (local.set $a6 (f32x4.add (local.get $a6) (f32x4.mul (local.get $w3) (local.get $xa))))
                (local.set $a7 (f32x4.add (local.get $a7) (f32x4.mul (local.get $w3) (local.get $xb))))
                (local.set $xp (i32.add (local.get $xp) (local.get $rowx)))
                (local.set $wp (i32.add (local.get $wp) (local.get $roww)))
                (local.set $c (i32.sub (local.get $c) (i32.const 1)))
                (br $c_loop)))
            ;; out[o + k][p .. p+7], through the epilogue
            (local.set $op (i32.add (local.get $out)
              (i32.shl (i32.add (i32.mul (local.get $o) (local.get $P)) (local.get $p)) (i32.const 2))))
            (local.set $wp (i32.add (local.get $alpha) (i32.shl (local.get $o) (i32.const 2))))
            (call $store2 (local.get $op) (local.get $out) (local.get $res) (local.get $a0) (local.get $a1)
              (call $slope (local.get $act) (local.get $wp)) (local.get $act))
            (local.set $op (i32.add (local.get $op) (local.get $rowo)))
            (call $store2 (local.get $op) (local.get $out) (local.get $res) (local.get $a2) (local.get $a3)
              (call $slope (local.get $act) (i32.add (local.get $wp) (i32.const 4))) (local.get $act))
            (local.set $op (i32.add (local.get $op) (local.get $rowo)))
            (call $store2 (local.get $op) (local.get $out) (local.get $res) (local.get $a4) (local.get $a5)
              (call $slope (local.get $act) (i32.add (local.get $wp) (i32.const 8))) (local.get $act))
            (local.set $op (i32.add (local.get $op) (local.get $rowo)))
            (call $store2 (local.get $op) (local.get $out) (local.get $res) (local.get $a6) (local.get $a7)
              (call $slope (local.get $act) (i32.add (local.get $wp) (i32.const 12))) (local.get $act))
            (local.set $p (i32.add (local.get $p) (i32.const 8)))
            (br $p_loop)))
        (local.set $o (i32.add (local.get $o) (i32.const 4)))
        (br $o_loop))))

  ;; 3×3 depthwise convolution of one channel plane: out[oy][ox] = b + Σ w[ky][kx] · in[oy·s + ky][ox·s + kx],
  ;; where `in` is the plane already zero-padded by 1 on every side (side = inSize + 2) and s is 1 or 2.
  ;; Needs outSize % 4 == 0: four adjacent outputs are one v128. At stride 2 the inputs of four outputs are
  ;; every other value of two loaded vectors, picked with one shuffle. act as for pointwise, with one slope.
  (func $depthwise3x3
    (param $in i32) (param $side i32) (param $out i32) (param $outSize i32) (param $stride i32)
    (param $w i32) (param $bias f32) (param $act i32) (param $slope f32)
    (local $oy i32) (local $ox i32) (local $row i32) (local $src i32) (local $dst i32) (local $ky i32)
    (local $acc v128) (local $k0 v128) (local $k1 v128) (local $k2 v128)
    (local.set $dst (local.get $out))
    (local.set $oy (i32.const 0))
    (block $oy_done
      (loop $oy_loop
        (br_if $oy_done (i32.ge_u (local.get $oy) (local.get $outSize)))
        (local.set $ox (i32.const 0))
        (block $ox_done
          (loop $ox_loop
            (br_if $ox_done (i32.ge_u (local.get $ox) (local.get $outSize)))
            (local.set $acc (f32x4.splat (local.get $bias)))
            (local.set $ky (i32.const 0))
            (block $ky_done
              (loop $ky_loop
                (br_if $ky_done (i32.ge_u (local.get $ky) (i32.const 3)))
                ;; first input of this kernel row for output (oy, ox)
                (local.set $src (i32.add (local.get $in) (i32.shl
                  (i32.add
                    (i32.mul (i32.add (i32.mul (local.get $oy) (local.get $stride)) (local.get $ky)) (local.get $side))
                    (i32.mul (local.get $ox) (local.get $stride)))
                  (i32.const 2))))
                (local.set $row (i32.add (local.get $w) (i32.mul (local.get $ky) (i32.const 12))))
                (if (i32.eq (local.get $stride) (i32.const 1))
                  (then
                    (local.set $k0 (v128.load (local.get $src)))
                    (local.set $k1 (v128.load offset=4 (local.get $src)))
                    (local.set $k2 (v128.load offset=8 (local.get $src))))
                  (else
                    ;; even lanes of [src, src+8) , odd lanes, and even lanes of [src+2, src+10)
                    (local.set $k0 (i8x16.shuffle 0 1 2 3 8 9 10 11 16 17 18 19 24 25 26 27
                      (v128.load (local.get $src)) (v128.load offset=16 (local.get $src))))
                    (local.set $k1 (i8x16.shuffle 4 5 6 7 12 13 14 15 20 21 22 23 28 29 30 31
                      (v128.load (local.get $src)) (v128.load offset=16 (local.get $src))))
                    (local.set $k2 (i8x16.shuffle 0 1 2 3 8 9 10 11 16 17 18 19 24 25 26 27
                      (v128.load offset=8 (local.get $src)) (v128.load offset=24 (local.get $src))))))
                (local.set $acc (f32x4.add (local.get $acc) (f32x4.mul (local.get $k0) (v128.load32_splat (local.get $row)))))
                (local.set $acc (f32x4.add (local.get $acc) (f32x4.mul (local.get $k1) (v128.load32_splat offset=4 (local.get $row)))))
                (local.set $acc (f32x4.add (local.get $acc) (f32x4.mul (local.get $k2) (v128.load32_splat offset=8 (local.get $row)))))
                (local.set $ky (i32.add (local.get $ky) (i32.const 1)))
                (br $ky_loop)))
            (v128.store (local.get $dst) (call $activate (local.get $acc) (f32x4.splat (local.get $slope)) (local.get $act)))
            (local.set $dst (i32.add (local.get $dst) (i32.const 16)))
            (local.set $ox (i32.add (local.get $ox) (i32.const 4)))
            (br $ox_loop)))
        (local.set $oy (i32.add (local.get $oy) (i32.const 1)))
        (br $oy_loop))))

  ;; act(v): 0 none, 1 ReLU, 2 PReLU (v < 0 → v · slope). ReLU is PReLU with slope 0.
  (func $activate (param $v v128) (param $slope v128) (param $act i32) (result v128)
    (if (result v128) (i32.eqz (local.get $act))
      (then (local.get $v))
      (else (v128.bitselect
        (f32x4.mul (local.get $v) (select (result v128) (local.get $slope) (v128.const i32x4 0 0 0 0)
          (i32.eq (local.get $act) (i32.const 2))))
        (local.get $v)
        (f32x4.lt (local.get $v) (v128.const i32x4 0 0 0 0))))))

  ;; The broadcast slope at $at for PReLU (unused otherwise, so not read).
  (func $slope (param $act i32) (param $at i32) (result v128)
    (if (result v128) (i32.eq (local.get $act) (i32.const 2))
      (then (v128.load32_splat (local.get $at)))
      (else (v128.const i32x4 0 0 0 0))))

  ;; Stores act(a), act(b) at $at and $at + 16, adding the residual at the same offset from $res when $res ≠ 0.
  (func $store2 (param $at i32) (param $out i32) (param $res i32) (param $a v128) (param $b v128) (param $slope v128) (param $act i32)
    (local $r i32)
    (local.set $a (call $activate (local.get $a) (local.get $slope) (local.get $act)))
    (local.set $b (call $activate (local.get $b) (local.get $slope) (local.get $act)))
    (if (local.get $res)
      (then
        (local.set $r (i32.add (local.get $res) (i32.sub (local.get $at) (local.get $out))))
        (local.set $a (f32x4.add (local.get $a) (v128.load (local.get $r))))
        (local.set $b (f32x4.add (local.get $b) (v128.load offset=16 (local.get $r))))))
    (v128.store (local.get $at) (local.get $a))
    (v128.store offset=16 (local.get $at) (local.get $b)))

  ;; The 3×3 depthwise layer for a whole batch: `planes` NCHW planes of inSize² at $in (channel = plane mod C),
  ;; each copied into the zero-bordered scratch plane at $pad (side = inSize + 2; only its interior is
  ;; rewritten, so the border zeroed once stays zero), then convolved into $out. Weights [C][9], biases [C]
  ;; and PReLU slopes [C] are at $w, $b, $alpha.
  (func (export "depthwise3x3_planes")
    (param $in i32) (param $planes i32) (param $channels i32) (param $inSize i32) (param $outSize i32)
    (param $stride i32) (param $pad i32) (param $out i32) (param $w i32) (param $b i32) (param $alpha i32)
    (param $act i32)
    (local $plane i32) (local $c i32) (local $side i32) (local $row i32) (local $src i32)
    (local.set $side (i32.add (local.get $inSize) (i32.const 2)))
    (memory.fill (local.get $pad) (i32.const 0) (i32.shl (i32.mul (local.get $side) (local.get $side)) (i32.const 2)))
    (local.set $row (i32.shl (local.get $inSize) (i32.const 2)))
    (local.set $src (local.get $in))
    (block $done
      (loop $planes_loop
        (br_if $done (i32.ge_u (local.get $plane) (local.get $planes)))
        (local.set $c (i32.rem_u (local.get $plane) (local.get $channels)))
        (call $pad_interior (local.get $src) (local.get $pad) (local.get $inSize))
        (local.set $src (i32.add (local.get $src) (i32.mul (local.get $row) (local.get $inSize))))
        (call $depthwise3x3 (local.get $pad) (local.get $side)
          (i32.add (local.get $out) (i32.shl (i32.mul (local.get $plane) (i32.mul (local.get $outSize) (local.get $outSize))) (i32.const 2)))
          (local.get $outSize) (local.get $stride)
          (i32.add (local.get $w) (i32.mul (local.get $c) (i32.const 36)))
          (f32.load (i32.add (local.get $b) (i32.shl (local.get $c) (i32.const 2))))
          (local.get $act)
          (f32.load (i32.add (local.get $alpha) (i32.shl (local.get $c) (i32.const 2)))))
        (local.set $plane (i32.add (local.get $plane) (i32.const 1)))
        (br $planes_loop))))

  ;; Copies an inSize² plane at $src into the interior of the (inSize + 2)² plane at $dst (border untouched).
  (func $pad_interior (param $src i32) (param $dst i32) (param $inSize i32)
    (local $y i32) (local $side i32) (local $row i32)
    (local.set $side (i32.add (local.get $inSize) (i32.const 2)))
    (local.set $row (i32.shl (local.get $inSize) (i32.const 2)))
    (local.set $dst (i32.add (local.get $dst) (i32.shl (i32.add (local.get $side) (i32.const 1)) (i32.const 2))))
    (block $done
      (loop $rows
        (br_if $done (i32.ge_u (local.get $y) (local.get $inSize)))
        (memory.copy (local.get $dst) (local.get $src) (local.get $row))
        (local.set $src (i32.add (local.get $src) (local.get $row)))
        (local.set $dst (i32.add (local.get $dst) (i32.shl (local.get $side) (i32.const 2))))
        (local.set $y (i32.add (local.get $y) (i32.const 1)))
        (br $rows))))

  ;; Dense 3×3 convolution, stride 1, padding 1 (the stem), of one face: out[o][y][x] = act(b[o] +
  ;; Σ_{c,ky,kx} W[o][c][ky][kx] · in[c][y + ky − 1][x + kx − 1]). Needs O % 4 == 0 and size % 8 == 0. The
  ;; face's C planes are first copied into zero-bordered planes at $pad ((size + 2)² floats each, borders
  ;; zeroed by the caller once); then, as in `pointwise`, 4 output channels × 8 pixels stay in registers while
  ;; each of the C·9 taps contributes two contiguous vectors of the padded row. W is [C·9][O] (tap-major).
  (func (export "conv3x3_s1")
    (param $in i32) (param $C i32) (param $size i32) (param $pad i32) (param $w i32) (param $b i32) (param $out i32)
    (param $O i32) (param $act i32) (param $alpha i32)
    (local $side i32) (local $plane i32) (local $c i32) (local $o i32) (local $y i32) (local $x i32) (local $t i32)
    (local $taps i32) (local $src i32) (local $wp i32) (local $op i32) (local $P i32) (local $rowo i32) (local $roww i32)
    (local $xa v128) (local $xb v128)
    (local $w0 v128) (local $w1 v128) (local $w2 v128) (local $w3 v128)
    (local $a0 v128) (local $a1 v128) (local $a2 v128) (local $a3 v128)
    (local $a4 v128) (local $a5 v128) (local $a6 v128) (local $a7 v128)
    (local.set $side (i32.add (local.get $size) (i32.const 2)))
    (local.set $plane (i32.shl (i32.mul (local.get $side) (local.get $side)) (i32.const 2)))
    (local.set $P (i32.mul (local.get $size) (local.get $size)))
    (local.set $rowo (i32.shl (local.get $P) (i32.const 2)))
    (local.set $roww (i32.shl (local.get $O) (i32.const 2)))
    (local.set $taps (i32.mul (local.get $C) (i32.const 9)))
    (block $padded
      (loop $planes
        (br_if $padded (i32.ge_u (local.get $c) (local.get $C)))
        (call $pad_interior
          (i32.add (local.get $in) (i32.shl (i32.mul (local.get $c) (local.get $P)) (i32.const 2)))
          (i32.add (local.get $pad) (i32.mul (local.get $c) (local.get $plane)))
          (local.get $size))
        (local.set $c (i32.add (local.get $c) (i32.const 1)))
        (br $planes)))
    (block $o_done
      (loop $o_loop
        (br_if $o_done (i32.ge_u (local.get $o) (local.get $O)))
        (local.set $y (i32.const 0))
        (block $y_done
          (loop $y_loop
            (br_if $y_done (i32.ge_u (local.get $y) (local.get $size)))
            (local.set $x (i32.const 0))
            (block $x_done
              (loop $x_loop
                (br_if $x_done (i32.ge_u (local.get $x) (local.get $size)))
                (local.set $wp (i32.add (local.get $b) (i32.shl (local.get $o) (i32.const 2))))
                (local.set $a0 (v128.load32_splat (local.get $wp)))
                (local.set $a1 (local.get $a0))
                (local.set $a2 (v128.load32_splat offset=4 (local.get $wp)))
                (local.set $a3 (local.get $a2))
                (local.set $a4 (v128.load32_splat offset=8 (local.get $wp)))
                (local.set $a5 (local.get $a4))
                (local.set $a6 (v128.load32_splat offset=12 (local.get $wp)))
                (local.set $a7 (local.get $a6))
                (local.set $wp (i32.add (local.get $w) (i32.shl (local.get $o) (i32.const 2))))
                (local.set $t (i32.const 0))
                (block $t_done
                  (loop $t_loop
                    (br_if $t_done (i32.ge_u (local.get $t) (local.get $taps)))
                    ;; tap t = (c, ky, kx): padded row y + ky of plane c, from column x + kx
                    (local.set $src (i32.add (i32.add (local.get $pad)
                      (i32.mul (i32.div_u (local.get $t) (i32.const 9)) (local.get $plane)))
                      (i32.shl (i32.add
                        (i32.mul (i32.add (local.get $y) (i32.div_u (i32.rem_u (local.get $t) (i32.const 9)) (i32.const 3))) (local.get $side))
                        (i32.add (local.get $x) (i32.rem_u (local.get $t) (i32.const 3))))
                        (i32.const 2))))
                    (local.set $xa (v128.load (local.get $src)))
                    (local.set $xb (v128.load offset=16 (local.get $src)))
                    (local.set $w0 (v128.load32_splat (local.get $wp)))
                    (local.set $w1 (v128.load32_splat offset=4 (local.get $wp)))
                    (local.set $w2 (v128.load32_splat offset=8 (local.get $wp)))
                    (local.set $w3 (v128.load32_splat offset=12 (local.get $wp)))
                    (local.set $a0 (f32x4.add (local.get $a0) (f32x4.mul (local.get $w0) (local.get $xa))))
                    (local.set $a1 (f32x4.add (local.get $a1) (f32x4.mul (local.get $w0) (local.get $xb))))
                    (local.set $a2 (f32x4.add (local.get $a2) (f32x4.mul (local.get $w1) (local.get $xa))))
                    (local.set $a3 (f32x4.add (local.get $a3) (f32x4.mul (local.get $w1) (local.get $xb))))
                    (local.set $a4 (f32x4.add (local.get $a4) (f32x4.mul (local.get $w2) (local.get $xa))))
                    (local.set $a5 (f32x4.add (local.get $a5) (f32x4.mul (local.get $w2) (local.get $xb))))
                    (local.set $a6 (f32x4.add (local.get $a6) (f32x4.mul (local.get $w3) (local.get $xa))))
                    (local.set $a7 (f32x4.add (local.get $a7) (f32x4.mul (local.get $w3) (local.get $xb))))
                    (local.set $wp (i32.add (local.get $wp) (local.get $roww)))
                    (local.set $t (i32.add (local.get $t) (i32.const 1)))
                    (br $t_loop)))
                (local.set $op (i32.add (local.get $out) (i32.shl
                  (i32.add (i32.mul (local.get $o) (local.get $P)) (i32.add (i32.mul (local.get $y) (local.get $size)) (local.get $x)))
                  (i32.const 2))))
                (local.set $wp (i32.add (local.get $alpha) (i32.shl (local.get $o) (i32.const 2))))
                (call $store2 (local.get $op) (local.get $out) (i32.const 0) (local.get $a0) (local.get $a1)
                  (call $slope (local.get $act) (local.get $wp)) (local.get $act))
                (local.set $op (i32.add (local.get $op) (local.get $rowo)))
                (call $store2 (local.get $op) (local.get $out) (i32.const 0) (local.get $a2) (local.get $a3)
                  (call $slope (local.get $act) (i32.add (local.get $wp) (i32.const 4))) (local.get $act))
                (local.set $op (i32.add (local.get $op) (local.get $rowo)))
                (call $store2 (local.get $op) (local.get $out) (i32.const 0) (local.get $a4) (local.get $a5)
                  (call $slope (local.get $act) (i32.add (local.get $wp) (i32.const 8))) (local.get $act))
                (local.set $op (i32.add (local.get $op) (local.get $rowo)))
                (call $store2 (local.get $op) (local.get $out) (i32.const 0) (local.get $a6) (local.get $a7)
                  (call $slope (local.get $act) (i32.add (local.get $wp) (i32.const 12))) (local.get $act))
                (local.set $x (i32.add (local.get $x) (i32.const 8)))
                (br $x_loop)))
            (local.set $y (i32.add (local.get $y) (i32.const 1)))
            (br $y_loop)))
        (local.set $o (i32.add (local.get $o) (i32.const 4)))
        (br $o_loop)))))
