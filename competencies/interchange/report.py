"""The report every import returns, and the refusal that carries it.

A refused import raises ``ImportRejected`` (a ``ValidationError`` whose messages are the
problems), so views can put the problems on a form like any other validation error.
"""

from dataclasses import dataclass, field

from django.core.exceptions import ValidationError

from ..models import FrameworkVersion

MAX_BYTES = 5 * 1024 * 1024


@dataclass
class ImportReport:
    """What an import did, or every reason it did nothing."""

    source: str
    source_name: str = ""
    version: FrameworkVersion | None = None
    framework_created: bool = False
    outcomes: int = 0
    by_category: dict[str, int] = field(default_factory=dict)
    warnings: list[str] = field(default_factory=list)
    problems: list[str] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return not self.problems and self.version is not None

    @property
    def from_where(self) -> str:
        return f"{self.source} {self.source_name}".strip()

    def as_text(self) -> str:
        if self.problems:
            n = len(self.problems)
            lines = [f"Nothing was imported from {self.from_where}: "
                     f"{n} problem{'s' if n != 1 else ''}."]
            lines += [f"  - {p}" for p in self.problems]
            return "\n".join(lines)
        version = self.version
        categories = ", ".join(f"{n} {label}" for label, n in self.by_category.items())
        lines = [
            f"Imported {version.framework.title} v{version.number} (draft) from "
            f"{self.from_where}: {self.outcomes} outcome{'s' if self.outcomes != 1 else ''}"
            f" ({categories}).",
            "A new framework was created." if self.framework_created
            else f"It is the next version of the existing framework “{version.framework.slug}”.",
        ]
        if self.warnings:
            lines.append("Warnings:")
            lines += [f"  - {w}" for w in self.warnings]
        return "\n".join(lines)


class ImportRejected(ValidationError):
    """The file has problems; ``report.problems`` lists every one. Nothing was saved."""

    def __init__(self, report: ImportReport):
        super().__init__(report.problems)
        self.report = report


def reject_if(report: ImportReport) -> None:
    if report.problems:
        raise ImportRejected(report)


def check_size(raw, report: ImportReport) -> None:
    """Refuse a file over the size limit before reading any of it."""
    size = len(raw) if isinstance(raw, (bytes, str)) else 0
    if size > MAX_BYTES:
        report.problems.append(
            f"The file is {size / (1024 * 1024):.1f} MB; "
            f"the limit is {MAX_BYTES // (1024 * 1024)} MB."
        )
        reject_if(report)


def decode(raw: bytes | str, report: ImportReport) -> str:
    """The file as text (UTF-8, with or without a byte-order mark), or a refusal."""
    if isinstance(raw, str):
        return raw
    try:
        return raw.decode("utf-8-sig")
    except UnicodeDecodeError as error:
        report.problems.append(f"The file is not UTF-8 text (byte {error.start} cannot be read).")
        raise ImportRejected(report) from error
