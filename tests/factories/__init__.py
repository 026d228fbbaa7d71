"""factory_boy factories for the tests, one module per app (``from factories.accounts
import UserFactory``). They live under tests/ because production code never builds
rows this way: the demo (demo/) and the benchmark go through the services."""
