"""The pure parts of the benchmark: reading wrk's output, judging the targets and
writing the results table. No Django, no processes (unit-tested in tests/bench/)."""

import json
from dataclasses import dataclass

MARKER = "BENCH-JSON "


def parse_wrk(output: str) -> dict:
    """The figures from wrk's output with bench/report.lua: requests per second,
    latency percentiles in milliseconds and errors (socket errors, timeouts and every
    answer that is not 2xx, redirects included)."""
    line = next((ln for ln in output.splitlines() if ln.startswith(MARKER)), None)
    if line is None:
        raise ValueError("wrk printed no BENCH-JSON line; was it run with -s bench/report.lua?")
    raw = json.loads(line[len(MARKER):])
    seconds = raw["duration_us"] / 1e6
    if seconds <= 0:
        raise ValueError("wrk reported a zero duration.")
    latency = raw["latency_us"]
    socket_errors = sum(v for k, v in raw["errors"].items() if k != "status")
    return {
        "requests": raw["requests"],
        "seconds": round(seconds, 2),
        "rps": round(raw["requests"] / seconds, 1),
        "p50_ms": round(latency["p50"] / 1000, 2),
        "p95_ms": round(latency["p95"] / 1000, 2),
        "p99_ms": round(latency["p99"] / 1000, 2),
        "max_ms": round(latency["max"] / 1000, 2),
        # wrk counts >= 400 in errors.status; the script counts every non-2xx itself.
        "errors": socket_errors + raw["non2xx"],
    }


@dataclass(frozen=True)
class Target:
    """What the project aims at for one page (None: no aim on that figure)."""

    min_ratio: float | None = None
    max_p95_ms: float | None = None

    def describe(self) -> str:
        parts = []
        if self.min_ratio is not None:
            parts.append(f"≥{self.min_ratio:.0%} of healthz")
        if self.max_p95_ms is not None:
            parts.append(f"p95 <{self.max_p95_ms:g} ms")
        return ", ".join(parts + ["0 errors"])


TRAINEE = Target(min_ratio=0.20, max_p95_ms=30)
PAGE_TARGETS = {
    "healthz": Target(),
    "public program page": Target(),
    "lesson page": TRAINEE,
    "trainee home": TRAINEE,
    "my outcomes": TRAINEE,
    "my hours": TRAINEE,
    "trainer queue": Target(min_ratio=0.15),
    "cohort matrix": Target(max_p95_ms=150),
    "verification page": Target(min_ratio=0.15),
}
ELIGIBILITY_MAX_SECONDS = 1.0
CERTIFICATES_PER_SECOND_PER_WORKER = 5.0


def judge_page(name: str, row: dict) -> list[str]:
    """The targets this page misses (empty when it meets them all)."""
    target = PAGE_TARGETS.get(name, Target())
    missed = []
    if row["errors"]:
        missed.append(f"{row['errors']} errors")
    if target.min_ratio is not None and row["ratio"] < target.min_ratio:
        missed.append(f"{row['ratio']:.0%} of healthz < {target.min_ratio:.0%}")
    if target.max_p95_ms is not None and row["p95_ms"] >= target.max_p95_ms:
        missed.append(f"p95 {row['p95_ms']:g} ms ≥ {target.max_p95_ms:g} ms")
    return missed


def with_ratios(rows: list[dict]) -> list[dict]:
    """Each row with its throughput as a fraction of /healthz (the first row named
    healthz) and its verdict against the targets."""
    ceiling = next(r["rps"] for r in rows if r["page"] == "healthz")
    out = []
    for row in rows:
        row = {**row, "ratio": round(row["rps"] / ceiling, 3) if ceiling else 0.0}
        row["missed"] = judge_page(row["page"], row)
        row["target"] = PAGE_TARGETS.get(row["page"], Target()).describe()
        out.append(row)
    return out


