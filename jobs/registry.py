"""``@job`` marks a function as something :func:`jobs.services.enqueue` may run later.

Only marked functions run: a row naming anything else (a typo, a tampered row) fails
instead of importing and calling arbitrary code.
"""

from collections.abc import Callable

from django.utils.module_loading import import_string


def job(func: Callable | None = None, *, sealed: bool = False) -> Callable:
    """``@job``, or ``@job(sealed=True)`` for work whose arguments are secret (e-mails:
    bodies, addresses, reset and sign-in links). A sealed job's arguments are stored
    encrypted while it waits and forgotten once it has run (jobs.services)."""

    def mark(func: Callable) -> Callable:
        func.job_name = f"{func.__module__}.{func.__qualname__}"
        func.job_sealed = sealed
        return func

    return mark(func) if func is not None else mark


def resolve(name: str) -> Callable:
    try:
        func = import_string(name)
    except ImportError as exc:
        raise LookupError(f"No job function {name!r}.") from exc
    if getattr(func, "job_name", None) != name:
        raise LookupError(f"{name!r} is not marked @job.")
    return func
