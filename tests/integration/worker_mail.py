"""Reading what the worker delivered with the file e-mail backend."""

import time
from pathlib import Path


def wait_for_mail(mail_dir: Path, needle: str, timeout: float = 30) -> str:
    """The first delivered message containing ``needle``, polling for a bounded time."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        for path in mail_dir.glob("*.log"):
            text = path.read_text(errors="replace")
            if needle in text:
                return text
        time.sleep(0.2)
    raise AssertionError(f"No e-mail containing {needle!r} within {timeout}s")
