"""What a cache call raises when the cache (Redis) cannot be reached.

The cache is an optimisation, never a dependency: every caller that reads or writes it
catches these and carries on from the database.
"""

try:
    from redis.exceptions import RedisError
except ImportError:  # pragma: no cover - redis-py comes with the production settings
    RedisError = OSError

CACHE_UNREACHABLE = (RedisError, OSError)


def forget_now_and_on_commit(forget) -> None:
    """Drop cached state now, and again once the change commits: a request that read
    the old state while the change was still uncommitted may have stored it meanwhile."""
    from django.db import transaction

    forget()
    transaction.on_commit(forget)
