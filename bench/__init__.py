"""The Kapstone benchmark (`make bench`): build a large program on PostgreSQL, load the
pages through gunicorn with wrk, time the batch work, and report against the targets."""
