#!/usr/bin/env python3
"""Per-call batch-1 latency of the PyTorch anchor's models (median and p90 over many calls).

Imports the model definitions of the MLP anchor given as the first argument
(torch_scrramble.py) and times single forward calls in inference mode, on a
1 x 1 x 28 x 28 image (the model resizes it to 32 x 32 as ours does), so the
two engines are timed the same way.
Usage: torch_latency.py ANCHOR [--model scrramble|dense] [--threads N] [--calls N]
  With --calls: one round, one JSON line, exit.
  Without: prints {"ready": true}, then one JSON line per stdin line (the calls
  to time in that round); the interpreter stays up between rounds so that they
  interleave with ours without paying the import again.
Each round's line: {"median_ms", "p90_ms", "calls", "times_ms"}.
"""
import argparse
import importlib.util
import json
import statistics
import sys
import time

ap = argparse.ArgumentParser()
ap.add_argument("anchor")
ap.add_argument("--model", default="scrramble", choices=["scrramble", "dense"])
ap.add_argument("--threads", type=int, default=1)
ap.add_argument("--calls", type=int, default=0)
args = ap.parse_args()

spec = importlib.util.spec_from_file_location("anchor", args.anchor)
anchor = importlib.util.module_from_spec(spec)
spec.loader.exec_module(anchor)
torch = anchor.setup_torch(args.threads)
model, _ = anchor.build(torch, argparse.Namespace(model=args.model, routing="dense", batch=1))
model.eval()
img = torch.rand(1, 1, 28, 28, generator=torch.Generator().manual_seed(1))


def round_of(n):
    times = []
    for _ in range(n):
        t0 = time.perf_counter()
        model(img)
        times.append((time.perf_counter() - t0) * 1000)
    times.sort()
    return {"median_ms": statistics.median(times), "p90_ms": times[int(0.9 * (len(times) - 1))], "calls": n,
            "times_ms": [round(t, 5) for t in times]}


with torch.inference_mode():
    for _ in range(50):
        model(img)
    if args.calls:
        print(json.dumps({**round_of(args.calls), "model": args.model, "threads": args.threads, "torch": torch.__version__}))
        sys.exit(0)
    print(json.dumps({"ready": True, "torch": torch.__version__}), flush=True)
    for line in sys.stdin:
        print(json.dumps(round_of(int(line))), flush=True)
