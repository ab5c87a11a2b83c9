#!/bin/bash
# Thread scaling on a many-core server, ours and PyTorch interleaved per thread count.
# On this machine: npm run build, then ../shared/tools/server-prep.sh (fills the ignored .devwork/:
# node, this build in .devwork/scr, the anchor scripts); optionally copy another build's dist/, build/
# and package.json to .devwork/<name> to time it alongside. On the server, from the project root:
#   bash bench/server/interleave.sh 1,2,4,8,16 [name]
# At each thread count: this build (ScRRAMBLe and dense, scale_threads.mjs), PyTorch's ScRRAMBLe step
# (torch_scrramble.py --routing dense), then the other build; then the step split of this build at
# every thread count (split-threads.mjs); then a second round of the two builds. JSON lines go to
# $OUT (ours.jsonl, torch_cpu.jsonl, split.jsonl).
set -u
T=${1:-1,2,4,8,16}
OTHER=${2:-}
OUT=${OUT:-$(mktemp -d)}
mkdir -p "$OUT"
NODE=$(mktemp -d)/node
xz -d -c .devwork/node.xz > "$NODE" && chmod +x "$NODE"
N="$NODE --experimental-wasm-relaxed-simd"
lscpu | grep -E "Model name|^CPU\(s\)|Thread|L3" > "$OUT/cpu.txt"
ours() { # build threads round
  timeout 120 $N .devwork/anchors/scale_threads.mjs ".devwork/$1" "$2" 64 | sed "s/^{/{\"build\":\"$1\",\"round\":$3,/" | tee -a "$OUT/ours.jsonl"
}
torch() { # threads round
  timeout 120 python3 .devwork/anchors/torch_scrramble.py train --model scrramble --routing dense --threads "$1" --reps 5 2>/dev/null |
    tail -1 | sed "s/^{/{\"round\":$2,/" | tee -a "$OUT/torch_cpu.jsonl"
}
timeout 60 $N .devwork/anchors/scale_threads.mjs .devwork/scr 1 64 > /dev/null # warm-up
for t in ${T//,/ }; do
  ours scr "$t" 1
  torch "$t" 1
  [[ -n "$OTHER" ]] && ours "$OTHER" "$t" 1
done
timeout 180 $N "$(dirname "$0")/split-threads.mjs" .devwork/scr "$T" | tee "$OUT/split.jsonl"
for t in ${T//,/ }; do
  [[ -n "$OTHER" ]] && ours "$OTHER" "$t" 2
  ours scr "$t" 2
done
