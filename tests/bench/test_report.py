"""The benchmark's pure parts: reading wrk's output, judging targets, the plan."""

import pytest

from bench.ab import _with_database
from bench.build import plan
from bench.report import ab_markdown, markdown, parse_wrk, with_ratios

WRK_OUTPUT = """Running 10s test @ http://127.0.0.1:8100/healthz
  2 threads and 4 connections
  Thread Stats   Avg      Stdev     Max   +/- Stdev
    Latency     3.10ms    1.20ms  40.00ms   90.00%
  12000 requests in 10.00s, 2.00MB read
Requests/sec:   1200.00
BENCH-JSON {"requests": 12000, "duration_us": 10000000, "bytes": 2000000, "non2xx": 3, "errors": {"connect": 0, "read": 1, "write": 0, "status": 2, "timeout": 0}, "latency_us": {"min": 900, "mean": 3100.0, "max": 40000, "p50": 2500, "p90": 4000, "p95": 5250, "p99": 12000}}
"""


def test_wrk_output_gives_rate_percentiles_in_ms_and_every_error():
    row = parse_wrk(WRK_OUTPUT)
    assert row["rps"] == 1200.0
    assert (row["p50_ms"], row["p95_ms"], row["p99_ms"]) == (2.5, 5.25, 12.0)
    # a socket read error plus three non-2xx answers (the two >= 400 among them)
    assert row["errors"] == 4


def test_output_without_the_script_line_is_refused_clearly():
    with pytest.raises(ValueError, match="report.lua"):
        parse_wrk("Requests/sec: 10\n")


def _row(page, rps, p95=10.0, errors=0):
    return {"page": page, "rps": rps, "p50_ms": 1, "p95_ms": p95, "p99_ms": p95, "errors": errors}


@pytest.mark.parametrize("page, rps, p95, errors, missed", [
    ("trainee home", 250, 20, 0, []),
    ("trainee home", 150, 20, 0, ["15% of healthz < 20%"]),
    ("lesson page", 300, 45, 0, ["p95 45 ms ≥ 30 ms"]),
    ("trainer queue", 160, 500, 0, []),  # its target is throughput only
    ("cohort matrix", 5, 120, 0, []),
    ("cohort matrix", 50, 150, 0, ["p95 150 ms ≥ 150 ms"]),
    ("verification page", 400, 5, 2, ["2 errors"]),
])
def test_pages_are_judged_against_their_targets_relative_to_healthz(page, rps, p95, errors, missed):
    rows = with_ratios([_row("healthz", 1000), _row(page, rps, p95, errors)])
    assert rows[0]["ratio"] == 1.0
    assert rows[1]["missed"] == missed


def test_the_table_shows_every_page_and_the_batch_verdicts():
    result = {
        "date": "2026-11-25", "commit": "abc1234", "machine": "x86_64, 2 cores",
        "load_before": [1.0, 1.0, 1.0], "load_after": [2.0, 1.0, 1.0], "scale": 1.0,
        "counts": {"trainees": 2000, "cohorts": 10, "trainers": 40, "outcomes": 23, "lessons": 40,
                   "sessions": 30000, "signoffs": 20000, "certificates": 300},
        "build": {"seconds": 100, "via_services": {"trainees": 200}, "kinds": [
            {"kind": "consultation sessions", "how": "bulk", "count": 27000, "seconds": 9.0, "ms_each": 0.33}]},
        "load": {"workers": 2, "connections": 4, "seconds": 10},
        "pages": with_ratios([_row("healthz", 1000), _row("my hours", 100)]),
        "batch": {"eligibility": {"enrolments": 2000, "seconds": 1.5, "queries": 14},
                  "issuance": {"certificates": 100, "seconds": 10, "workers": 2, "per_second": 10.0,
                               "per_second_per_worker": 5.0}},
    }
    table = markdown(result)
    assert "| my hours | 100 |" in table and "10% of healthz < 20%" in table
    assert "2000 enrolments in 1.5 s" in table and "1.5 s ≥ 1 s" in table
    assert "**5.0/s/worker** | ≥ 5/s/worker | met |" in table
    assert "| consultation sessions | bulk | 27000 |" in table


@pytest.mark.parametrize("scale, trainees, trainers, sessions", [(1, 2000, 40, 30000), (0.1, 200, 4, 3000)])
def test_the_plan_scales_the_program_and_keeps_fifty_trainees_per_trainer(scale, trainees, trainers, sessions):
    p = plan(scale)
    assert (p["trainees"], p["trainers"], p["sessions"]) == (trainees, trainers, sessions)
    assert p["trainees"] // p["trainers"] == 50


@pytest.mark.parametrize("scale", [0, -1, 1.5])
def test_a_scale_outside_zero_to_one_is_refused(scale):
    with pytest.raises(ValueError, match="fraction"):
        plan(scale)


def _run(commit, healthz_rps, lesson_rps, lesson_p95, issuing):
    pages = with_ratios([
        {"page": "healthz", "rps": healthz_rps, "p50_ms": 1, "p95_ms": 2, "p99_ms": 3, "errors": 0},
        {"page": "lesson page", "rps": lesson_rps, "p50_ms": 5, "p95_ms": lesson_p95, "p99_ms": 40,
         "errors": 0},
    ])
    return {"commit": commit, "date": "2026-12-07", "pages": pages,
            "batch": {"issuance": {"per_second_per_worker": issuing}}}


def test_ab_table_gives_median_and_spread_and_calls_a_change_only_beyond_the_spread():
    old = [_run("aaa", 1000, 100, 50, 3.0), _run("aaa", 800, 90, 60, 2.5), _run("aaa", 900, 95, 55, 2.8)]
    new = [_run("bbb", 1000, 300, 12, 6.0), _run("bbb", 900, 92, 20, 5.5), _run("bbb", 950, 310, 11, 6.2)]
    table = ab_markdown(old, new)
    assert "A = aaa, B = bbb, 3 runs each" in table
    healthz = next(line for line in table.splitlines() if line.startswith("| healthz"))
    # the same rates on both sides: no verdict beyond the machine's own drift
    assert "| 900 (800–1000) | 950 (900–1000) |" in healthz and healthz.count("within spread") == 2
    lesson = next(line for line in table.splitlines() if line.startswith("| lesson page"))
    # req/s ranges overlap (92 lies inside 90–100), p95 ranges do not (11–20 < 50–60)
    assert "| 95 (90–100) | 300 (92–310) |" in lesson
    assert "| within spread | better |" in lesson
    issuing = next(line for line in table.splitlines() if line.startswith("| issuance"))
    assert issuing == "| issuance (certificates/s/worker) | 2.8 (2.5–3) | 6 (5.5–6.2) | better |"


def test_ab_table_marks_a_new_side_wholly_slower_as_worse():
    old = [_run("aaa", 1000, 300, 10, 6.0), _run("aaa", 1000, 310, 11, 6.0)]
    new = [_run("bbb", 1000, 100, 30, 6.0), _run("bbb", 1000, 120, 35, 6.0)]
    lesson = next(line for line in ab_markdown(old, new).splitlines() if line.startswith("| lesson page"))
    assert "| **worse** | **worse** |" in lesson


@pytest.mark.parametrize("given", [
    ["--database", "postgres://x/a", "--seconds", "5"], ["--database=postgres://x/a", "--seconds", "5"],
    ["--seconds", "5"],
])
def test_the_old_side_of_an_ab_run_can_be_pointed_at_a_database_of_its_own(given):
    assert _with_database(given, "postgres://x/old") == ["--seconds", "5", "--database", "postgres://x/old"]
