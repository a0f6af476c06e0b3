#!/usr/bin/env bash
# Publishes the `ilgpu-ae` command and the BenchmarkDotNet suite self-contained for linux-x64 into one
# tar.xz, for a GPU host without a .NET SDK. There:
#   tar -xJf ilgpu-ae-linux-x64.tar.xz && cd ilgpu-ae-linux-x64
#   ./ilgpu-ae check --backend cuda                 # the test suite's device checks (exit 1 if one fails)
#   ./ilgpu-ae bench --backend cuda                 # the quick table
#   ./IlgpuAe.Perf --inProcess --filter '*'         # the suite, in-process (no SDK needed)
# Both apps are published into one folder, so they share one copy of the runtime and the libraries.
set -euo pipefail
root="$(cd "$(dirname "$0")/.." && pwd)"
out="${1:-$root/artifacts}"
name=ilgpu-ae-linux-x64
stage="$out/$name"
rm -rf "$stage"
mkdir -p "$stage"
common=(-c Release -r linux-x64 --self-contained true)
dotnet publish "$root/src/IlgpuAe.Cli/IlgpuAe.Cli.csproj" "${common[@]}" -o "$stage"
dotnet publish "$root/perf/IlgpuAe.Perf/IlgpuAe.Perf.csproj" "${common[@]}" -o "$stage"
find "$stage" -name '*.pdb' -delete
git -C "$root" rev-parse --short HEAD > "$stage/COMMIT" 2>/dev/null || echo unknown > "$stage/COMMIT"
XZ_OPT="${XZ_OPT:--6 -T0}" tar -C "$out" -cJf "$out/$name.tar.xz" "$name"
ls -l "$out/$name.tar.xz"
du -sh "$stage"
