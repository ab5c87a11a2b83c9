#!/bin/bash
# Every experiment behind docs/paper.md, in order: trains the models, runs the
# sweeps, regenerates docs/results/*.svg and fills the TODO(key) cells of
# docs/paper.md with the measured numbers. Sequential and resumable: a step whose
# output exists is skipped (and sweeps resume from their task records), so the
# script can be stopped and started again. Long: many hours on 2 cores (the
# reference recipe and the 10-seed / grid / connectivity sweeps dominate).
#   scripts/paper-experiments.sh              # everything
#   ONLY=ptq scripts/paper-experiments.sh     # one group: models seeds slots grid cores connectivity ptq binary recipe report figures fill
# Environment: SCRRAMBLE (command, default: node dist/src/cli/main.js), RUNS
# (run folders, default runs/paper), RESULTS (default docs/results), DATA
# (an MNIST IDX folder for the full 50k/10k/10k split; default: the bundled
# 8k/2k subset), THREADS (default auto).

set -euo pipefail
cd "$(dirname "$0")/.."
SCRRAMBLE=${SCRRAMBLE:-node dist/src/cli/main.js}
RUNS=${RUNS:-runs/paper}
RESULTS=${RESULTS:-docs/results}
THREADS=${THREADS:-auto}
DATA_ARGS=()
if [ -n "${DATA:-}" ]; then DATA_ARGS=(--data "$DATA"); fi
ONLY=${ONLY:-}
mkdir -p "$RUNS" "$RESULTS"

sc() { $SCRRAMBLE "$@" --threads "$THREADS"; }
want() { [ -z "$ONLY" ] || [ "$ONLY" = "$1" ]; }
# step OUTPUT COMMAND...: run COMMAND unless OUTPUT exists
step() {
  local out=$1
  shift
  if [ -e "$out" ]; then
    echo "skip (exists): $out"
  else
    echo "run: $*"
    "$@"
  fi
}
train() { local out=$1; shift; step "$out/result.json" sc train "${DATA_ARGS[@]}" --out "$out" "$@"; }
sweep() { local kind=$1 out=$2; shift 2; step "$out/sweep-$kind.json" sc sweep "$kind" "${DATA_ARGS[@]}" --out "$out" "$@"; }
keep() { for f in "$@"; do [ -e "$f" ] && cp "$f" "$RESULTS/"; done; return 0; }
# json FILE EXPRESSION: evaluate a JavaScript expression over the parsed file (as d)
json() { node -e "const d = JSON.parse(require('fs').readFileSync(process.argv[1], 'utf8')); console.log(eval(process.argv[2]))" "$1" "$2"; }
pct() { json "$1" "($2 * 100).toFixed(2) + ' %'"; }

if want models; then
  train "$RUNS/scr"                                  # the default 4-50-10 model, zero-fill shifts
  train "$RUNS/scr-circular" --shift-mode circular   # the same with circular shifts (the earlier default)
  train "$RUNS/c40" --cores 4,40,10                  # 50 cores, the equal-core comparison
  train "$RUNS/dense" --model dense                  # partial-sums baseline, bias (our protocol)
  train "$RUNS/dense-nobias" --model dense --bias false   # the reference's bias-free partial-sums network
fi
if want seeds; then
  sweep seeds "$RUNS/seeds" --values 0..9
  cp "$RUNS/seeds/sweep-seeds.svg" "$RESULTS/sweep-seeds.svg"
fi
if want slots; then
  sweep slot-size "$RUNS/slots" --values 8,16,32,64,128 --seeds 3
  keep "$RUNS/slots/sweep-slot-size.svg"
fi
if want grid; then
  sweep grid "$RUNS/grid" --slot-size 8,16,32,64,128 --p 0.05,0.1,0.2,0.3,0.5
  keep "$RUNS/grid/sweep-grid.svg" "$RUNS/grid/sweep-grid-totalBits.svg" "$RUNS/grid/sweep-grid-overhead.svg"
fi
if want cores; then
  sweep cores "$RUNS/cores" --values 20,30,60 --seeds 3
  keep "$RUNS/cores/sweep-cores.svg"
fi
if want connectivity; then
  sweep connectivity "$RUNS/connectivity" --values 0.05,0.1,0.2,0.4,0.7,1
  keep "$RUNS/connectivity/sweep-connectivity.svg"
fi
if want ptq; then
  # the reference's protocol: 4-40-10 against the bias-free partial sums, ADC after the accumulated sum
  for fs in 10 2; do
    sweep adc-bits "$RUNS/ptq-fs$fs" --checkpoint "$RUNS/c40" --baseline "$RUNS/dense-nobias" \
      --partial-sum-adc accumulated --adc-max "$fs" --values 1..24
    cp "$RUNS/ptq-fs$fs/sweep-adc-bits.svg" "$RESULTS/ptq-adc-bits-fs$fs.svg"
  done
  sweep adc-max "$RUNS/ptq-max" --checkpoint "$RUNS/c40" --baseline "$RUNS/dense-nobias" --partial-sum-adc accumulated \
    --adc-bits 8 --values 0.015625,0.03125,0.0625,0.125,0.25,0.5,1,2,4,8,16,32
  cp "$RUNS/ptq-max/sweep-adc-max.svg" "$RESULTS/ptq-adc-max.svg"
  # our protocol: a signed ADC on every tile's partial sum, calibrated full scale
  sweep adc-bits "$RUNS/ptq-per-tile" --checkpoint "$RUNS/c40" --baseline "$RUNS/dense" --values 1..16
