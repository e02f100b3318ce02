"""Benchmark the full demo campaign: wall time, CPU time, items, events, documents, peak RSS.

    .venv/bin/python bench/campaign_bench.py [--units 15] [--cadres 200] [--seed 2015] [--keep DIR]

Runs ``duban demo`` in this process into a fresh folder (deleted afterwards unless
--keep) and prints one line per figure. Target: under 2 minutes on a 2-core machine.
"""

from __future__ import annotations

import argparse
import resource
import shutil
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--units", type=int, default=15)
    parser.add_argument("--cadres", type=int, default=200)
    parser.add_argument("--seed", type=int, default=2015)
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument("--keep", type=Path, help="write the demo here and keep it")
    args = parser.parse_args()

    from duban.demo.run import run_demo

    out = args.keep or Path(tempfile.mkdtemp(prefix="duban-bench-")) / "demo"
    stages: dict[str, float] = {}
    current = ["start", time.perf_counter()]

    def on_stage(name: str) -> None:
        now = time.perf_counter()
        stages[current[0]] = now - current[1]
        current[:] = [name, now]

    wall, cpu = time.perf_counter(), time.process_time()
    try:
        result = run_demo(out, seed=args.seed, units=args.units, cadres=args.cadres, force=True,
                          workers=args.workers, on_stage=on_stage)
        on_stage("end")
        wall, cpu = time.perf_counter() - wall, time.process_time() - cpu
    finally:
        if args.keep is None:
            shutil.rmtree(out.parent, ignore_errors=True)
    summary = result["summary"]
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    print(f"wall time        {wall:8.1f} s   (target < 120 s)")
    print(f"CPU time         {cpu:8.1f} s   (this process; batch renders run in worker processes)")
    for name, seconds in stages.items():
        if name != "start":
            print(f"  {name}：{seconds:.1f} s")
    print(f"units / persons  {summary['bureau']['units']} / {summary['bureau']['persons']}")
    print(f"items            {summary['items']['total']:8d}")
    print(f"events           {summary['events']:8d}")
    print(f"cases            {summary['cases']['total']:8d}")
    print(f"documents        {summary['documents']['total']:8d}")
    print(f"peak RSS         {peak:8.0f} MB (main process)")
    print(f"failed actions   {len(result['failures']):8d}")


if __name__ == "__main__":
    main()
