"""Start-up time of the command line (figures only, no assertions).

    .venv/bin/python bench/cli_bench.py [--runs N]

Each figure is the wall time of a fresh process, median and best of N warm runs (the files
are in the page cache after the first). Target from issue #15: `duban --help` ≤ 0.3 s warm.
Also prints what the help path would cost with the libraries it avoids: SQLAlchemy (imported
by config.py before) and Typer's Rich help formatter.
"""

from __future__ import annotations

import argparse
import os
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
DUBAN = [sys.executable, "-m", "duban"]


def timed(argv: list[str], runs: int, env: dict | None = None) -> tuple[float, float]:
    subprocess.run(argv, capture_output=True, env=env, cwd=ROOT)  # warm the page cache
    times = []
    for _ in range(runs):
        started = time.perf_counter()
        subprocess.run(argv, capture_output=True, env=env, cwd=ROOT, check=False)
        times.append(time.perf_counter() - started)
    return statistics.median(times), min(times)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=15)
    args = parser.parse_args()
    print(f"load average at start: {' '.join(f'{x:.2f}' for x in os.getloadavg())}; {args.runs} runs each")
    python = [sys.executable, "-c"]
    with tempfile.TemporaryDirectory() as tmp:
        env = {**os.environ, "DUBAN_DB": f"sqlite:///{tmp}/bench.sqlite", "DUBAN_TODAY": "2015-09-10"}
        subprocess.run([*DUBAN, "init"], capture_output=True, env=env, check=True, cwd=ROOT)
        rows = [
            ("python -c pass (interpreter alone)", [*python, "pass"], None),
            ("duban --help", [*DUBAN, "--help"], None),
            ("duban item --help", [*DUBAN, "item", "--help"], None),
            ("duban item add --help", [*DUBAN, "item", "add", "--help"], None),
            ("duban itme (usage mistake)", [*DUBAN, "itme"], None),
            ("duban campaign list (SQLite, empty)", [*DUBAN, "campaign", "list"], env),
            ("import sqlalchemy.engine (avoided by --help)", [*python, "import sqlalchemy.engine"], None),
            ("import typer.rich_utils (Typer's Rich help, avoided)", [*python, "import typer.rich_utils"], None),
        ]
        for label, argv, row_env in rows:
            median, best = timed(argv, args.runs, row_env)
            print(f"{label:<55} median {median * 1000:6.0f} ms   best {best * 1000:6.0f} ms")


if __name__ == "__main__":
    main()
