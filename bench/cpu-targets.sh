#!/usr/bin/env bash
# Every figure issue 10 asks for, on a quiet machine (nothing else running; the CPU targets assume 2 idle cores):
#   bash bench/cpu-targets.sh [out-dir]
# 1. The full bench in all four environments: WebGPU vs the peer GPU runtimes on both software adapters, what
#    'auto' picks in each environment, and in node-swiftshader the CPU rows — bridgeface on 1 and 2 threads,
#    onnxruntime-node on 1 thread and on 2 with spinning off and on — timed head-to-head in alternating calls,
#    after validation, with the measured one-core ceilings and each row's % of them.
# 2. The same Node CPU rows with V8's relaxed SIMD on (Node 20 ships it off; Chromium has it).
# 3. Per-layer % of the wasm ceiling of the CPU plan (pointwise ≥ 60 %, depthwise ≥ 25 %), SIMD128 and relaxed.
set -euo pipefail
cd "$(dirname "$0")/.."
out="${1:-bench/results}"
mkdir -p "$out"
uptime | tee "$out/cpu-targets-uptime.txt"
npm run bench -- --out "$out"
npm run bench -- --relaxed-simd --env node-swiftshader --rows bridgeface-cpu,bridgeface-cpu-2t,ort-node,ort-node-2t,ort-node-2t-spin --out "$out/relaxed"
node --import tsx --import ./scripts/register-wgsl.mjs bench/profile.ts --cpu-only --out "$out/profile-cpu-simd128.json" | tee "$out/profile-cpu-simd128.txt"
node --experimental-wasm-relaxed-simd --import tsx --import ./scripts/register-wgsl.mjs bench/profile.ts --cpu-only --out "$out/profile-cpu-relaxed.json" | tee "$out/profile-cpu-relaxed.txt"
uptime | tee -a "$out/cpu-targets-uptime.txt"
