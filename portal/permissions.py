"""Object rules about organisations: `can_<verb>…(user, obj) -> bool`, no request. Higher apps
build their own rules on these (an assessment is written by whoever may write for its enterprise)."""

from portal.roles import WRITE_ROLES, MemberRole

# Bumped by portal.signals on every save or delete of a membership in this process: a role read
# earlier in the same request is then read again (member_role's memo names the value it was read under).
_membership_writes = 0


def membership_changed(user_id: int | None = None) -> None:
    global _membership_writes
    _membership_writes += 1
    if user_id is not None:
        from portal.fragments import bump

        bump(memberships_version_name(user_id))  # the cached menu shows what the user belongs to


def memberships_version_name(user_id) -> str:
    return f"portal:memberships:{user_id}"


def member_role(user, organisation) -> str | None:
    """The user's membership role in an enterprise or provider, or None.

    Read once per request and organisation (a page asks several predicates of the same pair: may
    write, may request the report, may request contact) and kept on the user object, which lives
    for one request; any membership written since, in this process, makes it read again."""
    if not user.is_authenticated:
        return None
    memo = getattr(user, "_member_roles", None)
    if memo is None:
        memo = {}
        user._member_roles = memo
    key = (organisation._meta.label, organisation.pk, _membership_writes)
    if key not in memo:
        memo[key] = _read_role(user, organisation)
    return memo[key]


def remember_role(user, organisation, role: str | None) -> None:
    """Record ``user``'s role in ``organisation`` as read by the caller in the same request (with
    the object itself, say: ``role_subquery``), so that the predicates do not read it again."""
    if user.is_authenticated:
        memo = getattr(user, "_member_roles", None)
        if memo is None:
            memo = user._member_roles = {}
        memo[(organisation._meta.label, organisation.pk, _membership_writes)] = role


def role_subquery(user, organisation_field: str):
    """An expression for ``user``'s membership role in the organisation a row points to through
    ``organisation_field`` (None when not a member): read it with the row, then ``remember_role``."""
    from django.db.models import CharField, OuterRef, Subquery, Value

    from portal.models import Membership

    if not user.is_authenticated:
        return Value(None, output_field=CharField())
    return Subquery(Membership.objects.filter(**{organisation_field: OuterRef(organisation_field)}, user=user)
                    .order_by("pk").values("role")[:1])


def _read_role(user, organisation) -> str | None:
    # values_list, not only("role"): a related manager sets the organisation on every instance it
    # builds, which reads the deferred foreign key back with one more query per call.
    return organisation.memberships.filter(user=user).order_by("pk").values_list("role", flat=True).first()


def is_member_of(user, organisation) -> bool:
    return member_role(user, organisation) is not None


def can_write_for(user, organisation) -> bool:
    """Owners and editors act for their organisation; viewers read. Bureau staff never write an
    organisation's own data: they act through verification and review."""
    return member_role(user, organisation) in WRITE_ROLES


def is_owner_of(user, organisation) -> bool:
    return member_role(user, organisation) == MemberRole.OWNER


def nav_organisation_kinds(user) -> frozenset[str]:
    """The kinds of organisation ("enterprise", "provider") a signed-in user (not staff) belongs
    to, in one query kept on the user object for the rest of the request: the menu of every page
    asks three times. For the menu only; decisions use the predicates below."""
    if not user.is_authenticated or user.staff_role:
        return frozenset()
    kinds = getattr(user, "_nav_organisation_kinds", None)
    if kinds is None:
        kinds = set()
        for enterprise_id, provider_id in user.memberships.values_list("enterprise_id", "provider_id"):
            if enterprise_id is not None:
                kinds.add("enterprise")
            if provider_id is not None:
                kinds.add("provider")
        kinds = user._nav_organisation_kinds = frozenset(kinds)
    return kinds


def is_enterprise_user(user) -> bool:
    """A signed-in member of at least one enterprise (not staff): the people who self-assess.
    Provider members have no assessments of their own."""
    return (user.is_authenticated and not user.staff_role
            and user.memberships.filter(enterprise__isnull=False).exists())


def is_provider_user(user) -> bool:
    """A signed-in member of at least one service provider (not staff): the people who keep a
    capability profile."""
    return (user.is_authenticated and not user.staff_role
            and user.memberships.filter(provider__isnull=False).exists())
