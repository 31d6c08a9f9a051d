"""Receivers that keep the registry's cached pages (providers/cache.py) honest: a pool (its name on
the portraits and in the directory's pool filter) or a pool membership (the portrait's pool list,
the directory's pool filter) that is saved or deleted bumps the registry version. Listings need no
receiver: the projection bumps it itself."""

from django.db.models.signals import post_delete, post_save


def _changed(sender, **kwargs) -> None:
    from providers import cache

    cache.bump()


WEIGHTS_VERSION = "providers:matching-weights"


def _weights_changed(sender, **kwargs) -> None:
    # providers.matching.selectors.weights_pk_for keeps the version in force per region under this.
    from portal.fragments import bump

    bump(WEIGHTS_VERSION)


def connect() -> None:
    from providers.models import MatchingWeights, Pool, PoolMember

    post_save.connect(_weights_changed, sender=MatchingWeights, dispatch_uid="providers-weights-save")
    post_delete.connect(_weights_changed, sender=MatchingWeights, dispatch_uid="providers-weights-delete")

    for model in (Pool, PoolMember):
        post_save.connect(_changed, sender=model, dispatch_uid=f"providers-cache-{model.__name__}-save")
        post_delete.connect(_changed, sender=model, dispatch_uid=f"providers-cache-{model.__name__}-delete")
