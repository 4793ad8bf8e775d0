#!/usr/bin/env python3
"""Instructions per request, counted by valgrind: an A/B measure this box's noise cannot move.

    python bench/instructions.py get create [--tree /tmp/prev] [--tree .]

Wall-clock and CPU-time figures on the 2-core dev box drift by 10 to 30% between runs, more than
most single changes. Instructions do not: this runs `bench/profile_requests.py TARGET` (in-process,
sequential, no cProfile) under `valgrind --tool=cachegrind --cache-sim=no` twice, with
`SMALL` and `LARGE` timed requests, each against fresh test services (`scripts/test_services.py`),
and divides the difference in instructions by the difference in requests. Startup, data
preparation and warm-up cancel out; what remains is the server side of one request in this
process (PostgreSQL runs elsewhere and is not counted). Each count takes about a minute.

`--tree` names a source tree to measure (default: this one), e.g. a `git worktree` of an earlier
commit; several trees run one after another.
"""

from __future__ import annotations

import argparse
import os
import re
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
SMALL, LARGE = 100, 700


def count(tree: Path, target: str, requests: int) -> int:
    """Total instructions of one harness run with `requests` timed requests."""
    harness = [
        "valgrind", "--tool=cachegrind", "--cache-sim=no", "--cachegrind-out-file=/dev/null",
        sys.executable, "bench/profile_requests.py", target,
    ]
    env = {**os.environ, "BENCH_OBJECTS": "200", "PROFILE_REQUESTS": str(requests), "PROFILE_TOP": "0", "PYTHONHASHSEED": "0"}
    run = subprocess.run(
        [sys.executable, str(ROOT / "scripts" / "test_services.py"), "--", *harness],
        cwd=tree, env=env, capture_output=True, text=True, check=False,
    )
    found = re.search(r"I\s+refs:\s+([\d,]+)", run.stdout + run.stderr)
    if run.returncode != 0 or found is None:
        raise SystemExit(f"{target} in {tree} failed:\n{(run.stdout + run.stderr)[-3000:]}")
    return int(found.group(1).replace(",", ""))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("targets", nargs="+", help="profile_requests targets: get, create, list, health, bare-get, ...")
    parser.add_argument("--tree", action="append", type=Path, help="a source tree to measure (repeatable; default: this one)")
    args = parser.parse_args()
    for target in args.targets:
        for tree in args.tree or [ROOT]:
            small, large = count(tree, target, SMALL), count(tree, target, LARGE)
            print(f"{target:12} {str(tree):30} {(large - small) / (LARGE - SMALL):12,.0f} instructions/request", flush=True)


if __name__ == "__main__":
    main()
