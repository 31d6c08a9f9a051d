"""Demo subsidy applications in every state, deterministic and idempotent (references BT…-D…).

They go on the published programme versions already seeded (subsidies' own demo, when present);
when none covers the demo enterprise's district, a minimal programme ("演示：数字化转型事后奖补",
code ``demo-post-hoc``) is created here. Rows are written directly in their state with a
consistent history: decided and later states hold a reservation on the budget, disbursed and
evaluated ones a paid batch."""

import datetime as dt
from dataclasses import dataclass
from decimal import Decimal

from django.db import transaction
from django.utils import timezone

from portal.models import Enterprise, Provider, Region, User
from subsidies import amounts, budget, workflow
from subsidies.models import (
    Application,
    ApplicationEvent,
    BudgetLine,
    Disbursement,
    DisbursementBatch,
    ExpertReview,
    Objection,
    Programme,
    ProgrammeVersion,
)

DEMO_PROGRAMME = "demo-post-hoc"

# (state, project title, declared investment)
STATES = (
    ("draft", "车间 MES 系统上线", "380000"),
    ("submitted", "仓储 WMS 改造", "260000"),
    ("returned", "设备联网与数据采集", "150000"),
    ("form_checked", "质量追溯平台", "420000"),
    ("expert_reviewed", "能耗在线监测", "180000"),
    ("audited", "云 ERP 迁移", "300000"),
    ("in_notice", "数字孪生产线", "900000"),
    ("in_notice", "供应链协同平台", "520000"),
    ("decided", "智能排产系统", "640000"),
    ("disbursed", "视觉质检工作站", "350000"),
    ("evaluated", "设备预测性维护", "480000"),
    ("rejected", "办公 OA 升级", "90000"),
    ("withdrawn", "官网改版", "40000"),
)


@dataclass(frozen=True)
class Seeded:
    created: int
    programme_created: bool


def _version(enterprise: Enterprise, creator: User) -> tuple[ProgrammeVersion, bool]:
    today = timezone.localdate()
    path = enterprise.region.path
    prefixes = [path[: i + 1] for i, c in enumerate(path) if c == "/"]
    existing = (ProgrammeVersion.objects.filter(status=ProgrammeVersion.Status.PUBLISHED,
                                                programme__region__path__in=prefixes,
                                                applications_open__lte=today, applications_close__gte=today,
                                                programme__instrument="post_hoc_reward")
                .order_by("pk").first())
    if existing is not None:
        return existing, False
    city = Region.objects.get(code="440300")
    programme, _created = Programme.objects.get_or_create(
        code=DEMO_PROGRAMME, defaults={"name": "演示：数字化转型事后奖补", "instrument": "post_hoc_reward",
                                       "issuing_body": "深圳市工业和信息化局", "region": city, "created_by": creator})
    version = programme.versions.filter(status=ProgrammeVersion.Status.PUBLISHED).first()
    if version is None:
        version = ProgrammeVersion.objects.create(
            programme=programme, number=1, status=ProgrammeVersion.Status.PUBLISHED,
            document_number="演示〔2026〕1号", document_title="演示用：数字化转型事后奖补实施细则（非真实文件）",
            effective_from=today - dt.timedelta(days=90), effective_to=today + dt.timedelta(days=365),
            applications_open=today - dt.timedelta(days=60), applications_close=today + dt.timedelta(days=60),
            params={"rate": {"value": "0.20", "source": "东莞事后奖补：核定投资额的 20%", "confidence": "V"},
                    "cap": {"value": "500000", "source": "演示上限", "confidence": "P"}},
            budget_total=Decimal("5000000"), created_by=creator, published_at=timezone.now())
        BudgetLine.objects.create(version=version, region=None, allocated=Decimal("5000000"))
        BudgetLine.objects.create(version=version, region=enterprise.region, allocated=Decimal("2000000"))
    return version, True


def _event(app, action, before, after, actor, note=""):
    ApplicationEvent.objects.create(application=app, action=action, from_status=before, to_status=after,
                                    actor=actor, note=note)


