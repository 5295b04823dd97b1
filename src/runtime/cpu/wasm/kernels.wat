;; The CPU backend's WebAssembly SIMD kernels (runtime/cpu/wasm-kernels.ts); runtime/cpu/reference/ holds the plain
;; loops they are tested against. All tensors are f32 in linear memory, NCHW per face; every kernel takes a whole
;; batch, so one call runs one layer.
;;
;; Every epilogue is `act(v) = v < 0 ? v · slope : v` with a per-channel slope array: PReLU's slopes, 0 for ReLU,
;; 1 for none (the host fills it), so no kernel branches on the activation.
;;
;; Macros. Node 20's V8 does not inline wasm calls, and a call in an epilogue spills every v128 register, so the
;; epilogues and the register-blocked inner steps are macros, expanded by scripts/build-wasm.ts before assembly:
;; `(@define (@name %a %b) body)` defines one, `(@name x y)` pastes body with %a → x, %b → y, textually (an
;; argument is evaluated once per use, so pass local.get / constants). A macro body uses the caller's locals by
;; name, listed in its comment. `@madd` (a·b + c) is defined by the build, once per module variant: relaxed SIMD's
;; `f32x4.relaxed_madd` (an FMA where the CPU has one) and plain SIMD128 mul + add (the fallback).

(@define (@act %v %slope)
  (v128.bitselect (f32x4.mul %v %slope) %v (f32x4.lt %v (v128.const i32x4 0 0 0 0))))

;; The 4-output-channel × 8-pixel register block shared by `pointwise` and `stem3x3`: two 4-pixel vectors of x at
;; %xp + %xa / %xb, times the four weights of channels o..o+3 at %wp (broadcast), into $a0..$a7
;; (a0/a1: channel o, a2/a3: o+1, ...). Locals: $xa $xb $w0..$w3 $a0..$a7.
(@define (@block4x8 %xp %xa %xb %wp)
  (local.set $xa (v128.load offset=%xa %xp))
  (local.set $xb (v128.load offset=%xb %xp))
  (local.set $w0 (v128.load32_splat %wp))
  (local.set $w1 (v128.load32_splat offset=4 %wp))
  (local.set $w2 (v128.load32_splat offset=8 %wp))
  (local.set $w3 (v128.load32_splat offset=12 %wp))
  (local.set $a0 (@madd (local.get $w0) (local.get $xa) (local.get $a0)))
  (local.set $a1 (@madd (local.get $w0) (local.get $xb) (local.get $a1)))
  (local.set $a2 (@madd (local.get $w1) (local.get $xa) (local.get $a2)))
  (local.set $a3 (@madd (local.get $w1) (local.get $xb) (local.get $a3)))
  (local.set $a4 (@madd (local.get $w2) (local.get $xa) (local.get $a4)))
  (local.set $a5 (@madd (local.get $w2) (local.get $xb) (local.get $a5)))
  (local.set $a6 (@madd (local.get $w3) (local.get $xa) (local.get $a6)))
  (local.set $a7 (@madd (local.get $w3) (local.get $xb) (local.get $a7))))

;; $a0..$a7 start at the biases of channels o..o+3 (at %bp). Locals: $a0..$a7.
(@define (@bias4x8 %bp)
  (local.set $a0 (v128.load32_splat %bp))
  (local.set $a1 (local.get $a0))
  (local.set $a2 (v128.load32_splat offset=4 %bp))
  (local.set $a3 (local.get $a2))
  (local.set $a4 (v128.load32_splat offset=8 %bp))
  (local.set $a5 (local.get $a4))
  (local.set $a6 (v128.load32_splat offset=12 %bp))
  (local.set $a7 (local.get $a6)))

;; Stores act(%a), act(%b) (slope of one channel, broadcast from %sp) at $op and $op + 16, plus the residual at
;; $op + $rd when $res ≠ 0. Locals: $op $res $rd $va $vb $vs.
(@define (@store2 %a %b %sp)
  (local.set $vs (v128.load32_splat %sp))
  (local.set $va (@act %a (local.get $vs)))
  (local.set $vb (@act %b (local.get $vs)))
  (if (local.get $res)
    (then
      (local.set $va (f32x4.add (local.get $va) (v128.load (i32.add (local.get $op) (local.get $rd)))))
      (local.set $vb (f32x4.add (local.get $vb) (v128.load offset=16 (i32.add (local.get $op) (local.get $rd)))))))
  (v128.store (local.get $op) (local.get $va))
  (v128.store offset=16 (local.get $op) (local.get $vb)))

;; The block's four output rows: channel o..o+3 at $op, $op + $rowo, ...; slopes at %sp. Advances $op.
(@define (@epilogue4x8 %sp)
  (@store2 (local.get $a0) (local.get $a1) %sp)
  (local.set $op (i32.add (local.get $op) (local.get $rowo)))
  (@store2 (local.get $a2) (local.get $a3) (i32.add %sp (i32.const 4)))
  (local.set $op (i32.add (local.get $op) (local.get $rowo)))
  (@store2 (local.get $a4) (local.get $a5) (i32.add %sp (i32.const 8)))
  (local.set $op (i32.add (local.get $op) (local.get $rowo)))
  (@store2 (local.get $a6) (local.get $a7) (i32.add %sp (i32.const 12))))

;; One step of `gdc`: plane %k of the four (input and weight rows %k apart) into accumulator %acc.
;; Locals: $in $wp $i $bytes.
(@define (@gdc_tap %acc %k)
  (local.set %acc (@madd
    (v128.load (i32.add (i32.add (local.get $in) (i32.mul (local.get $bytes) (i32.const %k))) (local.get $i)))
    (v128.load (i32.add (i32.add (local.get $wp) (i32.mul (local.get $bytes) (i32.const %k))) (local.get $i)))
    (local.get %acc))))

(@define (@keep %v) %v)
(@define (@zero_lane0 %v) (f32x4.replace_lane 0 %v (f32.const 0)))
(@define (@zero_lane3 %v) (f32x4.replace_lane 3 %v (f32.const 0)))

;; Depthwise 3×3, stride 1: the three taps of one input row %r at output column byte offset $x, as the vectors of
;; inputs x−1, x, x+1 (unaligned loads; %left / %right zero the lane that falls outside the row at its ends).
(@define (@row3 %r %left %right)
  (local.set $l (%left (v128.load offset=0 (i32.add %r (i32.sub (local.get $x) (i32.const 4))))))
  (local.set $m (v128.load (i32.add %r (local.get $x))))
  (local.set $n (%right (v128.load offset=4 (i32.add %r (local.get $x))))))

