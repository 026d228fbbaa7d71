"""The demo program (``make demo``) and the helpers that walk a record to completion.

The top application layer: it drives every other app through its services, and no app
imports it (the tests and the benchmark do).
"""