def judge_batch(batch: dict) -> dict:
    """Verdicts for the batch figures that have targets."""
    verdicts = {}
    if "eligibility" in batch:
        s = batch["eligibility"]["seconds"]
        verdicts["eligibility"] = [] if s < ELIGIBILITY_MAX_SECONDS else [f"{s} s ≥ 1 s"]
    if "issuance" in batch:
        rate = batch["issuance"]["per_second_per_worker"]
        verdicts["issuance"] = (
            [] if rate >= CERTIFICATES_PER_SECOND_PER_WORKER else [f"{rate}/s/worker < 5"]
        )
    return verdicts


def _verdict(missed: list[str]) -> str:
    return "met" if not missed else "**missed**: " + "; ".join(missed)


def markdown(result: dict) -> str:
    """The results table for the README and bench/results/<date>-<commit>.md."""
    b = result["build"]
    lines = [
        f"Benchmark {result['date']} @ {result['commit']} — {result['machine']}; "
        f"load average before the run {result['load_before']}, after {result['load_after']}.",
        "",
        f"Data (scale {result['scale']}): {_data_line(result['counts'])}. "
        + ("Reused the build already in the database; it took " if b.get("reused") else "Built in ")
        + (f"{b['seconds']} s ({b['via_services']['trainees']} of {result['counts']['trainees']} "
           "trainees' records through the services, the rest in bulk with the same rows)."
           if "seconds" in b else "an unrecorded time."),
        "",
        f"Pages: gunicorn, {result['load']['workers']} workers, DEBUG=False, PostgreSQL with "
        f"persistent connections, Redis cache; wrk on loopback, {result['load']['connections']} "
        f"connections, {result['load']['seconds']} s per page.",
        "",
        "| page | req/s | p50 ms | p95 ms | p99 ms | errors | × healthz | target | verdict |",
        "|---|---:|---:|---:|---:|---:|---:|---|---|",
    ]
    for r in result["pages"]:
        lines.append(
            f"| {r['page']} | {r['rps']} | {r['p50_ms']} | {r['p95_ms']} | {r['p99_ms']} "
            f"| {r['errors']} | {r['ratio']:.3f} | {r['target']} | {_verdict(r['missed'])} |"
        )
    batch = result.get("batch") or {}
    verdicts = judge_batch(batch)
    lines += ["", "| batch | figure | target | verdict |", "|---|---|---|---|"]
    if "eligibility" in batch:
        e = batch["eligibility"]
        lines.append(f"| eligibility, set form | {e['enrolments']} enrolments in {e['seconds']} s "
                     f"({e['queries']} queries) | < 1 s | {_verdict(verdicts['eligibility'])} |")
    if "issuance" in batch:
        i = batch["issuance"]
        lines.append(
            f"| issuance by Celery (PDF + signature) | {i['certificates']} certificates in "
            f"{i['seconds']} s on {i['workers']} workers: {i['per_second']}/s, "
            f"**{i['per_second_per_worker']}/s/worker** | ≥ 5/s/worker "
            f"| {_verdict(verdicts['issuance'])} |")
    if "verification" in batch:
        v = batch["verification"]
        lines.append(f"| credential verification (signature + status list) | "
                     f"{v['per_second']}/s ({v['credentials']} credentials) | — | — |")
        if "child_ms" in v:
            lines.append(f"| a public check in its child process (warm spare), median | "
                         f"{v['child_ms']} ms | — | — |")
            lines.append(f"| the poison credential (8 linked blank nodes) | {v['poison_outcome']} in "
                         f"{v['poison_seconds']} s | ≤ CREDENTIAL_VERIFY_TIME_LIMIT | — |")
    lines += ["", "Build, per kind of record:", "",
              "| records | how | count | seconds | ms each |", "|---|---|---:|---:|---:|"]
    for k in b.get("kinds", []):
        lines.append(f"| {k['kind']} | {k['how']} | {k['count']} | {k['seconds']} | {k['ms_each']} |")
    return "\n".join(lines) + "\n"


def _data_line(c: dict) -> str:
    return (f"{c['trainees']:,} trainees in {c['cohorts']} cohorts, {c['trainers']} trainers, "
            f"{c['outcomes']} outcomes, {c['lessons']} lessons, {c['sessions']:,} consultation "
            f"sessions, {c['signoffs']:,} sign-off decisions, {c['certificates']} certificates")


