#!/usr/bin/env python3
"""Per-call latency of the PyTorch anchor model at batch 1 (median and p90 over many calls).

Imports the model definitions of the MLP anchor given as the first argument
(torch_scrramble.py) and times single forward calls, so the two engines are
timed the same way: each call on its own, inference mode.
Usage: torch_latency.py ANCHOR --model scrramble|dense --threads N [--calls 500]
"""
import argparse
import importlib.util
import json
import statistics
import time

ap = argparse.ArgumentParser()
ap.add_argument("anchor")
ap.add_argument("--model", default="scrramble", choices=["scrramble", "dense"])
ap.add_argument("--threads", type=int, default=1)
ap.add_argument("--calls", type=int, default=500)
args = ap.parse_args()

spec = importlib.util.spec_from_file_location("anchor", args.anchor)
anchor = importlib.util.module_from_spec(spec)
spec.loader.exec_module(anchor)
torch = anchor.setup_torch(args.threads)
model, _ = anchor.build(torch, argparse.Namespace(model=args.model, routing="dense", batch=1))
model.eval()
imgs, _ = anchor.fake_mnist(torch, 8, 1)
with torch.inference_mode():
    for i in range(50):
        model(imgs[i % 8])
    times = []
    for i in range(args.calls):
        t0 = time.perf_counter()
        model(imgs[i % 8])
        times.append((time.perf_counter() - t0) * 1000)
times.sort()
p90 = times[min(len(times) - 1, int(0.9 * len(times)))]
print(json.dumps({"bench": "latency", "model": args.model, "threads": args.threads, "calls": args.calls,
                  "median_ms": round(statistics.median(times), 4), "p90_ms": round(p90, 4), "torch": torch.__version__}))
