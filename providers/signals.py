"""Receivers that keep the registry's cached pages (providers/cache.py) honest: a pool (its name on
the portraits and in the directory's pool filter) or a pool membership (the portrait's pool list,
the directory's pool filter) that is saved or deleted bumps the registry version. Listings need no
receiver: the projection bumps it itself."""

from django.db.models.signals import post_delete, post_save


def _changed(sender, **kwargs) -> None:
    from providers import cache

    cache.bump()


def connect() -> None:
    from providers.models import Pool, PoolMember

    for model in (Pool, PoolMember):
        post_save.connect(_changed, sender=model, dispatch_uid=f"providers-cache-{model.__name__}-save")
        post_delete.connect(_changed, sender=model, dispatch_uid=f"providers-cache-{model.__name__}-delete")
