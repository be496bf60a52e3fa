"""Service plumbing shared by the apps."""

from collections.abc import Collection

from django.db import models, transaction

from .errors import ApplicationError


def instance_update_locked(*, instance: models.Model, fields: dict, allowed: Collection[str], **clean) -> models.Model:
    """Change `fields` of a row under a row lock, validate, save and return the fresh
    instance. Fields outside `allowed` are refused; `clean` goes to `full_clean()`."""
    unknown = set(fields).difference(allowed)
    if unknown:
        what = instance._meta.verbose_name
        raise ApplicationError(f"These {what} fields cannot be changed: {', '.join(sorted(unknown))}.")
    with transaction.atomic():
        instance = type(instance).objects.select_for_update().get(pk=instance.pk)
        for name, value in fields.items():
            setattr(instance, name, value)
        instance.full_clean(**clean)
        instance.save()
    return instance