;; One step of `depthwise3x3_s1`: output rows y and y + 1 at column $x, from input rows $r0..$r3. Locals: $x $r0..$r3
;; $o0 $k0..$k8 $bias $slope $acc0 $acc1 $l $m $n $rowb.
(@define (@dw_s1_step %left %right)
  (local.set $acc0 (local.get $bias))
  (local.set $acc1 (local.get $bias))
  (@row3 (local.get $r0) %left %right)
  (local.set $acc0 (@madd (local.get $l) (local.get $k0) (local.get $acc0)))
  (local.set $acc0 (@madd (local.get $m) (local.get $k1) (local.get $acc0)))
  (local.set $acc0 (@madd (local.get $n) (local.get $k2) (local.get $acc0)))
  (@row3 (local.get $r1) %left %right)
  (local.set $acc0 (@madd (local.get $l) (local.get $k3) (local.get $acc0)))
  (local.set $acc0 (@madd (local.get $m) (local.get $k4) (local.get $acc0)))
  (local.set $acc0 (@madd (local.get $n) (local.get $k5) (local.get $acc0)))
  (local.set $acc1 (@madd (local.get $l) (local.get $k0) (local.get $acc1)))
  (local.set $acc1 (@madd (local.get $m) (local.get $k1) (local.get $acc1)))
  (local.set $acc1 (@madd (local.get $n) (local.get $k2) (local.get $acc1)))
  (@row3 (local.get $r2) %left %right)
  (local.set $acc0 (@madd (local.get $l) (local.get $k6) (local.get $acc0)))
  (local.set $acc0 (@madd (local.get $m) (local.get $k7) (local.get $acc0)))
  (local.set $acc0 (@madd (local.get $n) (local.get $k8) (local.get $acc0)))
  (local.set $acc1 (@madd (local.get $l) (local.get $k3) (local.get $acc1)))
  (local.set $acc1 (@madd (local.get $m) (local.get $k4) (local.get $acc1)))
  (local.set $acc1 (@madd (local.get $n) (local.get $k5) (local.get $acc1)))
  (@row3 (local.get $r3) %left %right)
  (local.set $acc1 (@madd (local.get $l) (local.get $k6) (local.get $acc1)))
  (local.set $acc1 (@madd (local.get $m) (local.get $k7) (local.get $acc1)))
  (local.set $acc1 (@madd (local.get $n) (local.get $k8) (local.get $acc1)))
  (v128.store (i32.add (local.get $o0) (local.get $x)) (@act (local.get $acc0) (local.get $slope)))
  (v128.store (i32.add (i32.add (local.get $o0) (local.get $rowb)) (local.get $x)) (@act (local.get $acc1) (local.get $slope))))

;; Depthwise 3×3, stride 2: the taps of input row %r for the four outputs at output byte offset $x (input byte
;; offset 2·$x): kx = 1 is the even lanes of [2x, 2x+8), kx = 2 the odd lanes, kx = 0 the even lanes of
;; [2x−1, 2x+7) (%left zeroes column −1 at the row start). Locals: $x $l $m $n.
(@define (@row3_s2 %r %left)
  (local.set $l (%left (i8x16.shuffle 0 1 2 3 8 9 10 11 16 17 18 19 24 25 26 27
    (v128.load (i32.add %r (i32.sub (i32.shl (local.get $x) (i32.const 1)) (i32.const 4))))
    (v128.load offset=12 (i32.add %r (i32.shl (local.get $x) (i32.const 1)))))))
  (local.set $m (v128.load (i32.add %r (i32.shl (local.get $x) (i32.const 1)))))
  (local.set $n (v128.load offset=16 (i32.add %r (i32.shl (local.get $x) (i32.const 1)))))
  (local.set $l (@madd (local.get $l) (local.get $kl) (local.get $acc0)))
  (local.set $acc0 (@madd (i8x16.shuffle 0 1 2 3 8 9 10 11 16 17 18 19 24 25 26 27 (local.get $m) (local.get $n)) (local.get $kc) (local.get $l)))
  (local.set $acc0 (@madd (i8x16.shuffle 4 5 6 7 12 13 14 15 20 21 22 23 28 29 30 31 (local.get $m) (local.get $n)) (local.get $kr) (local.get $acc0))))

;; One step of `depthwise3x3_s2`: output row at column $x from input rows $r0..$r2. Locals as @row3_s2, plus
;; $k0..$k8 $kl $kc $kr $bias $slope $acc0 $o0.
(@define (@dw_s2_step %left)
  (local.set $acc0 (local.get $bias))
  (local.set $kl (local.get $k0)) (local.set $kc (local.get $k1)) (local.set $kr (local.get $k2))
  (@row3_s2 (local.get $r0) %left)
  (local.set $kl (local.get $k3)) (local.set $kc (local.get $k4)) (local.set $kr (local.get $k5))
  (@row3_s2 (local.get $r1) %left)
  (local.set $kl (local.get $k6)) (local.set $kc (local.get $k7)) (local.set $kr (local.get $k8))
  (@row3_s2 (local.get $r2) %left)
  (v128.store (i32.add (local.get $o0) (local.get $x)) (@act (local.get $acc0) (local.get $slope))))

;; Loads a plane's nine weights (at %wp, [3][3]) into $k0..$k8, its bias and slope (at %bp, %sp) into $bias,
;; $slope, all broadcast, so they stay in registers for the whole plane.
(@define (@plane_params %wp %bp %sp)
  (local.set $k0 (v128.load32_splat offset=0 %wp))
  (local.set $k1 (v128.load32_splat offset=4 %wp))
  (local.set $k2 (v128.load32_splat offset=8 %wp))
  (local.set $k3 (v128.load32_splat offset=12 %wp))
  (local.set $k4 (v128.load32_splat offset=16 %wp))
  (local.set $k5 (v128.load32_splat offset=20 %wp))
  (local.set $k6 (v128.load32_splat offset=24 %wp))
  (local.set $k7 (v128.load32_splat offset=28 %wp))
  (local.set $k8 (v128.load32_splat offset=32 %wp))
  (local.set $bias (v128.load32_splat %bp))
  (local.set $slope (v128.load32_splat %sp)))

;; One 4×8 block of `pointwise`: channels $o..$o+3, pixels $p..$p+7 of the face at $xn / $on. Locals: those of
;; @block4x8 and @epilogue4x8, plus $b $s $w $C $P $c $xp $wp $rowx.
(@define (@pw_block)
  (@bias4x8 (i32.add (local.get $b) (i32.shl (local.get $o) (i32.const 2))))
  (local.set $xp (i32.add (local.get $xn) (i32.shl (local.get $p) (i32.const 2))))
  (local.set $wp (i32.add (local.get $w) (i32.shl (i32.mul (local.get $o) (local.get $C)) (i32.const 2))))
  (local.set $c (local.get $C))
  (block $c_done
    (loop $c_loop
      (br_if $c_done (i32.eqz (local.get $c)))
      (@block4x8 (local.get $xp) 0 16 (local.get $wp))
      (local.set $xp (i32.add (local.get $xp) (local.get $rowx)))
      (local.set $wp (i32.add (local.get $wp) (i32.const 16)))
      (local.set $c (i32.sub (local.get $c) (i32.const 1)))
      (br $c_loop)))
  (local.set $op (i32.add (local.get $on)
    (i32.shl (i32.add (i32.mul (local.get $o) (local.get $P)) (local.get $p)) (i32.const 2))))
  (@epilogue4x8 (i32.add (local.get $s) (i32.shl (local.get $o) (i32.const 2)))))

