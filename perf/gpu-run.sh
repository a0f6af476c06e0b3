#!/usr/bin/env bash
# The one prepared run on a lent GPU machine (no .NET there): unpacks the self-contained archive of
# perf/publish-gpu.sh and runs, each step under `timeout` and all of them inside one deadline (7.5 minutes by
# default), writing everything under $OUT:
#   machine.txt       date, uname, nvidia-smi, the archive's commit, where cuBLAS was found (if anywhere)
#   devices.txt       ilgpu-ae devices
#   check.txt         ilgpu-ae check --backend cuda (every device check against the double references)
#   bench-gemm.txt    bench: GEMM at the model shapes and 4096^3 (beside cuBLAS SGEMM when a libcublas loads),
#                     elementwise against a device-to-device copy, the VAE step with and without a CUDA graph
#   bench-steps.txt   bench: every model's train step at batch 128 and 1024, with and without a CUDA graph
#   train-vae/        a 2-epoch VAE run on the embedded data (metrics.jsonl, pictures), its log in train-vae.txt
#   train-vae-graph/  the same VAE run with train --cuda-graph (one step captured after 2 warm-up steps, replayed),
#                     its log in train-vae-graph.txt; graph-bits.txt compares its losses with train-vae's (they must match)
#   summary.txt       one line per step: exit status and milliseconds (124: its timeout ended it)
# Usage (on the GPU machine):  OUT=/some/dir perf/gpu-run.sh artifacts/ilgpu-ae-linux-x64.tar.xz
# Here, to check that every command parses and runs (tiny sizes, the CPU accelerator):
#   BACKEND=cpu DRY_RUN=1 OUT=/tmp/gpu-dry perf/gpu-run.sh artifacts/ilgpu-ae-linux-x64.tar.xz
# BACKEND=cpu leaves out bench's --cuda-graph (it needs CUDA; the CLI refuses it elsewhere) and the cuBLAS search, and runs
# train --cuda-graph on --backend auto, which on a machine without CUDA warns once and trains uncaptured.
set -uo pipefail
archive="${1:-artifacts/ilgpu-ae-linux-x64.tar.xz}"
out="${OUT:-$PWD/gpu-out}"
backend="${BACKEND:-cuda}"
dry="${DRY_RUN:-0}"
budget="${BUDGET_S:-450}"
t0=$(date +%s)
deadline=$((t0 + budget))
mkdir -p "$out"
: > "$out/summary.txt"

if [[ ! -f "$archive" ]]; then
  echo "gpu-run: no archive at $archive (build it with perf/publish-gpu.sh)" | tee -a "$out/summary.txt"
  exit 1
fi
work="$(mktemp -d)"
trap 'rm -rf "$work"' EXIT
tar -C "$work" -xJf "$archive" || { echo "gpu-run: could not unpack $archive" | tee -a "$out/summary.txt"; exit 1; }
app="$work/ilgpu-ae-linux-x64/ilgpu-ae"

# step NAME LIMIT_S COMMAND...: runs COMMAND into $out/NAME.txt under the smaller of LIMIT_S and what the deadline leaves.
step() {
  local name=$1 limit=$2
  shift 2
  local left=$((deadline - $(date +%s)))
  if ((left < 15)); then
    echo "$name skipped: the deadline left ${left}s" | tee -a "$out/summary.txt"
    return
  fi
  ((limit > left)) && limit=$left
  local start=$(date +%s%N)
  echo "\$ $*" > "$out/$name.txt"
  timeout --kill-after=10 "$limit" "$@" >> "$out/$name.txt" 2>&1
  local rc=$?
  local took=$((($(date +%s%N) - start) / 1000000))
  echo "$name rc=$rc ms=$took limit_s=$limit" | tee -a "$out/summary.txt"
}

{
  echo "date: $(date -u '+%Y-%m-%d %H:%M:%S UTC')"
  echo "archive commit: $(cat "$work/ilgpu-ae-linux-x64/COMMIT" 2>/dev/null || echo unknown)"
  echo "uname: $(uname -a)"
  echo "cpus: $(nproc)"
  command -v nvidia-smi > /dev/null && timeout 20 nvidia-smi || echo "nvidia-smi: not found"
} > "$out/machine.txt" 2>&1

graph=()
if [[ "$backend" == cuda ]]; then
  graph=(--cuda-graph)
  # cuBLAS is not part of the driver; bench loads it from ILGPU_AE_CUBLAS when one is found here.
  if [[ -z "${ILGPU_AE_CUBLAS:-}" ]]; then
    found=$(timeout 20 find /usr/local /usr/lib /usr/lib64 /opt "$HOME" -name 'libcublas.so*' -not -name '*Lt*' 2>/dev/null | head -1)
    [[ -n "$found" ]] && export ILGPU_AE_CUBLAS="$found"
  fi
  echo "cublas: ${ILGPU_AE_CUBLAS:-not found}" >> "$out/machine.txt"
fi

if [[ "$dry" == 1 ]]; then
  gemm=8x12x16; elements=1000; repeat=1; steps=1; batches=4,8; vae_batches=4; epochs=1; limit=(--limit 256)
else
  gemm=1024x400x784,128x400x784,4096x4096x4096; elements=16777216; repeat=10; steps=20; batches=128,1024; vae_batches=128
  epochs=2; limit=()
fi

step devices 30 "$app" devices
step check 75 "$app" check --backend "$backend"
step bench-gemm 120 "$app" bench --backend "$backend" --gemm "$gemm" --elements "$elements" --repeat "$repeat" \
  --models vae --batches "$vae_batches" --steps "$steps" "${graph[@]}"
step bench-steps 150 "$app" bench --backend "$backend" --gemm 128x400x784 --elements 1048576 --repeat 3 \
  --batches "$batches" --steps "$steps" "${graph[@]}"
step train-vae 75 "$app" train --model vae --backend "$backend" --epochs "$epochs" --batch 128 --seed 1 \
  --out "$out/train-vae" --quiet "${limit[@]}"
graph_backend=$backend
[[ "$backend" == cpu ]] && graph_backend=auto
step train-vae-graph 75 "$app" train --model vae --backend "$graph_backend" --epochs "$epochs" --batch 128 --seed 1 \
  --out "$out/train-vae-graph" --quiet "${limit[@]}" --cuda-graph
# The captured run must give the uncaptured run's losses, digit for digit (times apart).
losses() { grep -o '"train_loss":[^,]*,"test_loss":[^,]*' "$1/metrics.jsonl" 2>/dev/null; }
step graph-bits 10 bash -c "diff <(echo \"\$1\") <(echo \"\$2\") && echo 'captured and uncaptured losses match'" _ \
  "$(losses "$out/train-vae")" "$(losses "$out/train-vae-graph")"
echo "total seconds: $(($(date +%s) - t0)) of a ${budget}s deadline" | tee -a "$out/summary.txt"
