#!/usr/bin/env bash
# Real-GPU measurement of bridgeface (Dawn in Node, NVIDIA Vulkan driver). Two steps:
#
#   bash bench/gpu-device.sh pack   # here (a machine with this repo's node_modules): build bench/.gpu-bundle/
#   bash bench/gpu-device.sh run    # on the GPU machine (no Node, no browser): unpack, run, write the JSON
#
# The bundle holds Node (xz), Dawn's dawn.node (xz), the Vulkan loader, and the benchmark as one esbuild file;
# it is an ignored folder, so carry it with the working tree (run tool: carry ["bench/.gpu-bundle"]); < 64 MiB.
# run writes bench/results/gpu-<host>-<date>.json (and a copy in $OUT when that is set) and prints faces/s
# against the paper's 14,705 faces/s. Options after `run`: --quick (fewer sizes); ICD=path/to/icd.json to force
# a Vulkan driver (default: the NVIDIA ICD, found or written from libGLX_nvidia.so.0).
set -euo pipefail
cd "$(dirname "$0")/.."
BUNDLE=bench/.gpu-bundle
cmd=${1:-}
shift || true

pack() {
  rm -rf "$BUNDLE" && mkdir -p "$BUNDLE/node_modules/webgpu/dist/linux-x64"
  node bench/gpu/build.mjs "$BUNDLE/bench.mjs"
  cp node_modules/webgpu/index.js node_modules/webgpu/package.json "$BUNDLE/node_modules/webgpu/"
  xz -T2 -6 -c node_modules/webgpu/dist/linux-x64/dawn.node > "$BUNDLE/dawn.node.xz"
  xz -T2 -6 -c "$(readlink -f "$(command -v node)")" > "$BUNDLE/node.xz"
  cp -L /usr/lib/x86_64-linux-gnu/libvulkan.so.1 "$BUNDLE/libvulkan.so.1"
  cp weights/student.bfw "$BUNDLE/student.bfw"
  echo "node $(node --version), webgpu $(node -p "require('./node_modules/webgpu/package.json').version")" > "$BUNDLE/VERSIONS"
  du -sh "$BUNDLE"; du -b -s "$BUNDLE" | awk '{ if ($1 > 64*1024*1024) { print "bundle over 64 MiB"; exit 1 } }'
}

unxz_to() { # file.xz → dest, with xz or, failing that, Python's lzma
  if command -v xz >/dev/null; then xz -dc "$1" > "$2"; else python3 -c 'import lzma,sys,shutil; shutil.copyfileobj(lzma.open(sys.argv[1]), open(sys.argv[2],"wb"))' "$1" "$2"; fi
}

run() {
  [ -f "$BUNDLE/bench.mjs" ] || { echo "no $BUNDLE: run 'bash bench/gpu-device.sh pack' first and carry the folder"; exit 2; }
  local work; work=$(mktemp -d /tmp/bridgeface-gpu.XXXXXX)
  cp -r "$BUNDLE/node_modules" "$BUNDLE/bench.mjs" "$BUNDLE/student.bfw" "$work/"
  unxz_to "$BUNDLE/node.xz" "$work/node"; chmod +x "$work/node"
  unxz_to "$BUNDLE/dawn.node.xz" "$work/node_modules/webgpu/dist/linux-x64/dawn.node"
  mkdir -p "$work/lib" && cp "$BUNDLE/libvulkan.so.1" "$work/lib/"
  # The Vulkan driver: an installed NVIDIA ICD, or one written for the driver library the container has.
  local icd=${ICD:-}
  if [ -z "$icd" ]; then
    for f in /usr/local/nvidia/share/vulkan/icd.d/nvidia_icd*.json /usr/share/vulkan/icd.d/nvidia_icd*.json /etc/vulkan/icd.d/nvidia_icd*.json /usr/share/vulkan/icd.d/nvidia*.json; do
      [ -f "$f" ] && { icd=$f; break; }
    done
  fi
  if [ -z "$icd" ]; then
    local lib; lib=$(ldconfig -p 2>/dev/null | awk '/libGLX_nvidia.so.0/ { print $NF; exit }')
    [ -z "$lib" ] && lib=$(ls /usr/lib/x86_64-linux-gnu/libGLX_nvidia.so.0 /usr/lib64/libGLX_nvidia.so.0 2>/dev/null | head -1 || true)
    if [ -n "$lib" ]; then
      icd="$work/nvidia_icd.json"
      printf '{"file_format_version":"1.0.0","ICD":{"library_path":"%s","api_version":"1.3"}}\n' "$lib" > "$icd"
    fi
  fi
  echo "Vulkan ICD: ${icd:-none found (Dawn will report no adapter)}"
  nvidia-smi --query-gpu=name,driver_version,memory.total --format=csv,noheader 2>/dev/null || true
  mkdir -p bench/results
  local out; out="bench/results/gpu-$(hostname | tr -c 'a-zA-Z0-9_\n-' _)-$(date -u +%Y-%m-%d).json"
  local xdg="$work/xdg"; mkdir -m 700 "$xdg"
  env LD_LIBRARY_PATH="$work/lib:${LD_LIBRARY_PATH:-}" XDG_RUNTIME_DIR="$xdg" ${icd:+VK_ICD_FILENAMES="$icd"} \
    "$work/node" "$work/bench.mjs" "$work/student.bfw" "$out" "$@"
  [ -n "${OUT:-}" ] && cp "$out" "$OUT/" || true
  echo "wrote $out"
  rm -rf "$work"
}

case "$cmd" in
  pack) pack ;;
  run) run "$@" ;;
  *) echo "usage: bash bench/gpu-device.sh pack | run [--quick]"; exit 2 ;;
esac
