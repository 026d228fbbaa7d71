"""`make bench`: build the large program, load its pages, time the batch work, report.

    .venv/bin/python -m bench [--scale 0.1] [--reuse] [--seconds 10] [--connections 4]

The app runs with production settings (DEBUG=False, PostgreSQL with persistent
connections, Redis cache and broker) under gunicorn; wrk loads each page from a second
process on loopback. Secrets for the benchmark site are made once and kept in
var/bench/secrets.json, so a reused database still decrypts and verifies.
Results: bench/results/<date>-<commit>.json and .md.
"""

import argparse
import datetime
import json
import os
import platform
import secrets
import shutil
import signal
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

from bench.report import markdown, parse_wrk, with_ratios

ROOT = Path(__file__).resolve().parent.parent
VAR = ROOT / "var" / "bench"
PY = sys.executable


def _secrets() -> dict:
    path = VAR / "secrets.json"
    if path.exists():
        return json.loads(path.read_text())
    from cryptography.fernet import Fernet
    from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

    sys.path.insert(0, str(ROOT))
    from certificates.credentials.multibase import secret_multikey

    VAR.mkdir(parents=True, exist_ok=True)
    values = {
        "SECRET_KEY": secrets.token_urlsafe(50),
        "NOTES_ENCRYPTION_KEYS": Fernet.generate_key().decode(),
        "CREDENTIAL_SIGNING_KEY": secret_multikey(Ed25519PrivateKey.generate().private_bytes_raw()),
    }
    path.write_text(json.dumps(values))
    path.chmod(0o600)
    return values


def environment(args, *, redis: bool) -> dict:
    """Production settings for the benchmark site. The build runs without Redis (its
    jobs run in-process, its e-mails go nowhere); the server and workers use it."""
    env = {k: v for k, v in os.environ.items()
           if k not in ("REDIS_URL", "CELERY_BROKER_URL", "EMAIL_URL", "DJANGO_SETTINGS_MODULE")}
    env.update(_secrets())
    env.update({
        "DJANGO_SETTINGS_MODULE": "config.settings.production",
        "ALLOWED_HOSTS": "127.0.0.1,localhost",
        "DATABASE_URL": args.database,
        "CONN_MAX_AGE": "600",
        "SITE_URL": f"http://127.0.0.1:{args.port}",
        # Loopback HTTP: a TLS proxy is what redirects in production.
        "SECURE_SSL_REDIRECT": "False",
        "MEDIA_ROOT": str(VAR / "media"),
        "STATIC_ROOT": str(VAR / "static"),
        "EMAIL_BACKEND": "django.core.mail.backends.dummy.EmailBackend",
        "LOG_LEVEL": "WARNING",
        # The public verification page is rate limited per client IP; every wrk
        # request comes from 127.0.0.1, so the limit is lifted for the benchmark.
        "VERIFY_RATE_LIMIT": "100000000/m/ip",
        "PYTHONPATH": str(ROOT),
    })
    if redis:
        env["REDIS_URL"] = args.redis
        env["CELERY_BROKER_URL"] = args.broker
    else:
        # The build is one process (manage.py commands): say so, or production refuses
        # to start without a shared cache.
        env["ALLOW_LOCAL_CACHE"] = "true"
    return env


def ensure_database(url: str) -> None:
    """Create the benchmark's database if it does not exist yet."""
    from urllib.parse import urlsplit

    import psycopg

    name = urlsplit(url).path.lstrip("/")
    admin_url = url[: url.rindex("/") + 1] + "postgres"
    with psycopg.connect(admin_url, autocommit=True) as conn:
        if conn.execute("SELECT 1 FROM pg_database WHERE datname = %s", [name]).fetchone() is None:
            conn.execute(f'CREATE DATABASE "{name}"')
            print(f"Created database {name}.")