def seed(*, owner: User, enterprise: Enterprise, district: User, creator: User, expert: User | None = None,
         provider: Provider | None = None) -> Seeded:
    today = timezone.localdate()
    version, programme_created = _version(enterprise, creator)
    created = 0
    with transaction.atomic():
        for index, (state, title, investment) in enumerate(STATES, start=1):
            reference = f"BT{today.year}-D{index:05d}"
            if Application.objects.filter(reference=reference).exists():
                continue
            app = Application(reference=reference, version=version, enterprise=enterprise, provider=provider,
                              region=enterprise.region, status=state, project_title=title,
                              description="演示数据：项目内容、实施周期与预期成效。",
                              declared_investment=Decimal(investment), filed_by=owner,
                              figures={"contract_number": f"HT-2026-{index:03d}"})
            chain_index = workflow.CHAIN.index(state) if state in workflow.CHAIN else 1
            if state != "draft":
                app.submitted_at = timezone.now() - dt.timedelta(days=40 - index)
                app.declarations = dict.fromkeys(workflow.DECLARATIONS, True)
            if state == "returned":
                app.stage_note = "请补充设备采购发票。"
            if state in ("rejected",):
                app.stage_note = "项目不属于本计划支持范围（办公自动化）。"
                app.decided_by, app.decided_at = district, timezone.now()
            if chain_index >= workflow.CHAIN.index("expert_reviewed"):
                app.expert_score = Decimal("78.50")
            if chain_index >= workflow.CHAIN.index("audited"):
                app.verified_investment = (Decimal(investment) * Decimal("0.95")).quantize(Decimal("0.01"))
                app.audit_note = "专项审计报告（演示）"
            if chain_index >= workflow.CHAIN.index("in_notice"):
                running = state == "in_notice" and title == "数字孪生产线"
                app.notice_starts = today - dt.timedelta(days=1 if running else 12)
                app.notice_ends = today + dt.timedelta(days=3) if running else today - dt.timedelta(days=8)
            app.estimated_amount = amounts.for_application(app).value
            app.save()
            created += 1
            _event(app, "create", "", "draft", owner)
            if state != "draft":
                _event(app, "submit", "draft", "submitted", owner)
            if state == "returned":
                _event(app, "check_return", "submitted", "returned", district, app.stage_note)
            if state == "withdrawn":
                _event(app, "withdraw", "submitted", "withdrawn", owner)
            if state == "rejected":
                _event(app, "check_reject", "submitted", "rejected", district, app.stage_note)
            steps = (("check_pass", "form_checked"), ("review_close", "expert_reviewed"), ("audit", "audited"),
                     ("publish_notice", "in_notice"), ("approve", "decided"), ("pay", "disbursed"),
                     ("evaluate", "evaluated"))
            previous = "submitted"
            for action, target in steps:
                if state not in workflow.CHAIN or workflow.CHAIN.index(target) > chain_index:
                    break
                _event(app, action, previous, target, district)
                previous = target
            if expert is not None and chain_index >= workflow.CHAIN.index("form_checked"):
                scored = chain_index >= workflow.CHAIN.index("expert_reviewed")
                ExpertReview.objects.create(
                    application=app, expert=expert, assigned_by=district,
                    **({"necessity": Decimal(80), "feasibility": Decimal(75), "investment": Decimal(80),
                        "benefit": Decimal(78), "total": Decimal("78.50"), "comment": "方案可行（演示）",
                        "submitted_at": timezone.now()} if scored else {}))
            if state == "in_notice" and title == "供应链协同平台":
                Objection.objects.create(application=app, contact="138****0000",
                                         text="该企业同一项目已获区级技改补助（演示异议）。")
            if chain_index >= workflow.CHAIN.index("decided"):
                line = budget.reserve(app, app.estimated_amount)
                if line is None:  # a seeded programme's budget is spent: leave this one awaiting the decision
                    app.status = Application.Status.IN_NOTICE
                    app.save(update_fields=["status"])
                    app.events.filter(action__in=("approve", "pay", "evaluate")).delete()
                    continue
                app.decided_amount, app.budget_line = app.estimated_amount, line
                app.decided_by, app.decided_at = district, timezone.now()
                app.save(update_fields=["decided_amount", "budget_line", "decided_by", "decided_at"])
            if chain_index >= workflow.CHAIN.index("disbursed"):
                batch = DisbursementBatch.objects.create(
                    reference=f"PAY{today.year}-D{index:04d}", version=version, region=district.region,
                    status=DisbursementBatch.Status.PAID, total=app.decided_amount, created_by=district,
                    sent_at=timezone.now(), paid_at=timezone.now(), paid_by=district)
                Disbursement.objects.create(batch=batch, application=app, amount=app.decided_amount,
                                            paid_at=timezone.now())
                budget.pay(app.budget_line, app.decided_amount)
            if state == "evaluated":
                app.evaluation_score, app.evaluation_note = Decimal("86"), "产能提升 12%，不良率下降 30%（演示）"
                app.save(update_fields=["evaluation_score", "evaluation_note"])
    return Seeded(created, programme_created)
