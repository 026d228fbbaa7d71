"""Rows that are written once and never changed: audit events, sign-off decisions.

Every way the ORM offers to change or remove a stored row is closed here: instance
``save()`` of a loaded row, ``delete()``, queryset ``update()`` / ``delete()`` (and the
``bulk_update``, ``update_or_create`` and ``_base_manager`` paths that end in them), an
upsert through ``bulk_create``, and ``raw()`` statements other than a plain SELECT.
What the ORM cannot see — SQL typed at a database prompt — is refused on PostgreSQL by
a trigger (audit events) and detected by the hash chain (``manage.py audit_verify``).
"""

import re

from django.db import models


class AppendOnlyError(Exception):
    """Raised when code tries to change or remove an append-only row."""


def _refuse(model, what: str) -> AppendOnlyError:
    name = model._meta.verbose_name_plural
    return AppendOnlyError(f"{name} are append-only; they cannot be {what}.")


_READ_ONLY_SQL = re.compile(r"\s*select\b[^;]*;?\s*\Z", re.IGNORECASE | re.DOTALL)


class AppendOnlyQuerySet(models.QuerySet):
    def update(self, **kwargs):
        raise _refuse(self.model, "updated")

    def _update(self, values):
        # Model.save_base's UPDATE path and bulk_update end here.
        raise _refuse(self.model, "updated")

    def bulk_update(self, objs, fields, batch_size=None):
        raise _refuse(self.model, "updated")

    def delete(self):
        raise _refuse(self.model, "deleted")

    def _raw_delete(self, using):
        raise _refuse(self.model, "deleted")

    def bulk_create(self, objs, *args, update_conflicts=False, **kwargs):
        if update_conflicts:
            raise _refuse(self.model, "updated")
        return super().bulk_create(objs, *args, update_conflicts=update_conflicts, **kwargs)

    def raw(self, raw_query, params=(), translations=None, using=None):
        # Reading through raw SQL is fine; a raw UPDATE or DELETE is not.
        if not _READ_ONLY_SQL.match(str(raw_query)):
            raise _refuse(self.model, "changed through raw SQL")
        return super().raw(raw_query, params, translations, using)


class AppendOnlyModel(models.Model):
    class Meta:
        abstract = True

    def save(self, *args, **kwargs):
        self.refuse_unless_insert(args, kwargs)
        kwargs["force_insert"] = True
        super().save(**kwargs)

    def refuse_unless_insert(self, args=(), kwargs=None) -> None:
        """Raise unless saving would insert a new row (and overwrite nothing)."""
        kwargs = kwargs or {}
        updating = kwargs.get("force_update") or kwargs.get("update_fields") is not None
        if not self._state.adding or args or updating:
            raise _refuse(self, "updated")
        # A new instance given the id of a stored row must not overwrite it.
        if self.pk is not None and type(self)._base_manager.filter(pk=self.pk).exists():
            raise _refuse(self, "updated")

    def _do_update(self, base_qs, using, pk_val, values, update_fields, forced_update):
        # Reached only by raw saves (fixtures, deserialisation): a row that is already
        # stored is never overwritten; a new one falls through to the INSERT.
        if base_qs.filter(pk=pk_val).exists():
            raise _refuse(self, "updated")
        return False

    def delete(self, *args, **kwargs):
        raise _refuse(self, "deleted")