fi
if want binary; then
  train "$RUNS/binary" --activation binary   # 1-bit activations, clipped straight-through estimator
  train "$RUNS/qrelu1" --activation qrelu --adc-bits 1 --adc-max 1
fi
if want recipe; then
  train "$RUNS/reference" --recipe reference   # hours: 50k steps with the reconstruction head
fi
if want report; then
  step "$RUNS/report/report.json" sc report --seeds 20 --out "$RUNS/report"
  step "$RUNS/report-cifar10/report.json" sc report --cores 8,50,10 --slot-size 16 --p 0.2 --seeds 20 --out "$RUNS/report-cifar10"
  step "$RUNS/report-cifar100/report.json" sc report --cores 8,20,10 --slot-size 16 --p 0.75 --seeds 20 --out "$RUNS/report-cifar100"
  cp "$RUNS/report/overhead-contour.svg" "$RESULTS/overhead-contour.svg"
  cp "$RUNS/report/report.md" "$RESULTS/report-4-50-10.md"
fi
if want figures; then
  step "$RUNS/figures-scr/connectivity-layer1.svg" sc figures --checkpoint "$RUNS/scr" --out "$RUNS/figures-scr"
  keep "$RUNS/figures-scr/connectivity-layer1.svg" "$RUNS/figures-scr/connectivity-layer2.svg"
  if [ -e "$RUNS/reference/result.json" ]; then
    step "$RUNS/figures-reference/reconstructions.svg" sc figures --checkpoint "$RUNS/reference" --out "$RUNS/figures-reference"
    keep "$RUNS/figures-reference/reconstructions.svg"
  fi
fi
if want fill; then
  # fill TODO(key) cells of docs/paper.md from whatever outputs exist
  fill() { [ -e "$2" ] && sed -i "s|TODO($1)|$(eval "$3")|g" docs/paper.md && echo "filled $1"; return 0; }
  fill default "$RUNS/scr/result.json" 'pct $RUNS/scr/result.json d.testAccuracy'
  fill circular "$RUNS/scr-circular/result.json" 'pct $RUNS/scr-circular/result.json d.testAccuracy'
  fill c40 "$RUNS/c40/result.json" 'pct $RUNS/c40/result.json d.testAccuracy'
  fill dense "$RUNS/dense/result.json" 'pct $RUNS/dense/result.json d.testAccuracy'
  fill dense-nobias "$RUNS/dense-nobias/result.json" 'pct $RUNS/dense-nobias/result.json d.testAccuracy'
  fill seeds "$RUNS/seeds/sweep-seeds.json" \
    'json $RUNS/seeds/sweep-seeds.json "(d.summary[0].mean*100).toFixed(2) + \" % +- \" + (d.summary[0].std*100).toFixed(2) + \" (\" + d.summary[0].runs + \" seeds)\""'
  fill slots "$RUNS/slots/sweep-slot-size.json" \
    'json $RUNS/slots/sweep-slot-size.json "d.series[0].points.map(p => \"s \" + p.x + \": \" + (p.accuracy*100).toFixed(2)).join(\", \")"'
  fill grid "$RUNS/grid/sweep-grid.json" \
    'json $RUNS/grid/sweep-grid.json "(p => \"best \" + (p.accuracy*100).toFixed(2) + \" % at s \" + p.y + \", p \" + p.x)(d.series[0].points.reduce((a, b) => b.accuracy > a.accuracy ? b : a))"'
  fill cores "$RUNS/cores/sweep-cores.json" \
    'json $RUNS/cores/sweep-cores.json "d.series[0].points.map(p => p.x + \" cores: \" + (p.accuracy*100).toFixed(2)).join(\", \")"'
  fill connectivity "$RUNS/connectivity/sweep-connectivity.json" \
    'json $RUNS/connectivity/sweep-connectivity.json "d.series.map(s => s.name.split(\" (\")[0] + \" \" + (Math.max(...s.points.map(p => p.accuracy))*100).toFixed(2)).join(\"; \")"'
  for fs in 10 2; do
    fill "ptq-fs$fs" "$RUNS/ptq-fs$fs/sweep-adc-bits.json" \
      "json $RUNS/ptq-fs$fs/sweep-adc-bits.json \"d.series.map(s => s.name.split(' ')[0] + ': ' + [2, 4, 8].map(b => b + ' b ' + (s.points.find(p => p.x === b).accuracy*100).toFixed(1)).join(', ')).join('; ')\""
  done
  fill ptq-max "$RUNS/ptq-max/sweep-adc-max.json" \
    'json $RUNS/ptq-max/sweep-adc-max.json "d.series.map(s => s.name.split(\" \")[0] + \" best \" + (Math.max(...s.points.map(p => p.accuracy))*100).toFixed(1) + \" %\").join(\"; \")"'
  fill binary "$RUNS/binary/result.json" 'pct $RUNS/binary/result.json d.testAccuracy'
  fill qrelu1 "$RUNS/qrelu1/result.json" 'pct $RUNS/qrelu1/result.json d.testAccuracy'
  fill reference "$RUNS/reference/result.json" 'pct $RUNS/reference/result.json d.testAccuracy'
fi
echo "paper experiments: done (outputs in $RUNS, figures in $RESULTS)"
