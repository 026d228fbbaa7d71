"""The apps form layers without cycles (README, Architecture; issue 18).

Two checks, so that `make test` catches a new cycle as `make lint` does:

- import-linter's contracts in pyproject.toml ([tool.importlinter]): the layers, core
  importing no app, certificates.credentials importing no Django;
- imports across apps written inside functions, which import-linter sees but which
  are how cycles used to hide: at most five in the whole project (management
  commands aside, as they run only when called), each with its reason beside it.
"""

import ast
import tomllib
from pathlib import Path

from importlinter.cli import lint_imports

ROOT = Path(__file__).resolve().parent.parent
PYPROJECT = ROOT / "pyproject.toml"
MAX_IMPORTS_INSIDE_FUNCTIONS = 5


def _apps() -> list[str]:
    return tomllib.loads(PYPROJECT.read_text())["tool"]["importlinter"]["root_packages"]


def imports_inside_functions(source: str, app: str, apps: list[str]):
    """(line, module, reason) of each import of another app inside a function; reason
    is the comment on the import's lines or on the line just above it ("" if none)."""
    lines = source.splitlines()
    found = []

    def visit(node, in_function: bool):
        for child in ast.iter_child_nodes(node):
            inside = in_function or isinstance(child, (ast.FunctionDef, ast.AsyncFunctionDef))
            if in_function and isinstance(child, (ast.Import, ast.ImportFrom)):
                if isinstance(child, ast.ImportFrom):
                    modules = [] if child.level else [child.module]
                else:
                    modules = [alias.name for alias in child.names]
                for module in modules:
                    other = module.split(".")[0]
                    if other in apps and other != app:
                        own = lines[child.lineno - 1:child.end_lineno]
                        above = lines[child.lineno - 2].strip() if child.lineno > 1 else ""
                        reason = next((line.split("#", 1)[1].strip() for line in own if "#" in line), "")
                        if not reason and above.startswith("#"):
                            reason = above.lstrip("#").strip()
                        found.append((child.lineno, module, reason))
            visit(child, inside)

    visit(ast.parse(source), False)
    return found


def _project_imports_inside_functions():
    apps = _apps()
    for app in apps:
        for path in sorted((ROOT / app).rglob("*.py")):
            relative = path.relative_to(ROOT)
            if "management" in relative.parts and "commands" in relative.parts:
                continue
            for line, module, reason in imports_inside_functions(path.read_text(), app, apps):
                yield f"{relative}:{line}", module, reason


def test_the_import_contracts_hold(capsys):
    status = lint_imports(config_filenames=(str(PYPROJECT),), no_cache=True, no_logo=True)
    report = capsys.readouterr().out
    assert status == 0, report
    assert "BROKEN" not in report and "KEPT" in report


def test_few_imports_across_apps_inside_functions_and_each_says_why():
    found = list(_project_imports_inside_functions())
    listing = "\n".join(f"{where} imports {module}: {reason or 'NO REASON'}" for where, module, reason in found)
    assert len(found) <= MAX_IMPORTS_INSIDE_FUNCTIONS, (
        f"{len(found)} imports across apps inside functions (at most "
        f"{MAX_IMPORTS_INSIDE_FUNCTIONS}); move them to the top of the module, or the code "
        f"to the layer it belongs to:\n{listing}"
    )
    assert all(reason for _, _, reason in found), f"Say beside each why it sits there:\n{listing}"


def test_the_finder_sees_an_import_inside_a_function_and_its_reason():
    source = (
        "from courses.models import Enrolment\n"
        "def f():\n"
        "    from cms.models import LessonPage\n"
        "    from .models import Local\n"
        "    import json\n"
        "def g():\n"
        "    # cms is imported here because the app registry is not ready at import time\n"
        "    from cms import hooks\n"
        "    def inner():\n"
        "        import accounts.models  # the user model, read when called\n"
    )
    found = imports_inside_functions(source, "competencies", ["cms", "courses", "accounts", "competencies"])
    assert found == [
        (3, "cms.models", ""),
        (8, "cms", "cms is imported here because the app registry is not ready at import time"),
        (10, "accounts.models", "the user model, read when called"),
    ]
