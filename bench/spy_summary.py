#!/usr/bin/env python3
"""Summarise py-spy's collapsed stacks (`--format raw`): share of samples per function.

    python bench/spy_summary.py FILE.raw [--under TEXT] [--top N]

Inclusive share (the function is anywhere on the stack) and own share (it is on top), counting
only stacks that pass through a frame containing `--under` (e.g. "RequestMiddleware.__call__"
for the server's request handling, leaving out the event loop's own bookkeeping and the
background tasks). Line numbers are dropped, so a function counts once per stack. Feeds on
`BENCH_PYSPY` runs of `bench/data_plane.py`, or on `py-spy record --format raw` of anything.
"""

from __future__ import annotations

import argparse
import re
from collections import Counter

LINE = re.compile(r":\d+\)")


def summarise(path: str, under: str | None) -> tuple[int, Counter[str], Counter[str]]:
    inclusive: Counter[str] = Counter()
    own: Counter[str] = Counter()
    total = 0
    with open(path) as lines:
        for line in lines:
            stack, _, count = line.rstrip().rpartition(" ")
            frames = stack.split(";")
            if under is not None:
                start = next((i for i, frame in enumerate(frames) if under in frame), None)
                if start is None:
                    continue
                frames = frames[start:]
            samples = int(count)
            total += samples
            frames = [LINE.sub(")", frame) for frame in frames]
            for frame in set(frames):
                inclusive[frame] += samples
            own[frames[-1]] += samples
    return total, inclusive, own


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("path")
    parser.add_argument("--under", default=None)
    parser.add_argument("--top", type=int, default=60)
    args = parser.parse_args()
    total, inclusive, own = summarise(args.path, args.under)
    print(f"{total} samples" + (f" under {args.under!r}" if args.under else ""))
    for title, counts in (("inclusive", inclusive), ("own", own)):
        print(f"--- {title}")
        for frame, samples in counts.most_common(args.top):
            print(f"{samples / max(total, 1) * 100:6.1f}%  {frame[:160]}")


if __name__ == "__main__":
    main()
