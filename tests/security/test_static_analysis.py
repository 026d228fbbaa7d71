"""Static analysis and the software bill of materials, run as part of the fast suite.

bandit scans the project's own code (``[tool.bandit]`` in pyproject.toml excludes
.venv and tests): a medium or high finding fails unless it is silenced in place with
``# nosec BXXX - reason``, and a ``# nosec`` without a test id and a reason fails too.
"""

import json
import re
import subprocess
import sys
import tomllib
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
PYPROJECT = tomllib.loads((ROOT / "pyproject.toml").read_text())
EXCLUDED = set(PYPROJECT["tool"]["bandit"]["exclude_dirs"])
NOSEC = re.compile(r"#\s*nosec\b(?P<rest>.*)")
EXPLAINED = re.compile(r"^\s+B\d{3}(\s*,\s*B\d{3})*\s+-\s+\S.{9,}")


def bandit(*targets: Path) -> dict:
    """bandit's JSON report for the targets, with the project's configuration."""
    result = subprocess.run(
        [sys.executable, "-m", "bandit", "-c", str(ROOT / "pyproject.toml"), "-r",
         *map(str, targets), "-f", "json", "-q"],
        cwd=ROOT, capture_output=True, text=True, timeout=300,
    )
    assert result.returncode in (0, 1), result.stderr  # 1: findings were reported
    return json.loads(result.stdout)


def above_low(report: dict) -> list[str]:
    return [
        f"{r['filename']}:{r['line_number']} {r['test_id']} {r['issue_severity']}:"
        f" {r['issue_text']}"
        for r in report["results"] if r["issue_severity"] in ("MEDIUM", "HIGH")
    ]


def unexplained_nosec(paths) -> list[str]:
    found = []
    for path in paths:
        for number, line in enumerate(path.read_text().splitlines(), 1):
            match = NOSEC.search(line)
            if match and not EXPLAINED.match(match.group("rest")):
                found.append(f"{path}:{number}: {line.strip()}")
    return found


def project_sources() -> list[Path]:
    return [
        path for path in sorted(ROOT.rglob("*.py"))
        if not EXCLUDED & set(path.relative_to(ROOT).parts)
    ]


def test_bandit_finds_nothing_above_low_in_the_project():
    report = bandit(ROOT)
    scanned = {Path(name).resolve() for name in report["metrics"] if name != "_totals"}
    # The scan covered our code and only our code.
    assert ROOT / "config" / "settings" / "base.py" in scanned
    assert ROOT / "certificates" / "services.py" in scanned
    assert not any({".venv", "tests"} & set(path.relative_to(ROOT).parts) for path in scanned)
    assert report["metrics"]["_totals"]["loc"] > 5000
    assert above_low(report) == [], "bandit findings above low (fix, or `# nosec BXXX - reason`)"


def test_every_nosec_names_the_check_and_says_why():
    sources = project_sources()
    assert len(sources) > 100
    assert unexplained_nosec(sources) == []


def test_the_gate_fails_on_a_risky_call_and_on_an_unexplained_nosec(tmp_path):
    risky = tmp_path / "risky.py"
    risky.write_text(
        "import subprocess\n\n\ndef run(command):\n"
        "    return subprocess.run(command, shell=True)\n"
    )
    assert any(" B602 HIGH" in finding for finding in above_low(bandit(risky)))

    silenced = tmp_path / "silenced.py"
    silenced.write_text(
        "import subprocess\n\n\ndef run(command):\n"
        "    return subprocess.run(command, shell=True)  # nosec\n\n\n"
        "def explained(command):\n"
        "    return subprocess.run(command, shell=True)  # nosec B602 - fixed command\n"
    )
    assert above_low(bandit(silenced)) == []
    assert unexplained_nosec([silenced]) == [
        f"{silenced}:5: return subprocess.run(command, shell=True)  # nosec"
    ]


@pytest.fixture(scope="module")
def sbom(tmp_path_factory) -> dict:
    """The bill of materials ``make sbom`` writes, made the same way (offline, from the
    installed packages' metadata; schema validation is left to ``make sbom``)."""
    out = tmp_path_factory.mktemp("sbom") / "sbom.cdx.json"
    result = subprocess.run(
        [sys.executable, "-m", "cyclonedx_py", "environment", "--pyproject", "pyproject.toml",
         "--mc-type", "application", "--output-reproducible", "--no-validate", "-o", str(out)],
        cwd=ROOT, capture_output=True, text=True, timeout=300,
    )
    assert result.returncode == 0, result.stderr
    return json.loads(out.read_text())


def _normal(name: str) -> str:
    return re.sub(r"[-_.]+", "-", name).lower()


def test_the_sbom_lists_every_pinned_dependency_at_its_pinned_version(sbom):
    assert sbom["bomFormat"] == "CycloneDX"
    assert sbom["metadata"]["component"]["name"] == "kapstone"
    versions = {_normal(c["name"]): c["version"] for c in sbom["components"]}
    pins = dict(
        re.match(r"([A-Za-z0-9_.-]+)(?:\[[^]]*\])?==(\S+)", spec).groups()
        for spec in PYPROJECT["project"]["dependencies"]
    )
    assert versions["django"] == pins["Django"]
    assert versions["wagtail"] == pins["wagtail"]
    assert {name: versions.get(_normal(name)) for name in pins} == pins
    # Transitive dependencies are listed too, each with a version and a package URL.
    assert len(sbom["components"]) > len(pins) * 3
    for component in sbom["components"]:
        assert component["version"] and component["purl"].startswith("pkg:pypi/"), component
