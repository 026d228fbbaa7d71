"""Profile one benchmark page in-process: queries (count, time, the repeated ones) and,
with --pyinstrument, where the Python time goes. Uses the benchmark database and the
logins the load test uses.

    .venv/bin/python -m bench.profile "trainer queue" [--scale 0.1] [--pyinstrument]
"""

import argparse
import collections
import os
import re
import subprocess
import sys
import time

from bench.run import ROOT, environment


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("page")
    parser.add_argument("--database", default="postgres://postgres@127.0.0.1:5432/kapstone_bench")
    parser.add_argument("--redis", default="redis://127.0.0.1:6379/4")
    parser.add_argument("--broker", default="redis://127.0.0.1:6379/5")
    parser.add_argument("--port", type=int, default=8100)
    parser.add_argument("--repeat", type=int, default=5)
    parser.add_argument("--pyinstrument", action="store_true")
    parser.add_argument("--queries", action="store_true", help="print every query")
    args = parser.parse_args()
    if os.environ.get("BENCH_PROFILE_CHILD"):
        return _profile(args)
    env = environment(args, redis=True)
    env["BENCH_PROFILE_CHILD"] = "1"
    raise SystemExit(subprocess.call([sys.executable, "-m", "bench.profile", *sys.argv[1:]], cwd=ROOT, env=env))


def _profile(args) -> None:
    import django

    django.setup()
    from django.db import connection
    from django.test import Client
    from django.test.utils import CaptureQueriesContext

    from bench.phases import phase_logins

    pages = {name: (path, cookie) for name, path, cookie, _ in phase_logins(args)["pages"]}
    path, cookie = pages[args.page]
    client = Client(HTTP_HOST="127.0.0.1")
    if cookie:
        name, value = cookie.split("=", 1)
        client.cookies[name] = value
    response = client.get(path)
    print(f"{args.page} {path}: {response.status_code}, {len(response.content)} bytes")
    timings, cpu = [], []
    for _ in range(args.repeat):
        with CaptureQueriesContext(connection) as captured:
            t0, c0 = time.perf_counter(), time.process_time()
            client.get(path)
            timings.append((time.perf_counter() - t0) * 1000)
            cpu.append((time.process_time() - c0) * 1000)
    queries = captured.captured_queries
    sql_ms = sum(float(q["time"]) for q in queries) * 1000
    # CPU time of this process: steadier than the clock when the machine is busy.
    print(f"best {min(timings):.1f} ms, median {sorted(timings)[len(timings) // 2]:.1f} ms "
          f"(CPU: best {min(cpu):.1f} ms, median {sorted(cpu)[len(cpu) // 2]:.1f} ms); "
          f"{len(queries)} queries, {sql_ms:.1f} ms in SQL (last run)")
    shapes = collections.Counter(re.sub(r"\b\d+\b", "N", q["sql"])[:160] for q in queries)
    for shape, n in shapes.most_common(8):
        if n > 1:
            print(f"  ×{n}: {shape}")
    slow = sorted(queries, key=lambda q: -float(q["time"]))[:5]
    for q in slow:
        print(f"  {float(q['time']) * 1000:.1f} ms: {q['sql'][:300]}")
    if args.queries:
        for q in queries:
            print(f"{float(q['time']) * 1000:6.1f} {q['sql'][:400]}")
    if args.pyinstrument:
        from pyinstrument import Profiler

        profiler = Profiler()
        with profiler:
            for _ in range(args.repeat):
                client.get(path)
        print(profiler.output_text(unicode=True, color=False, show_all=False))


if __name__ == "__main__":
    main()
