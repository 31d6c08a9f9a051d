"""seed_demo's campaign (portal/demo_campaigns.py): Longhua, targets in every stage, idempotent."""

import pytest
from django.utils import timezone

from diagnosis.campaigns import selectors
from diagnosis.models import Assessment, Campaign, CampaignTarget
from portal.demo_campaigns import PLAN, seed_campaigns
from tests.factories.portal import EnterpriseFactory, UserFactory, region

pytestmark = pytest.mark.django_db


def test_seed_campaigns_gives_every_stage_and_is_idempotent():
    year, user = timezone.localdate().year, UserFactory()
    for status in ("approved", "submitted"):
        for _ in range(PLAN[status]):
            Assessment.objects.create(enterprise=EnterpriseFactory(region=region("440309")), spec_code="gbt23020-2013",
                                      spec_version="1.0", year=year, status=status, created_by=user)
    for _ in range(PLAN["started"] + PLAN["registered"]):
        EnterpriseFactory(region=region("440309"))
    created = seed_campaigns(year=year)
    assert created == sum(PLAN.values())
    assert seed_campaigns(year=year) == 0
    campaign = Campaign.objects.get()
    assert campaign.region.code == "440309" and CampaignTarget.objects.count() == created
    stages = [selectors.stage_of(t) for t in selectors.targets_with_stage(campaign)]
    assert {stage: stages.count(stage) for stage in set(stages)} == {
        "approved": 8, "submitted": 5, "started": 3, "registered": 3, "invited": 4, "": 3}
