"""In-process page benchmark for the role home pages.

Builds a program through the project's own services in a throw-away test database,
then requests each page many times with Django's test client and reports requests per
second, latency percentiles, queries per request and the ratio to /healthz measured in
the same run. No network, no server: this measures the application's own work
(views, queries, templates). Load through gunicorn belongs to the full benchmark.

    .venv/bin/python bench/pages.py --trainees 400 --requests 300
"""

import argparse
import datetime
import json
import os
import platform
import statistics
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings.base")


def build(trainees: int, trainers: int, cohorts: int):
    from django.utils import timezone

    from accounts.factories import UserFactory, with_totp
    from competencies.services import framework_load_bundled
    from courses import services
    from courses.factories import CohortFactory, ProgramFactory

    version = framework_load_bundled()
    program = ProgramFactory(framework=version.framework)
    admin = with_totp(UserFactory(email="bench.admin@kapstone.test", roles=["Program admin"]))
    staff = [
        with_totp(UserFactory(email=f"bench.trainer{i}@kapstone.test", roles=["Trainer"]))
        for i in range(trainers)
    ]
    groups = [CohortFactory(program=program) for _ in range(cohorts)]
    first_trainee = None
    for i in range(trainees):
        trainee = UserFactory(email=f"bench.trainee{i}@kapstone.test")
        cohort = groups[i % cohorts]
        services.enrolment_create(
            actor=admin, trainee=trainee, cohort=cohort, profession="therapist",
            license_type="LMFT", license_number=f"B-{i}", license_jurisdiction="California",
            license_expires_on=timezone.localdate() + datetime.timedelta(days=300),
            license_verified=True,
        )
        services.assignment_create(
            actor=admin, trainer=staff[i % trainers], trainee=trainee, cohort=cohort, role="assessor",
        )
        first_trainee = first_trainee or trainee
    return {"admin": admin, "trainer": staff[0], "trainee": first_trainee}


def measure(client, url: str, requests: int) -> dict:
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    client.get(url)  # warm caches and the session
    with CaptureQueriesContext(connection) as captured:
        status = client.get(url).status_code
    query_count = len(captured.captured_queries)
    timings = []
    started = time.perf_counter()
    for _ in range(requests):
        t0 = time.perf_counter()
        response = client.get(url)
        timings.append((time.perf_counter() - t0) * 1000)
        if response.status_code != status:
            raise RuntimeError(f"{url} answered {response.status_code}, first {status}")
    elapsed = time.perf_counter() - started
    q = statistics.quantiles(timings, n=100)
    return {
        "url": url, "status": status, "requests": requests,
        "rps": round(requests / elapsed, 1), "p50_ms": round(q[49], 2),
        "p95_ms": round(q[94], 2), "p99_ms": round(q[98], 2), "queries": query_count,
    }


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--trainees", type=int, default=400)
    parser.add_argument("--trainers", type=int, default=8)
    parser.add_argument("--cohorts", type=int, default=4)
    parser.add_argument("--requests", type=int, default=300)
    args = parser.parse_args()

    import django

    django.setup()
    from django.conf import settings
    from django.db import connection
    from django.test import Client
    from django.test.utils import setup_test_environment

    setup_test_environment()
    settings.DEBUG = False
    # Keep the query log across a request so the per-request query count can be read.
    from django.core.signals import request_started
    from django.db import reset_queries

    request_started.disconnect(reset_queries)
    db_name = connection.creation.create_test_db(verbosity=0, autoclobber=True)
    try:
        t0 = time.perf_counter()
        people = build(args.trainees, args.trainers, args.cohorts)
        build_seconds = time.perf_counter() - t0
        pages = [
            ("healthz (ceiling)", None, "/healthz"),
            ("trainee home", people["trainee"], "/trainee/"),
            ("trainer home", people["trainer"], "/trainer/"),
            ("admin cohorts", people["admin"], "/manage/"),
            ("trainee outcomes", people["trainee"], "/trainee/outcomes/"),
            ("trainer queue", people["trainer"], "/trainer/queue/"),
        ]
        rows = []
        for label, user, url in pages:
            client = Client()
            if user is not None:
                client.force_login(user)
            rows.append({"page": label, **measure(client, url, args.requests)})
        ceiling = rows[0]["rps"]
        for row in rows:
            row["ratio_to_healthz"] = round(row["rps"] / ceiling, 3)
    finally:
        connection.creation.destroy_test_db(db_name, verbosity=0)

    commit = subprocess.run(
        ["git", "rev-parse", "--short", "HEAD"], cwd=ROOT, capture_output=True, text=True
    ).stdout.strip() or "unknown"
    result = {
        "benchmark": "pages-in-process",
        "date": datetime.date.today().isoformat(),
        "commit": commit,
        "machine": f"{platform.machine()}, {os.cpu_count()} cores, Python {platform.python_version()}",
        "database": settings.DATABASES["default"]["ENGINE"].rsplit(".", 1)[-1],
        "data": {"trainees": args.trainees, "trainers": args.trainers, "cohorts": args.cohorts},
        "build_seconds": round(build_seconds, 2),
        "rows": rows,
    }
    lines = [
        f"In-process pages, {result['date']} @ {commit} — {result['machine']}, {result['database']}; "
        f"{args.trainees} trainees built in {result['build_seconds']} s",
        "",
        "| page | req/s | p50 ms | p95 ms | p99 ms | queries | × healthz |",
        "|---|---:|---:|---:|---:|---:|---:|",
    ]
    for r in rows:
        lines.append(
            f"| {r['page']} | {r['rps']} | {r['p50_ms']} | {r['p95_ms']} | {r['p99_ms']} "
            f"| {r['queries']} | {r['ratio_to_healthz']} |"
        )
    table = "\n".join(lines)
    out = ROOT / "bench" / "results" / f"{result['date']}-{commit}-pages"
    out.with_suffix(".json").write_text(json.dumps(result, indent=2) + "\n")
    out.with_suffix(".md").write_text(table + "\n")
    print(table)


if __name__ == "__main__":
    main()
