"""`make bench-ab`: two commits benchmarked in the same window, runs alternating.

    .venv/bin/python -m bench.ab --old ../bench-old-a5475af --rounds 3 -- --seconds 10

This machine's speed drifts by tens of percent within an hour, so a figure taken now and
one taken an hour ago say little about the code. Here the old commit (a worktree with its
own ``.venv``) and this one take turns on the same database — A, B, A, B, … — each run
reusing the program built once (``--reuse``), and every figure is reported with its
spread across the runs of each side (median, then min–max). A difference smaller than
the spreads is noise.

Both sides must read the same database: the old side gets this side's
``var/bench/secrets.json`` (the keys that decrypt notes and sign credentials). Each run
writes ``bench/results/<date>-<commit>.json`` in its own worktree as ``make bench``
always has; this reads it back, so the old side needs nothing new. The comparison is
written to ``bench/results/ab-<date>-<old>-<new>.md`` and ``.json``.
"""

import argparse
import datetime
import json
import shutil
import subprocess
import sys
import time
from pathlib import Path

from bench.report import ab_markdown

ROOT = Path(__file__).resolve().parent.parent


def _run(root: Path, bench_args: list[str]) -> dict:
    """One ``python -m bench`` in ``root`` with its own interpreter; its result file."""
    results = root / "bench" / "results"
    started = time.time()
    python = root / ".venv" / "bin" / "python"
    subprocess.run([str(python), "-m", "bench", *bench_args], cwd=root, check=True)
    written = [p for p in results.glob("*.json")
               if not p.name.startswith("ab-") and p.stat().st_mtime >= started]
    if not written:
        raise SystemExit(f"The run in {root} wrote no bench/results/*.json.")
    return json.loads(max(written, key=lambda p: p.stat().st_mtime).read_text())


def _with_database(bench_args: list[str], url: str) -> list[str]:
    """The arguments with ``--database`` replaced by (or set to) ``url``."""
    out, skip = [], False
    for arg in bench_args:
        if skip:
            skip = False
        elif arg == "--database":
            skip = True
        elif not arg.startswith("--database="):
            out.append(arg)
    return [*out, "--database", url]


def main(argv=None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--old", required=True, type=Path,
                        help="worktree of the old commit, with its own .venv (make install)")
    parser.add_argument("--new", type=Path, default=ROOT, help="worktree of the new commit (this one)")
    parser.add_argument("--rounds", type=int, default=3, help="A/B pairs (default 3)")
    parser.add_argument("--old-database", help="a database of its own for the old side, built "
                        "by the old code with the same plan: only when the two commits cannot "
                        "read one schema (a migration drops or renames a column)")
    parser.add_argument("bench_args", nargs="*", help="passed to every run of bench (after --)")
    args = parser.parse_args(argv)
    old, new = args.old.resolve(), args.new.resolve()
    if args.rounds < 1:
        raise SystemExit("--rounds must be at least 1.")
    for side in (old, new):
        if not (side / ".venv" / "bin" / "python").exists():
            raise SystemExit(f"{side} has no .venv: run make install there first.")
    secrets = new / "var" / "bench" / "secrets.json"
    passthrough = [a for a in args.bench_args if a != "--reuse"]
    old_args = _with_database(passthrough, args.old_database) if args.old_database else passthrough

    # Build (or check) the program once, with the new code, then share its keys.
    subprocess.run([str(new / ".venv/bin/python"), "-m", "bench", "--build-only", "--reuse",
                    *passthrough], cwd=new, check=True)
    (old / "var" / "bench").mkdir(parents=True, exist_ok=True)
    if old != new:
        shutil.copy2(secrets, old / "var" / "bench" / "secrets.json")
        for built in (new / "var" / "bench").glob("build-*.json"):  # the build's timings
            shutil.copy2(built, old / "var" / "bench" / built.name)
    if args.old_database:
        subprocess.run([str(old / ".venv/bin/python"), "-m", "bench", "--build-only", "--reuse",
                        *old_args], cwd=old, check=True)

    runs = {"A": [], "B": []}
    for number in range(1, args.rounds + 1):
        for label, root, bench_args in (("A", old, old_args), ("B", new, passthrough)):
            print(f"\n=== round {number}/{args.rounds}, {label} ({root}) ===", flush=True)
            runs[label].append(_run(root, ["--reuse", *bench_args]))

    table = ab_markdown(runs["A"], runs["B"])
    print()
    print(table)
    name = f"ab-{datetime.date.today().isoformat()}-{runs['A'][0]['commit']}-{runs['B'][0]['commit']}"
    out = ROOT / "bench" / "results" / name
    out.with_suffix(".json").write_text(json.dumps(runs, indent=2) + "\n")
    out.with_suffix(".md").write_text(table)
    print(f"Wrote {out.relative_to(ROOT)}.json and .md")


if __name__ == "__main__":
    main(sys.argv[1:])