def _spread(values: list[float], digits: int = 1) -> str:
    """Median, then min–max: ``412.3 (398.0–431.2)``; one value alone."""
    ordered = sorted(values)
    median = _median(ordered)
    if len(ordered) == 1:
        return f"{round(median, digits):g}"
    return f"{round(median, digits):g} ({round(ordered[0], digits):g}–{round(ordered[-1], digits):g})"


def _median(values: list[float]) -> float:
    ordered = sorted(values)
    middle = len(ordered) // 2
    return ordered[middle] if len(ordered) % 2 else (ordered[middle - 1] + ordered[middle]) / 2


def _beyond_spread(old: list[float], new: list[float], *, higher_is_better: bool) -> str:
    """'better' or 'worse' when the new runs lie wholly beyond the old ones' range, else
    'within spread' (the difference is not larger than the machine's own drift)."""
    if higher_is_better:
        old, new = [-v for v in old], [-v for v in new]
    if max(new) < min(old):
        return "better"
    if min(new) > max(old):
        return "**worse**"
    return "within spread"


def ab_markdown(runs_a: list[dict], runs_b: list[dict]) -> str:
    """The A/B comparison of ``bench.ab``: every page's req/s, p95 and share of healthz,
    and the batch figures, as median (min–max) over each side's runs, with a verdict that
    says "better" or "worse" only where the two sides' ranges do not overlap."""
    commit_a, commit_b = runs_a[0]["commit"], runs_b[0]["commit"]
    lines = [
        f"A/B {runs_a[0]['date']}: A = {commit_a}, B = {commit_b}, {len(runs_a)} runs each, "
        "alternating A, B, A, B on one database. Figures: median (min–max).",
        "",
        "| page | req/s A | req/s B | p95 ms A | p95 ms B | × healthz A | × healthz B "
        "| req/s | p95 | target met by B |",
        "|---|---:|---:|---:|---:|---:|---:|---|---|---|",
    ]
    pages = [r["page"] for r in runs_b[0]["pages"]]
    for page in pages:
        a = [next(r for r in run["pages"] if r["page"] == page) for run in runs_a
             if any(r["page"] == page for r in run["pages"])]
        b = [next(r for r in run["pages"] if r["page"] == page) for run in runs_b]
        if not a:
            continue
        met = "yes" if all(not r["missed"] for r in b) else (
            "no: " + "; ".join(sorted({m for r in b for m in r["missed"]})))
        lines.append(
            f"| {page} | {_spread([r['rps'] for r in a])} | {_spread([r['rps'] for r in b])} "
            f"| {_spread([r['p95_ms'] for r in a])} | {_spread([r['p95_ms'] for r in b])} "
            f"| {_spread([r['ratio'] for r in a], 3)} | {_spread([r['ratio'] for r in b], 3)} "
            f"| {_beyond_spread([r['rps'] for r in a], [r['rps'] for r in b], higher_is_better=True)} "
            f"| {_beyond_spread([r['p95_ms'] for r in a], [r['p95_ms'] for r in b], higher_is_better=False)} "
            f"| {met} |")
    batch_rows = [
        ("eligibility, set form (s)", "eligibility", "seconds", False),
        ("issuance (certificates/s/worker)", "issuance", "per_second_per_worker", True),
        ("credential verification (/s)", "verification", "per_second", True),
    ]
    table = []
    for label, phase, key, higher in batch_rows:
        a = [run["batch"][phase][key] for run in runs_a if phase in (run.get("batch") or {})]
        b = [run["batch"][phase][key] for run in runs_b if phase in (run.get("batch") or {})]
        if a and b:
            table.append(f"| {label} | {_spread(a, 3)} | {_spread(b, 3)} "
                         f"| {_beyond_spread(a, b, higher_is_better=higher)} |")
    if table:
        lines += ["", "| batch | A | B | B against A |", "|---|---:|---:|---|", *table]
    return "\n".join(lines) + "\n"