(module
  (memory (export "memory") 1)

  ;; 1×1 convolution: out[n][o][p] = act(b[o] + Σc W[o][c]·x[n][c][p]) (+ res[n][o][p]) for `batch` faces.
  ;; w is blocked [O/4][C][4] (channels o..o+3 of one input channel are one vector, and a block's weights are
  ;; contiguous); b and s (slopes) are [O]; $res is a residual laid out like out, or 0. Needs O % 4 == 0 and
  ;; P % 8 == 0: 4 output channels × 8 pixels stay in eight v128 registers while c runs (the same register
  ;; blocking as kernels/pointwise_vec4.wgsl). $pixelsOuter picks the loop order: pixel blocks outside when all
  ;; of W stays in L1 across them (few channels, many pixels), channel blocks outside otherwise.
  (func (export "pointwise")
    (param $x i32) (param $w i32) (param $b i32) (param $s i32) (param $out i32) (param $res i32)
    (param $batch i32) (param $C i32) (param $O i32) (param $P i32) (param $pixelsOuter i32)
    (local $n i32) (local $o i32) (local $p i32) (local $c i32)
    (local $xn i32) (local $on i32) (local $xp i32) (local $wp i32) (local $op i32) (local $rd i32)
    (local $rowx i32) (local $rowo i32)
    (local $xa v128) (local $xb v128) (local $w0 v128) (local $w1 v128) (local $w2 v128) (local $w3 v128)
    (local $a0 v128) (local $a1 v128) (local $a2 v128) (local $a3 v128)
    (local $a4 v128) (local $a5 v128) (local $a6 v128) (local $a7 v128)
    (local $va v128) (local $vb v128) (local $vs v128)
    (local.set $rowx (i32.shl (local.get $P) (i32.const 2)))
    (local.set $rowo (local.get $rowx))
    (local.set $rd (i32.sub (local.get $res) (local.get $out)))
    (local.set $xn (local.get $x))
    (local.set $on (local.get $out))
    (block $n_done
      (loop $n_loop
        (br_if $n_done (i32.ge_u (local.get $n) (local.get $batch)))
        (if (local.get $pixelsOuter)
          (then
            (local.set $p (i32.const 0))
            (block $p_done
              (loop $p_loop
                (br_if $p_done (i32.ge_u (local.get $p) (local.get $P)))
                (local.set $o (i32.const 0))
                (block $o_done
                  (loop $o_loop
                    (br_if $o_done (i32.ge_u (local.get $o) (local.get $O)))
                    (@pw_block)
                    (local.set $o (i32.add (local.get $o) (i32.const 4)))
                    (br $o_loop)))
                (local.set $p (i32.add (local.get $p) (i32.const 8)))
                (br $p_loop))))
          (else
            (local.set $o (i32.const 0))
            (block $o_done
              (loop $o_loop
                (br_if $o_done (i32.ge_u (local.get $o) (local.get $O)))
                (local.set $p (i32.const 0))
                (block $p_done
                  (loop $p_loop
                    (br_if $p_done (i32.ge_u (local.get $p) (local.get $P)))
                    (@pw_block)
                    (local.set $p (i32.add (local.get $p) (i32.const 8)))
                    (br $p_loop)))
                (local.set $o (i32.add (local.get $o) (i32.const 4)))
                (br $o_loop)))))
        (local.set $xn (i32.add (local.get $xn) (i32.mul (local.get $rowx) (local.get $C))))
        (local.set $on (i32.add (local.get $on) (i32.mul (local.get $rowo) (local.get $O))))
        (local.set $n (i32.add (local.get $n) (i32.const 1)))
        (br $n_loop))))

  ;; Dense 3×3 convolution, stride 1, padding 1 (the stem): out[n][o][y][x] = act(b[o] +
  ;; Σ_{c,ky,kx} W[o][c][ky][kx] · in[n][c][y + ky − 1][x + kx − 1]). $in holds the faces' planes already
  ;; zero-bordered, (size + 2)² floats each (the host's input pass writes them so). W is blocked
  ;; [O/4][C·9][4] (taps in im2col's order, c then ky then kx). Needs O % 4 == 0 and size % 8 == 0; the register
  ;; block is `pointwise`'s, each tap adding two contiguous vectors of a bordered row.
  (func (export "stem3x3")
    (param $in i32) (param $w i32) (param $b i32) (param $s i32) (param $out i32)
    (param $batch i32) (param $C i32) (param $size i32) (param $O i32)
    (local $n i32) (local $side i32) (local $plane i32) (local $c i32) (local $tap i32) (local $kx i32) (local $o i32) (local $y i32)
    (local $x i32) (local $inN i32) (local $on i32) (local $src i32) (local $wp i32) (local $op i32)
    (local $rowo i32) (local $res i32) (local $rd i32)
    (local $xa v128) (local $xb v128) (local $w0 v128) (local $w1 v128) (local $w2 v128) (local $w3 v128)
    (local $a0 v128) (local $a1 v128) (local $a2 v128) (local $a3 v128)
    (local $a4 v128) (local $a5 v128) (local $a6 v128) (local $a7 v128)
    (local $va v128) (local $vb v128) (local $vs v128)
    (local.set $side (i32.shl (i32.add (local.get $size) (i32.const 2)) (i32.const 2)))
    (local.set $plane (i32.mul (local.get $side) (i32.add (local.get $size) (i32.const 2))))
    (local.set $rowo (i32.shl (i32.mul (local.get $size) (local.get $size)) (i32.const 2)))
    (local.set $inN (local.get $in))
    (local.set $on (local.get $out))
    (block $n_done
      (loop $n_loop
        (br_if $n_done (i32.ge_u (local.get $n) (local.get $batch)))
        (local.set $o (i32.const 0))
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
                    (@bias4x8 (i32.add (local.get $b) (i32.shl (local.get $o) (i32.const 2))))
                    (local.set $wp (i32.add (local.get $w) (i32.mul (i32.mul (local.get $o) (local.get $C)) (i32.const 36))))
                    (local.set $c (i32.const 0))
                    (block $c_done
                      (loop $c_loop
                        (br_if $c_done (i32.ge_u (local.get $c) (local.get $C)))
                        ;; bordered row y (input row y − 1) of plane c, from column x (input column x − 1)
                        (local.set $src (i32.add (i32.add (local.get $inN) (i32.mul (local.get $c) (local.get $plane)))
                          (i32.add (i32.mul (local.get $y) (local.get $side)) (i32.shl (local.get $x) (i32.const 2)))))
                        ;; One tap per iteration: with three register blocks in one body (kx unrolled), V8's
                        ;; scheduler hoists all their loads and spills the accumulators (32 → 46 GFLOP/s here).
                        ;; $src steps one column per tap, and down to the next row's start after kx = 2.
                        (local.set $tap (i32.const 9))
                        (local.set $kx (i32.const 3))
                        (loop $tap_loop
                          (@block4x8 (local.get $src) 0 16 (local.get $wp))
                          (local.set $wp (i32.add (local.get $wp) (i32.const 16)))
                          (local.set $kx (i32.sub (local.get $kx) (i32.const 1)))
                          (local.set $src (i32.add (local.get $src)
                            (select (i32.const 4) (i32.sub (local.get $side) (i32.const 8)) (local.get $kx))))
                          (local.set $kx (select (local.get $kx) (i32.const 3) (local.get $kx)))
                          (local.set $tap (i32.sub (local.get $tap) (i32.const 1)))
                          (br_if $tap_loop (local.get $tap)))
                        (local.set $c (i32.add (local.get $c) (i32.const 1)))
                        (br $c_loop)))
                    (local.set $op (i32.add (local.get $on) (i32.add (i32.mul (local.get $o) (local.get $rowo))
                      (i32.shl (i32.add (i32.mul (local.get $y) (local.get $size)) (local.get $x)) (i32.const 2)))))
                    (@epilogue4x8 (i32.add (local.get $s) (i32.shl (local.get $o) (i32.const 2))))
                    (local.set $x (i32.add (local.get $x) (i32.const 8)))
                    (br $x_loop)))
                (local.set $y (i32.add (local.get $y) (i32.const 1)))
                (br $y_loop)))
            (local.set $o (i32.add (local.get $o) (i32.const 4)))
            (br $o_loop)))
        (local.set $inN (i32.add (local.get $inN) (i32.mul (local.get $plane) (local.get $C))))
        (local.set $on (i32.add (local.get $on) (i32.mul (local.get $rowo) (local.get $O))))
        (local.set $n (i32.add (local.get $n) (i32.const 1)))
        (br $n_loop))))

  ;; Zeroes `bytes` bytes at $at (the stem's bordered planes, before preprocessing writes their interiors).
  (func (export "fill_zero") (param $at i32) (param $bytes i32)
    (memory.fill (local.get $at) (i32.const 0) (local.get $bytes)))

  ;; Copies `planes` size² planes at $src into the interiors of zero-bordered (size + 2)² planes at $dst (the
  ;; stem's input layout, for tensor inputs); the borders are written as zeros.
  (func (export "border_planes") (param $src i32) (param $dst i32) (param $planes i32) (param $size i32)
    (local $p i32) (local $y i32) (local $side i32) (local $row i32)
    (local.set $side (i32.shl (i32.add (local.get $size) (i32.const 2)) (i32.const 2)))
    (local.set $row (i32.shl (local.get $size) (i32.const 2)))
    (memory.fill (local.get $dst) (i32.const 0)
      (i32.mul (local.get $planes) (i32.mul (local.get $side) (i32.add (local.get $size) (i32.const 2)))))
    (block $done
      (loop $rows
        (br_if $done (i32.ge_u (local.get $p) (i32.mul (local.get $planes) (local.get $size))))
        ;; plane row p → bordered row (p / size)·(size + 2) + p % size + 1, column 1
        (memory.copy
          (i32.add (local.get $dst) (i32.add (i32.add (i32.mul
            (i32.add (i32.add (i32.mul (i32.div_u (local.get $p) (local.get $size)) (i32.add (local.get $size) (i32.const 2)))
              (i32.rem_u (local.get $p) (local.get $size))) (i32.const 1))
            (local.get $side)) (i32.const 4)) (i32.const 0)))
          (local.get $src) (local.get $row))
        (local.set $src (i32.add (local.get $src) (local.get $row)))
        (local.set $p (i32.add (local.get $p) (i32.const 1)))
        (br $rows))))

  ;; 3×3 depthwise convolution, stride 1, padding 1, of `planes` planes of height × width (channel = plane mod C):
  ;; weights [C][9], biases and slopes [C]. No padded copies: a column's neighbours come from unaligned loads
  ;; (the lanes outside the row zeroed at its two ends), rows above and below the plane read the zero row at
  ;; $zero (width + 8 floats, zeroed by the host; 16 bytes in, so the x − 1 load stays inside). Two output rows
  ;; per pass share four input rows; the nine weights stay in registers for the plane. Needs width % 4 == 0 and
  ;; an even height (the student's maps are square; the detectors' are not).
  (func (export "depthwise3x3_s1")
    (param $in i32) (param $w i32) (param $b i32) (param $s i32) (param $out i32)
    (param $planes i32) (param $C i32) (param $height i32) (param $width i32) (param $zero i32)
    (local $plane i32) (local $c i32) (local $rowb i32) (local $planeb i32) (local $last i32) (local $y i32)
    (local $x i32) (local $src i32) (local $o0 i32) (local $r0 i32) (local $r1 i32) (local $r2 i32) (local $r3 i32)
    (local $k0 v128) (local $k1 v128) (local $k2 v128) (local $k3 v128) (local $k4 v128) (local $k5 v128)
    (local $k6 v128) (local $k7 v128) (local $k8 v128) (local $bias v128) (local $slope v128)
    (local $acc0 v128) (local $acc1 v128) (local $l v128) (local $m v128) (local $n v128)
    (local.set $rowb (i32.shl (local.get $width) (i32.const 2)))
    (local.set $planeb (i32.mul (local.get $rowb) (local.get $height)))
    (local.set $last (i32.sub (local.get $rowb) (i32.const 16)))
    (local.set $zero (i32.add (local.get $zero) (i32.const 16)))
    (block $planes_done
      (loop $planes_loop
        (br_if $planes_done (i32.ge_u (local.get $plane) (local.get $planes)))
        (local.set $c (i32.rem_u (local.get $plane) (local.get $C)))
        (@plane_params (i32.add (local.get $w) (i32.mul (local.get $c) (i32.const 36)))
          (i32.add (local.get $b) (i32.shl (local.get $c) (i32.const 2)))
          (i32.add (local.get $s) (i32.shl (local.get $c) (i32.const 2))))
        (local.set $src (i32.add (local.get $in) (i32.mul (local.get $plane) (local.get $planeb))))
        (local.set $y (i32.const 0))
        (block $y_done
          (loop $y_loop
            (br_if $y_done (i32.ge_u (local.get $y) (local.get $height)))
            (local.set $r1 (i32.add (local.get $src) (i32.mul (local.get $y) (local.get $rowb))))
            (local.set $r0 (select (local.get $zero) (i32.sub (local.get $r1) (local.get $rowb)) (i32.eqz (local.get $y))))
            (local.set $r2 (i32.add (local.get $r1) (local.get $rowb)))
            (local.set $r3 (select (local.get $zero) (i32.add (local.get $r2) (local.get $rowb))
              (i32.ge_u (i32.add (local.get $y) (i32.const 2)) (local.get $height))))
            (local.set $o0 (i32.add (i32.add (local.get $out) (i32.mul (local.get $plane) (local.get $planeb)))
              (i32.mul (local.get $y) (local.get $rowb))))
            (local.set $x (i32.const 0))
            (if (i32.eqz (local.get $last))
              (then (@dw_s1_step @zero_lane0 @zero_lane3))
              (else
                (@dw_s1_step @zero_lane0 @keep)
                (local.set $x (i32.const 16))
                (block $x_done
                  (loop $x_loop
                    (br_if $x_done (i32.ge_u (local.get $x) (local.get $last)))
                    (@dw_s1_step @keep @keep)
                    (local.set $x (i32.add (local.get $x) (i32.const 16)))
                    (br $x_loop)))
                (@dw_s1_step @keep @zero_lane3)))
            (local.set $y (i32.add (local.get $y) (i32.const 2)))
            (br $y_loop)))
        (local.set $plane (i32.add (local.get $plane) (i32.const 1)))
        (br $planes_loop))))

  ;; 3×3 depthwise convolution, stride 2, padding 1, from planes of inSize = 2·outSize: as `depthwise3x3_s1`, one
  ;; output row per pass (only the row above the plane is missing: it reads $zero, inSize + 8 floats). Needs
  ;; outSize % 4 == 0.
  (func (export "depthwise3x3_s2")
    (param $in i32) (param $w i32) (param $b i32) (param $s i32) (param $out i32)
    (param $planes i32) (param $C i32) (param $outSize i32) (param $zero i32)
    (local $plane i32) (local $c i32) (local $rowb i32) (local $inRowb i32) (local $y i32)
    (local $x i32) (local $src i32) (local $o0 i32) (local $r0 i32) (local $r1 i32) (local $r2 i32)
    (local $k0 v128) (local $k1 v128) (local $k2 v128) (local $k3 v128) (local $k4 v128) (local $k5 v128)
    (local $k6 v128) (local $k7 v128) (local $k8 v128) (local $kl v128) (local $kc v128) (local $kr v128)
    (local $bias v128) (local $slope v128) (local $acc0 v128) (local $l v128) (local $m v128) (local $n v128)
    (local.set $rowb (i32.shl (local.get $outSize) (i32.const 2)))
    (local.set $inRowb (i32.shl (local.get $rowb) (i32.const 1)))
    (local.set $zero (i32.add (local.get $zero) (i32.const 16)))
    (block $planes_done
      (loop $planes_loop
        (br_if $planes_done (i32.ge_u (local.get $plane) (local.get $planes)))
        (local.set $c (i32.rem_u (local.get $plane) (local.get $C)))
        (@plane_params (i32.add (local.get $w) (i32.mul (local.get $c) (i32.const 36)))
          (i32.add (local.get $b) (i32.shl (local.get $c) (i32.const 2)))
          (i32.add (local.get $s) (i32.shl (local.get $c) (i32.const 2))))
        (local.set $src (i32.add (local.get $in) (i32.mul (local.get $plane) (i32.mul (local.get $inRowb) (i32.shl (local.get $outSize) (i32.const 1))))))
        (local.set $o0 (i32.add (local.get $out) (i32.mul (local.get $plane) (i32.mul (local.get $rowb) (local.get $outSize)))))
        (local.set $y (i32.const 0))
        (block $y_done
          (loop $y_loop
            (br_if $y_done (i32.ge_u (local.get $y) (local.get $outSize)))
            (local.set $r1 (i32.add (local.get $src) (i32.mul (i32.shl (local.get $y) (i32.const 1)) (local.get $inRowb))))
            (local.set $r0 (select (local.get $zero) (i32.sub (local.get $r1) (local.get $inRowb)) (i32.eqz (local.get $y))))
            (local.set $r2 (i32.add (local.get $r1) (local.get $inRowb)))
            (local.set $x (i32.const 0))
            (@dw_s2_step @zero_lane0)
            (local.set $x (i32.const 16))
            (block $x_done
              (loop $x_loop
                (br_if $x_done (i32.ge_u (local.get $x) (local.get $rowb)))
                (@dw_s2_step @keep)
                (local.set $x (i32.add (local.get $x) (i32.const 16)))
                (br $x_loop)))
            (local.set $o0 (i32.add (local.get $o0) (local.get $rowb)))
            (local.set $y (i32.add (local.get $y) (i32.const 1)))
            (br $y_loop)))
        (local.set $plane (i32.add (local.get $plane) (i32.const 1)))
        (br $planes_loop))))

  ;; Global depthwise convolution (the "gdc" pooling): out[p] = act(b[c] + Σi x[p][i] · W[c][i]) for `planes`
  ;; planes of `area` floats (channel c = p mod C). Four planes (channels c..c+3 of one face) at a time, so four
  ;; independent accumulators hide the add latency and one transpose-add gives their four sums as a vector.
  ;; Needs area % 4 == 0 and C % 4 == 0.
  (func (export "gdc")
    (param $in i32) (param $w i32) (param $b i32) (param $s i32) (param $out i32)
    (param $planes i32) (param $C i32) (param $area i32)
    (local $plane i32) (local $c i32) (local $i i32) (local $wp i32) (local $bytes i32)
    (local $a0 v128) (local $a1 v128) (local $a2 v128) (local $a3 v128) (local $t0 v128) (local $t1 v128)
    (local.set $bytes (i32.shl (local.get $area) (i32.const 2)))
    (block $planes_done
      (loop $planes_loop
        (br_if $planes_done (i32.ge_u (local.get $plane) (local.get $planes)))
        (local.set $c (i32.rem_u (local.get $plane) (local.get $C)))
        (local.set $wp (i32.add (local.get $w) (i32.mul (local.get $c) (local.get $bytes))))
        (local.set $a0 (v128.const i32x4 0 0 0 0))
        (local.set $a1 (v128.const i32x4 0 0 0 0))
        (local.set $a2 (v128.const i32x4 0 0 0 0))
        (local.set $a3 (v128.const i32x4 0 0 0 0))
        (local.set $i (i32.const 0))
        (block $i_done
          (loop $i_loop
            (br_if $i_done (i32.ge_u (local.get $i) (local.get $bytes)))
            (@gdc_tap $a0 0)
            (@gdc_tap $a1 1)
            (@gdc_tap $a2 2)
            (@gdc_tap $a3 3)
            (local.set $i (i32.add (local.get $i) (i32.const 16)))
            (br $i_loop)))
        ;; (a0, a1, a2, a3) → their lane sums as one vector
        (local.set $t0 (f32x4.add
          (i8x16.shuffle 0 1 2 3 16 17 18 19 4 5 6 7 20 21 22 23 (local.get $a0) (local.get $a1))
          (i8x16.shuffle 8 9 10 11 24 25 26 27 12 13 14 15 28 29 30 31 (local.get $a0) (local.get $a1))))
        (local.set $t1 (f32x4.add
          (i8x16.shuffle 0 1 2 3 16 17 18 19 4 5 6 7 20 21 22 23 (local.get $a2) (local.get $a3))
          (i8x16.shuffle 8 9 10 11 24 25 26 27 12 13 14 15 28 29 30 31 (local.get $a2) (local.get $a3))))
        (local.set $t0 (f32x4.add
          (f32x4.add
            (i8x16.shuffle 0 1 2 3 4 5 6 7 16 17 18 19 20 21 22 23 (local.get $t0) (local.get $t1))
            (i8x16.shuffle 8 9 10 11 12 13 14 15 24 25 26 27 28 29 30 31 (local.get $t0) (local.get $t1)))
          (v128.load (i32.add (local.get $b) (i32.shl (local.get $c) (i32.const 2))))))
        (v128.store (i32.add (local.get $out) (i32.shl (local.get $plane) (i32.const 2)))
          (@act (local.get $t0) (v128.load (i32.add (local.get $s) (i32.shl (local.get $c) (i32.const 2))))))
        (local.set $in (i32.add (local.get $in) (i32.shl (local.get $bytes) (i32.const 2))))
        (local.set $plane (i32.add (local.get $plane) (i32.const 4)))
        (br $planes_loop))))

  ;; Fully connected layer: out[n][o] = act(b[o] + Σk W[o][k] · x[n][k]) for `batch` faces; w is [K][O]
  ;; (transposed), b and s are [O]. Needs O % 16 == 0: sixteen outputs in four v128 accumulators per pass.
  (func (export "fc")
    (param $x i32) (param $w i32) (param $b i32) (param $s i32) (param $out i32)
    (param $batch i32) (param $K i32) (param $O i32)
    (local $n i32) (local $o i32) (local $k i32) (local $xp i32) (local $wp i32) (local $op i32) (local $roww i32)
    (local $v v128) (local $a0 v128) (local $a1 v128) (local $a2 v128) (local $a3 v128)
    (local.set $roww (i32.shl (local.get $O) (i32.const 2)))
    (block $n_done
      (loop $n_loop
        (br_if $n_done (i32.ge_u (local.get $n) (local.get $batch)))
        (local.set $o (i32.const 0))
        (block $o_done
          (loop $o_loop
            (br_if $o_done (i32.ge_u (local.get $o) (local.get $roww)))
            (local.set $a0 (v128.load offset=0 (i32.add (local.get $b) (local.get $o))))
            (local.set $a1 (v128.load offset=16 (i32.add (local.get $b) (local.get $o))))
            (local.set $a2 (v128.load offset=32 (i32.add (local.get $b) (local.get $o))))
            (local.set $a3 (v128.load offset=48 (i32.add (local.get $b) (local.get $o))))
            (local.set $xp (i32.add (local.get $x) (i32.shl (i32.mul (local.get $n) (local.get $K)) (i32.const 2))))
            (local.set $wp (i32.add (local.get $w) (local.get $o)))
            (local.set $k (local.get $K))
            (block $k_done
              (loop $k_loop
                (br_if $k_done (i32.eqz (local.get $k)))
                (local.set $v (v128.load32_splat (local.get $xp)))
                (local.set $a0 (@madd (local.get $v) (v128.load offset=0 (local.get $wp)) (local.get $a0)))
                (local.set $a1 (@madd (local.get $v) (v128.load offset=16 (local.get $wp)) (local.get $a1)))
                (local.set $a2 (@madd (local.get $v) (v128.load offset=32 (local.get $wp)) (local.get $a2)))
                (local.set $a3 (@madd (local.get $v) (v128.load offset=48 (local.get $wp)) (local.get $a3)))
                (local.set $xp (i32.add (local.get $xp) (i32.const 4)))
                (local.set $wp (i32.add (local.get $wp) (local.get $roww)))
                (local.set $k (i32.sub (local.get $k) (i32.const 1)))
                (br $k_loop)))
            (local.set $op (i32.add (i32.add (local.get $out) (i32.mul (local.get $n) (local.get $roww))) (local.get $o)))
            (local.set $wp (i32.add (local.get $s) (local.get $o)))
            (v128.store offset=0 (local.get $op) (@act (local.get $a0) (v128.load offset=0 (local.get $wp))))
            (v128.store offset=16 (local.get $op) (@act (local.get $a1) (v128.load offset=16 (local.get $wp))))
            (v128.store offset=32 (local.get $op) (@act (local.get $a2) (v128.load offset=32 (local.get $wp))))
            (v128.store offset=48 (local.get $op) (@act (local.get $a3) (v128.load offset=48 (local.get $wp))))
            (local.set $o (i32.add (local.get $o) (i32.const 64)))
            (br $o_loop)))
        (local.set $n (i32.add (local.get $n) (i32.const 1)))
        (br $n_loop))))

  ;; im2col of a 3×3, padding-1 convolution with stride 1 or 2 over C planes of inH × inW: row t = (c·3 + ky)·3 + kx
  ;; of the [C·9][outH·outW] matrix the `pointwise` kernel multiplies (runtime/cpu/js-conv.ts's im2col, whose
  ;; columns these are). Per row of a tap: zeros where the tap falls in the padding, the inside four columns at a
  ;; time (stride 2: the even lanes of two vectors), a scalar tail.
  (func (export "im2col3x3")
    (param $in i32) (param $out i32) (param $C i32) (param $inH i32) (param $inW i32) (param $outH i32)
    (param $outW i32) (param $stride i32)
    (local $t i32) (local $c i32) (local $ky i32) (local $kx i32) (local $oy i32) (local $iy i32) (local $ox i32)
    (local $first i32) (local $end i32) (local $src i32) (local $o i32) (local $rowBytes i32)
    (local.set $rowBytes (i32.shl (local.get $outW) (i32.const 2)))
    (block $t_done
      (loop $t_loop
        (br_if $t_done (i32.ge_u (local.get $t) (i32.mul (local.get $C) (i32.const 9))))
        (local.set $c (i32.div_u (local.get $t) (i32.const 9)))
        (local.set $ky (i32.div_u (i32.rem_u (local.get $t) (i32.const 9)) (i32.const 3)))
        (local.set $kx (i32.rem_u (local.get $t) (i32.const 3)))
        ;; Output columns whose input column ox·stride + kx − 1 lies in [0, inW): [first, end).
        (local.set $first (i32.eqz (local.get $kx)))
        (local.set $end (i32.add (i32.div_u (i32.sub (local.get $inW) (local.get $kx)) (local.get $stride)) (i32.const 1)))
        (if (i32.gt_u (local.get $end) (local.get $outW)) (then (local.set $end (local.get $outW))))
        (local.set $oy (i32.const 0))
        (block $oy_done
          (loop $oy_loop
            (br_if $oy_done (i32.ge_u (local.get $oy) (local.get $outH)))
            (local.set $o (i32.add (local.get $out)
              (i32.mul (i32.add (i32.mul (local.get $t) (local.get $outH)) (local.get $oy)) (local.get $rowBytes))))
            (local.set $iy (i32.sub (i32.add (i32.mul (local.get $oy) (local.get $stride)) (local.get $ky)) (i32.const 1)))
            (if (i32.ge_u (local.get $iy) (local.get $inH)) ;; above (wrapped around) or below the map
              (then (memory.fill (local.get $o) (i32.const 0) (local.get $rowBytes)))
              (else
                ;; input element of output column 0 (one before the row for kx = 0, never read)
                (local.set $src (i32.add (local.get $in) (i32.shl (i32.sub (i32.add (i32.mul
                  (i32.add (i32.mul (local.get $c) (local.get $inH)) (local.get $iy)) (local.get $inW))
                  (local.get $kx)) (i32.const 1)) (i32.const 2))))
                (memory.fill (local.get $o) (i32.const 0) (i32.shl (local.get $first) (i32.const 2)))
                (local.set $ox (local.get $first))
                (if (i32.eq (local.get $stride) (i32.const 1))
                  (then
                    (block $v1_done
                      (loop $v1
                        (br_if $v1_done (i32.gt_u (i32.add (local.get $ox) (i32.const 4)) (local.get $end)))
                        (v128.store (i32.add (local.get $o) (i32.shl (local.get $ox) (i32.const 2)))
                          (v128.load (i32.add (local.get $src) (i32.shl (local.get $ox) (i32.const 2)))))
                        (local.set $ox (i32.add (local.get $ox) (i32.const 4)))
                        (br $v1))))
                  (else
                    (block $v2_done
                      (loop $v2
                        (br_if $v2_done (i32.gt_u (i32.add (local.get $ox) (i32.const 4)) (local.get $end)))
                        (v128.store (i32.add (local.get $o) (i32.shl (local.get $ox) (i32.const 2)))
                          (i8x16.shuffle 0 1 2 3 8 9 10 11 16 17 18 19 24 25 26 27
                            (v128.load (i32.add (local.get $src) (i32.shl (local.get $ox) (i32.const 3))))
                            (v128.load offset=16 (i32.add (local.get $src) (i32.shl (local.get $ox) (i32.const 3))))))
                        (local.set $ox (i32.add (local.get $ox) (i32.const 4)))
                        (br $v2)))))
                (block $tail_done
                  (loop $tail
                    (br_if $tail_done (i32.ge_u (local.get $ox) (local.get $end)))
                    (f32.store (i32.add (local.get $o) (i32.shl (local.get $ox) (i32.const 2)))
                      (f32.load (i32.add (local.get $src) (i32.shl (i32.mul (local.get $ox) (local.get $stride)) (i32.const 2)))))
                    (local.set $ox (i32.add (local.get $ox) (i32.const 1)))
                    (br $tail)))
                (memory.fill (i32.add (local.get $o) (i32.shl (local.get $end) (i32.const 2))) (i32.const 0)
                  (i32.shl (i32.sub (local.get $outW) (local.get $end)) (i32.const 2)))))
            (local.set $oy (i32.add (local.get $oy) (i32.const 1)))
            (br $oy_loop)))
        (local.set $t (i32.add (local.get $t) (i32.const 1)))
        (br $t_loop))))

  ;; 2×2 max pooling, stride 2, of `planes` planes of inH × inW into outH × outW, every window inside the map
  ;; (2·outH ≤ inH, 2·outW ≤ inW: the detectors' pools). Four outputs per step: the two input rows' vertical
  ;; maximum, then the maximum of each even/odd column pair (f32x4.max, NaN-propagating like the reference's
  ;; Math.max); a scalar tail for outW % 4.
  (func (export "maxpool2x2")
    (param $in i32) (param $out i32) (param $planes i32) (param $inH i32) (param $inW i32) (param $outH i32)
    (param $outW i32)
    (local $p i32) (local $y i32) (local $x i32) (local $r0 i32) (local $r1 i32) (local $o i32) (local $vec i32)
    (local $a v128) (local $b v128)
    (local.set $vec (i32.and (local.get $outW) (i32.const -4)))
    (block $p_done
      (loop $p_loop
        (br_if $p_done (i32.ge_u (local.get $p) (local.get $planes)))
        (local.set $y (i32.const 0))
        (block $y_done
          (loop $y_loop
            (br_if $y_done (i32.ge_u (local.get $y) (local.get $outH)))
            ;; input rows 2y and 2y + 1 of plane p, output row y (byte offsets)
            (local.set $r0 (i32.add (local.get $in) (i32.shl (i32.mul (i32.add (i32.mul (local.get $p) (local.get $inH))
              (i32.shl (local.get $y) (i32.const 1))) (local.get $inW)) (i32.const 2))))
            (local.set $r1 (i32.add (local.get $r0) (i32.shl (local.get $inW) (i32.const 2))))
            (local.set $o (i32.add (local.get $out) (i32.shl (i32.mul (i32.add (i32.mul (local.get $p) (local.get $outH))
              (local.get $y)) (local.get $outW)) (i32.const 2))))
            (local.set $x (i32.const 0))
            (block $x_done
              (loop $x_loop
                (br_if $x_done (i32.ge_u (local.get $x) (local.get $vec)))
                (local.set $a (f32x4.max (v128.load (local.get $r0)) (v128.load (local.get $r1))))
                (local.set $b (f32x4.max (v128.load offset=16 (local.get $r0)) (v128.load offset=16 (local.get $r1))))
                (v128.store (local.get $o) (f32x4.max
                  (i8x16.shuffle 0 1 2 3 8 9 10 11 16 17 18 19 24 25 26 27 (local.get $a) (local.get $b))
                  (i8x16.shuffle 4 5 6 7 12 13 14 15 20 21 22 23 28 29 30 31 (local.get $a) (local.get $b))))
                (local.set $r0 (i32.add (local.get $r0) (i32.const 32)))
                (local.set $r1 (i32.add (local.get $r1) (i32.const 32)))
                (local.set $o (i32.add (local.get $o) (i32.const 16)))
                (local.set $x (i32.add (local.get $x) (i32.const 4)))
                (br $x_loop)))
            (block $tail_done
              (loop $tail
                (br_if $tail_done (i32.ge_u (local.get $x) (local.get $outW)))
                (f32.store (local.get $o) (f32.max
                  (f32.max (f32.load (local.get $r0)) (f32.load offset=4 (local.get $r0)))
                  (f32.max (f32.load (local.get $r1)) (f32.load offset=4 (local.get $r1)))))
                (local.set $r0 (i32.add (local.get $r0) (i32.const 8)))
                (local.set $r1 (i32.add (local.get $r1) (i32.const 8)))
                (local.set $o (i32.add (local.get $o) (i32.const 4)))
                (local.set $x (i32.add (local.get $x) (i32.const 1)))
                (br $tail)))
            (local.set $y (i32.add (local.get $y) (i32.const 1)))
            (br $y_loop)))
        (local.set $p (i32.add (local.get $p) (i32.const 1)))
        (br $p_loop))))

  ;; Global average pooling: out[p] = mean of the `area` floats of plane p, for `planes` planes.
  (func (export "avgpool") (param $in i32) (param $out i32) (param $planes i32) (param $area i32)
    (local $p i32) (local $i i32) (local $acc f32)
    (block $p_done
      (loop $p_loop
        (br_if $p_done (i32.ge_u (local.get $p) (local.get $planes)))
        (local.set $acc (f32.const 0))
        (local.set $i (i32.const 0))
        (block $i_done
          (loop $i_loop
            (br_if $i_done (i32.ge_u (local.get $i) (local.get $area)))
            (local.set $acc (f32.add (local.get $acc) (f32.load (local.get $in))))
            (local.set $in (i32.add (local.get $in) (i32.const 4)))
            (local.set $i (i32.add (local.get $i) (i32.const 1)))
            (br $i_loop)))
        (f32.store (i32.add (local.get $out) (i32.shl (local.get $p) (i32.const 2)))
          (f32.div (local.get $acc) (f32.convert_i32_u (local.get $area))))
        (local.set $p (i32.add (local.get $p) (i32.const 1)))
        (br $p_loop))))

  ;; Scales each of `batch` rows of `dim` floats to unit length, as kernels/l2norm.wgsl: divided by the row's
  ;; largest |x| first, so rows whose squared norm overflows f32 still come out unit; a row of norm below 1e-12
  ;; (a zero row) is scaled by 1e12 instead (zero stays zero).
  (func (export "l2norm") (param $in i32) (param $out i32) (param $batch i32) (param $dim i32)
    (local $n i32) (local $i i32) (local $m f32) (local $ss f32) (local $r f32) (local $v f32) (local $row i32) (local $large i32)
    (local.set $row (i32.shl (local.get $dim) (i32.const 2)))
    (block $n_done
      (loop $n_loop
        (br_if $n_done (i32.ge_u (local.get $n) (local.get $batch)))
        (local.set $m (f32.const 0))
        (local.set $i (i32.const 0))
        (block $max_done
          (loop $max
            (br_if $max_done (i32.ge_u (local.get $i) (local.get $row)))
            (local.set $m (f32.max (local.get $m) (f32.abs (f32.load (i32.add (local.get $in) (local.get $i))))))
            (local.set $i (i32.add (local.get $i) (i32.const 4)))
            (br $max)))
        (local.set $ss (f32.const 0))
        (local.set $i (i32.const 0))
        (block $sum_done
          (loop $sum
            (br_if $sum_done (i32.ge_u (local.get $i) (local.get $row)))
            (local.set $v (f32.div (f32.load (i32.add (local.get $in) (local.get $i))) (local.get $m)))
            (local.set $ss (f32.add (local.get $ss) (f32.mul (local.get $v) (local.get $v))))
            (local.set $i (i32.add (local.get $i) (i32.const 4)))
            (br $sum)))
        (local.set $r (f32.sqrt (local.get $ss)))
        (local.set $large (f32.ge (f32.mul (local.get $m) (local.get $r)) (f32.const 1e-12)))
        (local.set $i (i32.const 0))
        (block $scale_done
          (loop $scale
            (br_if $scale_done (i32.ge_u (local.get $i) (local.get $row)))
            (local.set $v (f32.load (i32.add (local.get $in) (local.get $i))))
            (f32.store (i32.add (local.get $out) (local.get $i))
              (select (f32.div (f32.div (local.get $v) (local.get $m)) (local.get $r)) (f32.mul (local.get $v) (f32.const 1e12)) (local.get $large)))
            (local.set $i (i32.add (local.get $i) (i32.const 4)))
            (br $scale)))
        (local.set $in (i32.add (local.get $in) (local.get $row)))
        (local.set $out (i32.add (local.get $out) (local.get $row)))
        (local.set $n (i32.add (local.get $n) (i32.const 1)))
        (br $n_loop))))

  ;; Preprocessing of one face (docs/weights-format.md, "Preprocessing"; the JavaScript reference is
  ;; runtime/cpu/preprocess.ts): out[c][y][x] = (Σ_a Σ_b wy_a · wx_b · pixel[ty_a][tx_b][c]) · scale[c] + offset[c]
  ;; for c = R, G, B, where scale = 1 / (255·std) and offset = −mean / std. The taps come from runtime/resize.ts,
  ;; as tables the host writes: for each output row ($yt) and column ($xt) a tap count, then (byte offset, weight)
  ;; pairs — a row's offset is into the RGBA8 pixels at $pix, a column's within the row. One RGBA pixel is one
  ;; vector: its bytes widened to four floats. Output rows are $rowPitch bytes apart and planes $plane bytes: a
  ;; plain S×S map, or the interior of the stem's zero-bordered planes (the stem then reads them directly).
  (func (export "preprocess")
    (param $pix i32) (param $xt i32) (param $yt i32) (param $out i32) (param $size i32) (param $rowPitch i32) (param $plane i32)
    (param $s0 f32) (param $s1 f32) (param $s2 f32) (param $f0 f32) (param $f1 f32) (param $f2 f32)
    (local $oy i32) (local $ox i32) (local $yp i32) (local $xp i32) (local $ny i32) (local $nx i32)
    (local $k i32) (local $j i32) (local $ypp i32) (local $xpp i32) (local $row i32) (local $o i32)
    (local $wy v128) (local $acc v128) (local $scale v128) (local $offset v128)
    (local.set $scale (f32x4.replace_lane 2 (f32x4.replace_lane 1 (f32x4.splat (local.get $s0)) (local.get $s1)) (local.get $s2)))
    (local.set $offset (f32x4.replace_lane 2 (f32x4.replace_lane 1 (f32x4.splat (local.get $f0)) (local.get $f1)) (local.get $f2)))
    (local.set $yp (local.get $yt))
    (block $oy_done
      (loop $oy_loop
        (br_if $oy_done (i32.ge_u (local.get $oy) (local.get $size)))
        (local.set $ny (i32.load (local.get $yp)))
        (local.set $yp (i32.add (local.get $yp) (i32.const 4)))
        (local.set $xp (local.get $xt))
        (local.set $o (i32.add (local.get $out) (i32.mul (local.get $oy) (local.get $rowPitch))))
        (local.set $ox (i32.const 0))
        (block $ox_done
          (loop $ox_loop
            (br_if $ox_done (i32.ge_u (local.get $ox) (local.get $size)))
            (local.set $nx (i32.load (local.get $xp)))
            (local.set $xp (i32.add (local.get $xp) (i32.const 4)))
            (local.set $acc (v128.const i32x4 0 0 0 0))
            (local.set $ypp (local.get $yp))
            (local.set $k (i32.const 0))
            (block $k_done
              (loop $k_loop
                (br_if $k_done (i32.ge_u (local.get $k) (local.get $ny)))
                (local.set $row (i32.add (local.get $pix) (i32.load (local.get $ypp))))
                (local.set $wy (v128.load32_splat offset=4 (local.get $ypp)))
                (local.set $xpp (local.get $xp))
                (local.set $j (i32.const 0))
                (block $j_done
                  (loop $j_loop
                    (br_if $j_done (i32.ge_u (local.get $j) (local.get $nx)))
                    (local.set $acc (@madd
                      (f32x4.convert_i32x4_u (i32x4.extend_low_i16x8_u (i16x8.extend_low_i8x16_u
                        (v128.load32_zero (i32.add (local.get $row) (i32.load (local.get $xpp)))))))
                      (f32x4.mul (local.get $wy) (v128.load32_splat offset=4 (local.get $xpp)))
                      (local.get $acc)))
                    (local.set $xpp (i32.add (local.get $xpp) (i32.const 8)))
                    (local.set $j (i32.add (local.get $j) (i32.const 1)))
                    (br $j_loop)))
                (local.set $ypp (i32.add (local.get $ypp) (i32.const 8)))
                (local.set $k (i32.add (local.get $k) (i32.const 1)))
                (br $k_loop)))
            (local.set $xp (i32.add (local.get $xp) (i32.shl (local.get $nx) (i32.const 3))))
            (local.set $acc (@madd (local.get $acc) (local.get $scale) (local.get $offset)))
            (f32.store (local.get $o) (f32x4.extract_lane 0 (local.get $acc)))
            (f32.store (i32.add (local.get $o) (local.get $plane)) (f32x4.extract_lane 1 (local.get $acc)))
            (f32.store (i32.add (local.get $o) (i32.shl (local.get $plane) (i32.const 1))) (f32x4.extract_lane 2 (local.get $acc)))
            (local.set $o (i32.add (local.get $o) (i32.const 4)))
            (local.set $ox (i32.add (local.get $ox) (i32.const 1)))
            (br $ox_loop)))
        (local.set $yp (i32.add (local.get $yp) (i32.shl (local.get $ny) (i32.const 3))))
        (local.set $oy (i32.add (local.get $oy) (i32.const 1)))
        (br $oy_loop)))))
