#!/usr/bin/env bash
# Our engine against libtorch (TorchSharp-cpu 0.107, libtorch 2.10 CPU) in one process at 2 threads: the same-weights check,
# SGEMM, every mirrored model's train step, the conv VAE/AE steps and a full VAE epoch on Fashion-MNIST (see perf/RESULTS.md).
# Optional: nothing in IlgpuAe.sln, CI or the tests uses it. The first build restores TorchSharp-cpu (about 600 MB) from NuGet
# and patches the output's libLibTorchSharp.so for Debian 12 (perf/IlgpuAe.Torch/weaken-glibcxx.py). Arguments go to the
# program (--sections, --models, --batches, --rounds, --block-seconds, --threads, --data, --epochs; --help lists them).
set -euo pipefail
cd "$(dirname "$0")/.."
dotnet build perf/IlgpuAe.Torch -c Release -m:1 -nologo -v q
echo "date: $(date -u '+%Y-%m-%d %H:%M:%S') UTC; uptime: $(uptime)"
echo "lscpu:"
lscpu | grep -E '^(Model name|CPU family|Model|CPU\(s\)|Thread\(s\) per core|Core\(s\) per socket|L2 cache|L3 cache):' | sed 's/^/  /'
ILGPU_AE_COMMIT="$(git rev-parse --short HEAD)$(git diff --quiet HEAD -- . ':!perf/RESULTS.md' 2>/dev/null || echo '+uncommitted')"
export ILGPU_AE_COMMIT
exec dotnet perf/IlgpuAe.Torch/bin/Release/net10.0/IlgpuAe.Torch.dll "$@"
