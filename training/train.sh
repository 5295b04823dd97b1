#!/usr/bin/env bash
# bridgeface training pipeline. Every stage caches its output and can run alone:
#   npm run train -- --data <dir> [--data <dir> ...] [stage ...]   (the root with lfw/ first; more roots add sets)
#   stages: teacher   face-api alignment + teacher descriptors, then the LFW near-duplicate check → training/cache/teacher
#           teacher-lr teacher descriptors of degraded LFW faces (eval)   → training/cache/teacher-lr/<split>
#           student   bridge + student for splits A and B (+ ablations)   → training/runs/*
#           ship      copy the chosen run's weights to weights/student.bfw
#           eval      LFW table through the TypeScript runtime              → training/results/*
#   (no stage: teacher teacher-lr student eval)
# Options via environment: BRIDGEFACE_DATA (or --data; several roots separated by ':'), CACHE (teacher cache folder,
#   default $OUT/cache/teacher), DESCRIBE (torch, the default: the teacher and teacher-lr stages prepare the faces in
#   Node and the PyTorch port of the teacher describes them, ≈ 4× less CPU per descriptor; tfjs: face-api's own
#   descriptor in the Node processes, the reference the port is tested against), SHARDS (parallel teacher processes,
#   default 2),
#   ARCH (student architecture, a name in bridgeface_train/candidates.py; default v1), RECIPE (LR synthesis, default v2),
#   EPOCHS (default 24, the shipped student's schedule), SET_WEIGHTS (space-separated NAME=FACTOR, each passed as --set-weight to every student run:
#   draw that set's faces FACTOR times as often; default none, every face once per epoch), INIT (a .bfw every student
#   run starts from instead of at random, e.g. weights/student.bfw to fine-tune the shipped student; its split must be
#   the run's, so with SPLITS=A for the shipped file), MODE (default no-cls; full = multi-task), ABL_EPOCHS (default 1), ABLATIONS (default 1; 0 skips them), SPLITS (default "A B": all 10 folds; "A" alone covers folds 1-5), PYTHON
#   (default /usr/bin/python3), OUT (default training), SMOKE=1, EVAL_BACKEND (cpu | webgpu; default webgpu on Dawn's
#   GLES/llvmpipe adapter, the fastest here).
set -euo pipefail
cd "$(dirname "$0")/.."
ROOTS=()
STAGES=()
while [ $# -gt 0 ]; do
  case "$1" in
    --data) ROOTS+=("$2"); shift 2 ;;
    *) STAGES+=("$1"); shift ;;
  esac