def phase(name: str, args, *, redis: bool, extra=()) -> dict:
    command = [PY, "-m", "bench.phases", name, *extra]
    done = subprocess.run(command, cwd=ROOT, env=environment(args, redis=redis),
                          stdout=subprocess.PIPE, text=True)
    if done.returncode:
        raise SystemExit(f"bench phase {name} failed (exit {done.returncode})")
    line = next(ln for ln in done.stdout.splitlines() if ln.startswith("BENCH-JSON "))
    return json.loads(line[len("BENCH-JSON "):])


def _get(url: str, cookie: str | None) -> tuple[int, str]:
    request = urllib.request.Request(url, headers={"Cookie": cookie} if cookie else {})
    opener = urllib.request.build_opener(_NoRedirect)
    try:
        with opener.open(request, timeout=30) as response:
            return response.status, response.read().decode("utf-8", "replace")
    except urllib.error.HTTPError as exc:
        return exc.code, exc.read().decode("utf-8", "replace")


class _NoRedirect(urllib.request.HTTPRedirectHandler):
    def redirect_request(self, *args, **kwargs):
        return None


def serve_and_load(args, logins: dict) -> dict:
    env = environment(args, redis=True)
    subprocess.run([PY, "manage.py", "collectstatic", "--no-input", "-v", "0"], cwd=ROOT, env=env,
                   check=True)
    log = open(VAR / "gunicorn.log", "w")
    server = subprocess.Popen(
        [str(Path(PY).with_name("gunicorn")), "config.wsgi", "--workers", str(args.workers),
         "--bind", f"127.0.0.1:{args.port}", "--access-logfile", "-", "--error-logfile", "-",
         "--access-logformat", '%(s)s %(r)s %(L)s'],
        cwd=ROOT, env=env, stdout=subprocess.DEVNULL if not args.access_log else log,
        stderr=log, start_new_session=True,
    )
    base = f"http://127.0.0.1:{args.port}"
    rows = []
    try:
        deadline = time.monotonic() + 60
        while True:
            try:
                if _get(base + "/healthz", None)[0] == 200:
                    break
            except OSError:
                pass
            if server.poll() is not None or time.monotonic() > deadline:
                raise SystemExit("gunicorn did not start; see var/bench/gunicorn.log")
            time.sleep(0.3)
        for name, path, cookie, expected in logins["pages"]:
            if args.only and name != "healthz" and name not in args.only:
                continue
            # One plain request first: the page must answer 200 with what it is for.
            status, body = _get(base + path, cookie)
            if status != 200 or expected not in body:
                raise SystemExit(f"{name} ({path}) answered {status} without {expected!r}:\n{body[:800]}")
            for _ in range(3):  # warm both workers' connections and caches
                _get(base + path, cookie)
            command = ["wrk", "-t", "2", "-c", str(args.connections), "-d", f"{args.seconds}s",
                       "--timeout", "10s", "-s", str(ROOT / "bench" / "report.lua"), "--latency"]
            if cookie:
                command += ["-H", f"Cookie: {cookie}"]
            out = subprocess.run(command + [base + path], capture_output=True, text=True, check=True).stdout
            row = {"page": name, "path": path, **parse_wrk(out)}
            print(f"  {name:<20} {row['rps']:>8} req/s  p50 {row['p50_ms']} ms  p95 {row['p95_ms']} ms  "
                  f"p99 {row['p99_ms']} ms  errors {row['errors']}", flush=True)
            rows.append(row)
    finally:
        os.killpg(server.pid, signal.SIGTERM)
        server.wait(timeout=30)
        log.close()
    return {"workers": args.workers, "connections": args.connections, "seconds": args.seconds,
            "who": logins["who"], "rows": with_ratios(rows)}


def _load_average() -> list[float]:
    return [round(x, 2) for x in os.getloadavg()]


def _machine() -> str:
    cpu = "unknown CPU"
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                cpu = line.split(":", 1)[1].strip()
                break
    except OSError:
        pass
    pg = subprocess.run(["psql", "--version"], capture_output=True, text=True).stdout.strip()
    return (f"{platform.machine()}, {os.cpu_count()} cores ({cpu}), Python {platform.python_version()}, "
            f"{pg or 'PostgreSQL'}")


