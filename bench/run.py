#!/usr/bin/env python
"""Run every benchmark in bench/ (files named bench_*.py) and print ours / floor / ratio.

    make bench                       # all
    .venv/bin/python bench/run.py api  # only those whose module name contains "api"

Benchmarks run against the configured database (the embedded cluster by default) inside a
transaction that is rolled back, so they leave nothing behind.
"""

from __future__ import annotations

import importlib
import os
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")
# Production mode (DEBUG off: no query log, JSON renderer only), as the centre runs it.
os.environ.setdefault("DEBUG", "0")
os.environ.setdefault("SECRET_KEY", "bench-only-" + os.urandom(32).hex())
os.environ.setdefault("ALLOWED_HOSTS", "127.0.0.1")
os.environ.setdefault("SECURE_SSL_REDIRECT", "0")


def main(argv: list[str]) -> int:
    import django

    django.setup()
    from django.db import transaction

    from bench.harness import print_results

    wanted = argv[1:]
    modules = sorted(p.stem for p in (ROOT / "bench").glob("bench_*.py"))
    modules = [m for m in modules if not wanted or any(w in m for w in wanted)]
    results = []
    for name in modules:
        module = importlib.import_module(f"bench.{name}")
        print(f"==> {name}: {module.__doc__.strip().splitlines()[0]}", flush=True)
        with transaction.atomic():
            results.extend(module.run())
            transaction.set_rollback(True)
    print()
    print_results(results)
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
