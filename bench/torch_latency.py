#!/usr/bin/env python3
"""Per-call batch-1 latency of the PyTorch ScRRAMBLe MLP (the shared anchor's model), for bench/bundle-latency.ts.

Usage: torch_latency.py ANCHOR.py   then, on stdin, one line per round: the number of calls to time.
For each round it prints one JSON line: {"median_ms", "p90_ms", "calls", "times_ms"}. One thread, inference mode,
a 1 x 1 x 28 x 28 image (the model resizes it to 32 x 32 as ours does). The interpreter stays up
between rounds so that rounds interleave with ours without paying the import again.
"""
import importlib.util
import json
import statistics
import sys
import time

spec = importlib.util.spec_from_file_location("anchor", sys.argv[1])
anchor = importlib.util.module_from_spec(spec)
spec.loader.exec_module(anchor)
torch = anchor.setup_torch(1)
ScrrambleNet, _, _ = anchor.make_models(torch)
model = ScrrambleNet(routing="dense").eval()
img = torch.rand(1, 1, 28, 28, generator=torch.Generator().manual_seed(1))
with torch.inference_mode():
    for _ in range(50):
        model(img)
    print(json.dumps({"ready": True, "torch": torch.__version__}), flush=True)
    for line in sys.stdin:
        n = int(line)
        times = []
        for _ in range(n):
            t0 = time.perf_counter()
            model(img)
            times.append((time.perf_counter() - t0) * 1000)
        times.sort()
        out = {"median_ms": statistics.median(times), "p90_ms": times[int(0.9 * (len(times) - 1))], "calls": n}
        out["times_ms"] = [round(t, 5) for t in times]
        print(json.dumps(out), flush=True)
