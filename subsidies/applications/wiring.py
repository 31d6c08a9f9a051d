"""What the subsidy applications add to lower layers' pages (home cards), registered from
SubsidiesConfig.ready()."""

from django.utils.translation import gettext_lazy as _

from portal.roles import is_bureau_staff, is_expert


def _enterprise_member(user) -> bool:
    return not user.staff_role and user.memberships.filter(enterprise__isnull=False).exists()


def _expert_has_sheets(user) -> bool:
    from subsidies.models import ExpertReview

    return is_expert(user) and ExpertReview.objects.filter(expert=user, submitted_at__isnull=True,
                                                           conflict_declared=False).exists()


def register() -> None:
    from portal.extensions import HomeCard, register_home_card

    register_home_card(HomeCard(
        key="subsidies-enterprise", title=_("Subsidy applications"), url_name="subsidies:mine", order=45,
        description=_("Programmes open to your enterprise, your applications and where each one stands."),
        visible=_enterprise_member))
    register_home_card(HomeCard(
        key="subsidies-staff", title=_("Subsidy review"), url_name="subsidies:review-queue", order=45,
        description=_("Applications per stage: form check, expert review, special audit, public notice, decision, "
                      "disbursement and evaluation."), visible=is_bureau_staff))
    register_home_card(HomeCard(
        key="subsidies-expert", title=_("Subsidy score sheets"), url_name="subsidies:review-tasks", order=45,
        description=_("Subsidy applications waiting for your score sheet."), visible=_expert_has_sheets))
