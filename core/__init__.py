"""The layer every app stands on: access policies, roles, form helpers, paging, CSV,
encryption, cache and rate-limit helpers. It imports no app of this project."""
