"""A small benchmark harness: time a callable, keep percentiles, print ours vs a floor.

Each benchmark measures our figure and, in the same run, a floor or peer doing the least work
that could give the same answer; the ratio is what to watch (the machine is shared and noisy,
so absolute numbers move, ratios much less).
"""

from __future__ import annotations

import statistics
import time
from collections.abc import Callable
from dataclasses import dataclass


@dataclass
class Timing:
    samples_ms: list[float]

    def pct(self, p: float) -> float:
        ordered = sorted(self.samples_ms)
        index = min(len(ordered) - 1, max(0, round(p / 100 * len(ordered)) - 1))
        return ordered[index]

    @property
    def median(self) -> float:
        return statistics.median(self.samples_ms)


def measure(fn: Callable[[], object], n: int = 300, warmup: int = 20) -> Timing:
    for _ in range(warmup):
        fn()
    samples = []
    for _ in range(n):
        start = time.perf_counter()
        fn()
        samples.append((time.perf_counter() - start) * 1000)
    return Timing(samples)


@dataclass
class Result:
    name: str
    metric: str  # e.g. "p50 ms"
    ours: float
    floor: float
    floor_label: str
    target: str = ""

    @property
    def ratio(self) -> float:
        return self.ours / self.floor if self.floor else float("inf")


def print_results(results: list[Result]) -> None:
    header = (
        f"{'benchmark':44} {'metric':8} {'ours':>9} {'floor':>9} {'ratio':>7}  floor is / target"
    )
    print(header)
    print("-" * len(header))
    for r in results:
        extra = r.floor_label + (f" | target {r.target}" if r.target else "")
        print(f"{r.name:44} {r.metric:8} {r.ours:9.3f} {r.floor:9.3f} {r.ratio:7.2f}  {extra}")
