"""Object rules about organisations: `can_<verb>…(user, obj) -> bool`, no request. Higher apps
build their own rules on these (an assessment is written by whoever may write for its enterprise)."""

from portal.roles import WRITE_ROLES, MemberRole


def member_role(user, organisation) -> str | None:
    """The user's membership role in an enterprise or provider, or None."""
    if not user.is_authenticated:
        return None
    membership = organisation.memberships.filter(user=user).only("role").first()
    return membership.role if membership else None


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
    asks three times. For the menu only; decisions use the predicates below, which always query."""
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