def main(argv=None) -> None:
    parser = argparse.ArgumentParser(prog="python -m bench", description=__doc__.splitlines()[0])
    parser.add_argument("--scale", type=float, default=1.0, help="fraction of the full program (default 1)")
    parser.add_argument("--reuse", action="store_true", help="keep the program already built in the database")
    parser.add_argument("--via-services", type=float, default=0.1,
                        help="share of trainees whose records go through the services (the rest in bulk)")
    parser.add_argument("--database", default="postgres://postgres@127.0.0.1:5432/kapstone_bench")
    parser.add_argument("--redis", default="redis://127.0.0.1:6379/4")
    parser.add_argument("--broker", default="redis://127.0.0.1:6379/5")
    parser.add_argument("--port", type=int, default=8100)
    parser.add_argument("--workers", type=int, default=2, help="gunicorn and Celery worker processes")
    parser.add_argument("--connections", type=int, default=4)
    parser.add_argument("--seconds", type=int, default=10, help="wrk duration per page")
    parser.add_argument("--only", nargs="*", help="load only these pages (healthz always)")
    parser.add_argument("--skip-batch", action="store_true")
    parser.add_argument("--build-only", action="store_true", help="build (or check) the data and stop")
    parser.add_argument("--access-log", action="store_true")
    parser.add_argument("--no-write", action="store_true", help="print, do not write bench/results")
    args = parser.parse_args(argv)
    if shutil.which("wrk") is None:
        raise SystemExit("wrk is not installed (apt-get install wrk).")
    VAR.mkdir(parents=True, exist_ok=True)
    ensure_database(args.database)
    load_before = _load_average()

    print(f"Building the program (scale {args.scale}) in {args.database.rsplit('/', 1)[-1]} …", flush=True)
    extra = ["--scale", str(args.scale), "--via-services", str(args.via_services)]
    built = phase("build", args, redis=False, extra=extra + (["--reuse"] if args.reuse else []))
    print(f"  counts: {built['counts']}" + (f", built in {built['seconds']} s" if "seconds" in built else ""))
    if args.build_only:
        return
    logins = phase("logins", args, redis=True)
    print(f"Loading pages with wrk ({args.connections} connections, {args.seconds} s each) …", flush=True)
    load = serve_and_load(args, logins)
    batch = {}
    if not args.skip_batch:
        print("Batch work …", flush=True)
        batch["eligibility"] = phase("eligibility", args, redis=False)
        print(f"  eligibility: {batch['eligibility']}", flush=True)
        batch["verification"] = phase("verification", args, redis=False)
        print(f"  verification: {batch['verification']}", flush=True)
        batch["issuance"] = phase("issuance", args, redis=True, extra=["--workers", str(args.workers)])
        print(f"  issuance: {batch['issuance']}", flush=True)

    commit = subprocess.run(["git", "rev-parse", "--short", "HEAD"], cwd=ROOT, capture_output=True,
                            text=True).stdout.strip() or "unknown"
    dirty = bool(subprocess.run(["git", "status", "--porcelain", "--untracked-files=no"], cwd=ROOT,
                                capture_output=True, text=True).stdout.strip())
    result = {
        "benchmark": "kapstone",
        "date": datetime.date.today().isoformat(),
        "commit": commit + ("-dirty" if dirty else ""),
        "machine": _machine(),
        "load_before": load_before,
        "load_after": _load_average(),
        "scale": args.scale,
        "counts": built["counts"],
        "build": {k: v for k, v in built.items() if k != "counts"},
        "load": {k: v for k, v in load.items() if k != "rows"},
        "pages": load["rows"],
        "batch": batch,
    }
    table = markdown(result)
    print()
    print(table)
    if not args.no_write:
        out = ROOT / "bench" / "results" / f"{result['date']}-{result['commit']}"
        out.with_suffix(".json").write_text(json.dumps(result, indent=2) + "\n")
        out.with_suffix(".md").write_text(table)
        print(f"Wrote {out.relative_to(ROOT)}.json and .md")