done
[ ${#ROOTS[@]} -gt 0 ] || IFS=: read -ra ROOTS <<< "${BRIDGEFACE_DATA:-}"
[ ${#ROOTS[@]} -gt 0 ] || { echo "no data root: pass --data <dir> or set BRIDGEFACE_DATA (see training/README.md)" >&2; exit 2; }
export BRIDGEFACE_DATA="$(IFS=:; echo "${ROOTS[*]}")"
DATA_ARGS=(); for r in "${ROOTS[@]}"; do DATA_ARGS+=(--data "$r"); done
[ ${#STAGES[@]} -gt 0 ] || STAGES=(teacher teacher-lr student eval)
PY="${PYTHON:-/usr/bin/python3}"
OUT="${OUT:-training}"
SHARDS="${SHARDS:-2}"
EPOCHS="${EPOCHS:-24}"   # of ~67k faces per split: ≈ 3.1 min an epoch per split, both splits at once (training/README.md, "`npm run train` end to end")
ARCH="${ARCH:-v1}"
RECIPE="${RECIPE:-v2}"
MODE="${MODE:-no-cls}"   # the shipped recipe: mimic the bridge only (see README, ablations)
ABL_EPOCHS="${ABL_EPOCHS:-1}"
ABLATIONS="${ABLATIONS:-1}"   # 0: train and evaluate the students only
SPLITS="${SPLITS:-A B}"
EVAL_BACKEND="${EVAL_BACKEND:-webgpu}"
SMOKE="${SMOKE:-0}"
[ "$SMOKE" = 1 ] && SPLITS=A   # the smoke test's faces come from folds 1-2
CACHE="${CACHE:-$OUT/cache/teacher}"
LR="$OUT/cache/teacher-lr"
RUNS="$OUT/runs"
mkdir -p "$OUT/cache/logs" "$RUNS"
TSX=(node --import tsx --import ./scripts/register-wgsl.mjs)
stamp() { date -u +%H:%M:%S; }
timed() { local name="$1"; shift; local t0=$SECONDS; echo "[$(stamp)] stage $name ..."; "$@"; echo "[$(stamp)] stage $name took $((SECONDS - t0)) s" | tee -a "$OUT/cache/logs/stage-times.txt"; }

EXTRA_ALIGN=()
[ -n "${ONLY:-}" ] && EXTRA_ALIGN=(--only "$ONLY")

DESCRIBE_MODE=tfjs; [ "${DESCRIBE:-torch}" = torch ] && DESCRIBE_MODE=later   # align.ts / lr.ts --describe
TEACHER_TORCH="$OUT/cache/teacher-torch"   # the teacher's weights for the PyTorch port
teacher_weights() { [ -f "$TEACHER_TORCH/teacher.f32" ] || "${TSX[@]}" training/teacher/export-weights.ts --out "$TEACHER_TORCH"; }
stage_teacher() {
  local pids=() describe="$DESCRIBE_MODE"
  for ((k = 0; k < SHARDS; k++)); do
    nice -n 10 "${TSX[@]}" training/teacher/align.ts "${DATA_ARGS[@]}" --out "$CACHE" --shard $k --shards "$SHARDS" "${EXTRA_ALIGN[@]}" \
      --describe "$describe" > "$OUT/cache/logs/align-$k.log" 2>&1 &
    pids+=($!)
  done
  for p in "${pids[@]}"; do wait "$p"; done
  tail -qn1 "$OUT"/cache/logs/align-*.log
  if [ "$describe" = later ]; then
    teacher_weights
    PYTHONPATH=training nice -n 10 "$PY" -m bridgeface_train.describe --cache "$CACHE" --weights "$TEACHER_TORCH" --threads "$SHARDS" \
      | tee "$OUT/cache/logs/describe.log"
  fi
  PYTHONPATH=training nice -n 10 "$PY" -m bridgeface_train.dedup --cache "$CACHE" | tee "$OUT/cache/logs/dedup.log"
}
split_folds() { [ "$1" = A ] && echo 1-5 || echo 6-10; }   # the LFW folds a split never trains on
folds() { case "$SPLITS" in A) echo 1-5 ;; B) echo 6-10 ;; *) echo 1-10 ;; esac; }
model_spec() { local spec="" sp; for sp in $SPLITS; do [ -n "$spec" ] && spec="$spec,"; spec="$spec$RUNS/$sp/student.bfw:$(split_folds "$sp")"; done; echo "$spec"; }
stage_teacher_lr() { # one folder per split: the teacher rows of the folds that split is scored on
  local sizes="8,12,16,24,32" sp
  [ "$SMOKE" = 1 ] && sizes="16"
  local pids=()
  [ "$DESCRIBE_MODE" = later ] && teacher_weights
  for sp in $SPLITS; do ( # the splits in parallel: one process per core
    nice -n 10 "${TSX[@]}" training/teacher/lr.ts --cache "$CACHE" --out "$LR/$sp" --folds "$(split_folds "$sp")" --variants aligned --sizes "$sizes" --describe "$DESCRIBE_MODE"
    nice -n 10 "${TSX[@]}" training/teacher/lr.ts --cache "$CACHE" --out "$LR/$sp" --folds "$(split_folds "$sp")" --variants unaligned --sizes "${UNALIGNED_SIZES:-16,hr,8,12,24,32}" --describe "$DESCRIBE_MODE"
    if [ "$DESCRIBE_MODE" = later ]; then
      PYTHONPATH=training nice -n 10 "$PY" -m bridgeface_train.describe_lr --dir "$LR/$sp" --weights "$TEACHER_TORCH" --threads 1
    fi
  ) > "$OUT/cache/logs/teacher-lr-$sp.log" 2>&1 & pids+=($!); done
  for p in "${pids[@]}"; do wait "$p"; done
  for sp in $SPLITS; do tail -n1 "$OUT/cache/logs/teacher-lr-$sp.log"; done
}
train() { # name split mode epochs [extra...]
  local name="$1" split="$2" mode="$3" ep="$4" w; shift 4
  for w in ${SET_WEIGHTS:-}; do set -- "$@" --set-weight "$w"; done
  [ -z "${INIT:-}" ] || set -- "$@" --init "$INIT"
  PYTHONPATH=training nice -n 10 "$PY" -m bridgeface_train.train --cache "$CACHE" "${DATA_ARGS[@]}" --split "$split" \
    --mode "$mode" --epochs "$ep" --arch "$ARCH" --recipe "$RECIPE" --out "$RUNS/$name" "$@"
}
stage_student() {
  if [ "$SMOKE" = 1 ]; then
    train smoke A full 1 --bridge-epochs 2 --eval-every 1 --batch 16
    return
  fi
  # the splits in parallel, one thread each: ~270 img/s each on 2 cores, against ~400 img/s for one 2-thread run
  local pids=() sp
  for sp in $SPLITS; do train "$sp" "$sp" "$MODE" "$EPOCHS" --eval-every 20 --threads 1 > "$OUT/cache/logs/train-$sp.log" 2>&1 & pids+=($!); done
  for p in "${pids[@]}"; do wait "$p"; done
  for sp in $SPLITS; do tail -n1 "$OUT/cache/logs/train-$sp.log"; done
  [ "$ABLATIONS" = 1 ] || return 0
  for m in full no-bridge no-cls cls-only; do train "abl-$m" A "$m" "$ABL_EPOCHS" --eval-every 100; done
}
stage_ship() { cp "${SHIP:-$RUNS/A/student.bfw}" weights/student.bfw; echo "shipped ${SHIP:-$RUNS/A/student.bfw}"; }
stage_eval() {
  if [ "$SMOKE" = 1 ]; then
    "${TSX[@]}" training/eval.ts --cache "$CACHE" --teacher-lr "$LR/A" --variants aligned --sizes 16 --teacher \
      --model "smoke=$RUNS/smoke/student.bfw" --out "$OUT/results/smoke"
    return
  fi
  local gpu=(--backend "$EVAL_BACKEND"); [ "$EVAL_BACKEND" = webgpu ] && gpu+=(--feature-level compatibility)
  local runA=()   # the shipped file (run A) alone, on the folds it never trained on
  [[ " $SPLITS " == *" A "* ]] && runA=(--model "student (run A)=$RUNS/A/student.bfw:1-5")
  "${TSX[@]}" training/eval.ts --cache "$CACHE" --teacher-lr "$LR/A,$LR/B" --folds "$(folds)" --teacher --variants aligned,unaligned \
    --sizes 8,12,16,24,32,hr --out "$OUT/results/teacher"
  if [ ${#runA[@]} -gt 0 ] && [ "$(folds)" = 1-10 ]; then   # the teacher on run A's folds, beside "student (run A)"
    "${TSX[@]}" training/eval.ts --cache "$CACHE" --teacher-lr "$LR/A" --folds 1-5 --teacher --variants aligned,unaligned \
      --sizes 8,12,16,24,32,hr --out "$OUT/results/teacher-folds1-5"
  fi
  EGL_PLATFORM=surfaceless nice -n 10 "${TSX[@]}" training/eval.ts --cache "$CACHE" --folds "$(folds)" "${gpu[@]}" \
    --variants aligned,unaligned --sizes 16,32,12,8,24,hr --model "student=$(model_spec)" \
    "${runA[@]}" --out "$OUT/results/student"
  [ "$ABLATIONS" = 1 ] || return 0
  EGL_PLATFORM=surfaceless nice -n 10 "${TSX[@]}" training/eval.ts --cache "$CACHE" --folds 1-5 "${gpu[@]}" --variants aligned --sizes "${ABL_SIZES:-16,12,32}" \
    --model "full ($ABL_EPOCHS ep)=$RUNS/abl-full/student.bfw:1-5" --model "no bridge (mimic teacher)=$RUNS/abl-no-bridge/student.bfw:1-5" \
    --model "no classification=$RUNS/abl-no-cls/student.bfw:1-5" --model "classification only=$RUNS/abl-cls-only/student.bfw:1-5" \
    --out "$OUT/results/ablations"
}
for s in "${STAGES[@]}"; do
  case "$s" in
    teacher) timed teacher stage_teacher ;;
    teacher-lr) timed teacher-lr stage_teacher_lr ;;
    student) timed student stage_student ;;
    ship) stage_ship ;;
    eval) timed eval stage_eval ;;
    *) echo "unknown stage $s" >&2; exit 2 ;;
  esac
done
