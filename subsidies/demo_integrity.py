"""Demo data for vouchers, projects and the integrity checks (issue #11): vouchers in every state,
projects filed, waiting for acceptance and accepted against a T1 re-assessment (so points per yuan
has figures), payee accounts (encrypted) and a few integrity flags, one of them overridden by city
staff.

Deterministic (firms taken in credit-code order, fixed amounts and dates relative to today) and
idempotent (a marker voucher code: a second run adds nothing). Fast: plain inserts, no scoring —
the projects reuse the assessed Longhua firms of the regional demo (portal/demo_regional.py), whose
T0 (last year) and T1 (this year) are approved GB/T 23020 assessments.

Called from ``portal/demo.py`` (site wiring) with the demo accounts; it skips what it cannot build
(no assessed firms, no pool member) rather than failing the seed.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from decimal import Decimal

from django.db import transaction
from django.db.models import F
from django.utils import timezone

from diagnosis.models import Assessment
from portal.models import Enterprise, Provider, User
from providers.models import PoolMember
from subsidies.integrity import services as integrity
from subsidies.integrity.models import ApplicationInvoice, IntegrityFlag, PayeeAccount
from subsidies.models import Application, BudgetLine, Instrument, Programme, ProgrammeVersion
from subsidies.projects.models import Project
from subsidies.vouchers.models import Voucher

MARKER = "VDEMO0000001"
LONGHUA = "440309"
SPEC = "gbt23020-2013"
PROGRAMME_CODE = "demo-sz-service-voucher"
PROVISIONAL = "provisional demo value [P]: the real share and cap are set by the programme's policy document"


@dataclass(frozen=True)
class IntegritySeedCounts:
    vouchers: int = 0
    projects: int = 0
    flags: int = 0


def _voucher_version(author: User) -> ProgrammeVersion:
    """A published service-voucher version covering Longhua: an existing one (the applications'
    demo) when there is one, else the demo's own."""
    existing = (ProgrammeVersion.objects.filter(status=ProgrammeVersion.Status.PUBLISHED,
                                                programme__instrument=Instrument.SERVICE_VOUCHER,
                                                programme__region__code__in=["440300", LONGHUA])
                .exclude(params={}).order_by("programme__code").first())
    if existing is not None and existing.params.get("share") and existing.params.get("cap"):
        return existing
    from portal.models import Region

    today = timezone.localdate()
    programme, _created = Programme.objects.get_or_create(code=PROGRAMME_CODE, defaults={
        "name": "深圳市中小企业数字化转型服务券（演示）", "instrument": Instrument.SERVICE_VOUCHER,
        "issuing_body": "深圳市工业和信息化局", "region": Region.objects.get(code="440300"), "created_by": author})
    version = programme.versions.filter(number=1).first()
    if version is None:
        version = ProgrammeVersion.objects.create(
            programme=programme, number=1, status=ProgrammeVersion.Status.PUBLISHED,
            document_number="演示〔2026〕1号", document_title="服务券实施细则（演示）",
            effective_from=today - dt.timedelta(days=400), effective_to=today + dt.timedelta(days=330),
            applications_open=today - dt.timedelta(days=400), applications_close=today + dt.timedelta(days=300),
            params={"share": {"value": "0.30", "source": PROVISIONAL, "confidence": "P"},
                    "cap": {"value": "100000.00", "source": PROVISIONAL, "confidence": "P"},
                    "one_per_enterprise": {"value": True, "source": PROVISIONAL, "confidence": "P"}},
            budget_total=Decimal("5000000.00"), created_by=author, published_at=timezone.now())
        BudgetLine.objects.create(version=version, allocated=Decimal("5000000.00"))
    return version


def _line(version: ProgrammeVersion) -> BudgetLine:
    return version.budget_lines.filter(region__isnull=True).first() or version.budget_lines.first()


def _pool_providers() -> list[Provider]:
    """Providers in an active membership of a pool covering Longhua, in credit-code order."""
    today = timezone.localdate()
    ids = (PoolMember.objects.filter(status=PoolMember.Status.ACTIVE, valid_until__gte=today,
                                     pool__region__code__in=["440300", LONGHUA])
           .values_list("provider_id", flat=True))
    return list(Provider.objects.filter(pk__in=ids).order_by("uscc")[:3])


def _assessed_firms(exclude: Enterprise | None) -> list[tuple[Enterprise, Assessment, Assessment]]:
    """Longhua firms with an approved GB/T 23020 T0 last year and T1 this year: (firm, T0, T1)."""
    year = timezone.localdate().year
    rows = (Assessment.objects.filter(enterprise__region__code=LONGHUA, spec_code=SPEC,
                                      status=Assessment.Status.APPROVED, year__in=[year - 1, year])
            .exclude(enterprise=exclude)  # the demo enterprise keeps its own story
            .order_by("enterprise__uscc", "year").select_related("enterprise"))
    pairs: dict[int, list[Assessment]] = {}
    for row in rows:
        pairs.setdefault(row.enterprise_id, []).append(row)
    out = []
    for items in pairs.values():
        if len(items) == 2 and items[0].submitted_at < items[1].submitted_at:
            out.append((items[0].enterprise, items[0], items[1]))
        if len(out) >= 14:
            break
    return out


def _application(n: int, version, enterprise, *, status, filed_by, provider=None, amount=None, line=None,
                 decided_by=None) -> Application:
    now = timezone.now()
    app = Application.objects.create(
        reference=f"DEMO-INT-{n:04d}", version=version, enterprise=enterprise, provider=provider,
        region=enterprise.region, status=status, project_title=f"{enterprise.name[:20]}数字化改造",
        declared_investment=Decimal("400000.00"), filed_by=filed_by, submitted_at=now - dt.timedelta(days=120),
        decided_amount=amount, budget_line=line if amount else None, decided_by=decided_by if amount else None,
        decided_at=now - dt.timedelta(days=90) if amount else None)
    if amount:
        paid = amount if status == Application.Status.DISBURSED else Decimal(0)
        BudgetLine.objects.filter(pk=line.pk).update(reserved=F("reserved") + amount, disbursed=F("disbursed") + paid)
    return app


def _payee(organisation, field: str, *, legal_rep: str, id_number: str, address: str, account: str, actor):
    if PayeeAccount.objects.filter(**{field: organisation}).exists():
        return
    PayeeAccount.objects.create(**{field: organisation}, legal_representative=legal_rep,
                                legal_representative_id=id_number, address=address, bank_name="中国银行深圳龙华支行",
                                account_name=organisation.name, account_number=account, updated_by=actor)


def _shenzhen_firms(exclude: Enterprise | None, skip: set[int]) -> list[Enterprise]:
    return list(Enterprise.objects.filter(region__path__startswith="440000/440300/", status="verified")
                .exclude(pk__in=skip | ({exclude.pk} if exclude else set())).order_by("uscc")[:8])


def _longhua_firm(exclude: Enterprise | None, taken: list[Enterprise], assessed: set[int]) -> Enterprise | None:
    """A Longhua firm for the application the open flag sits on, so the district account `longhua`
    has a flag in its queue: the first by credit code outside the other plans, preferring one
    without a project (its story stays simple), else a project firm rather than no Longhua flag."""
    candidates = (Enterprise.objects.filter(region__code=LONGHUA, status="verified")
                  .exclude(pk__in={e.pk for e in taken} | ({exclude.pk} if exclude else set())).order_by("uscc"))
    return candidates.exclude(pk__in=assessed).first() or candidates.first()


def seed_integrity(*, city_staff: User, district_staff: User, enterprise_owner: User | None = None,
                   demo_enterprise: Enterprise | None = None) -> IntegritySeedCounts:
    if Voucher.objects.filter(code=MARKER).exists():
        return IntegritySeedCounts()
    providers = _pool_providers()
    assessed = _assessed_firms(demo_enterprise)
    firms = _shenzhen_firms(demo_enterprise, {e.pk for e, _t0, _t1 in assessed})
    if len(firms) < 8 or not providers:
        return IntegritySeedCounts()
    # Credit codes sort by region, so Longhua's firms come after most other districts' ones.
    firms[7] = _longhua_firm(demo_enterprise, firms[:7], {e.pk for e, _t0, _t1 in assessed}) or firms[7]
    today = timezone.localdate()
    now = timezone.now()
    filer = User.objects.filter(username="demo_regional_seed").first() or district_staff
    with transaction.atomic():
        version = _voucher_version(city_staff)
        line = _line(version)
        share = Decimal(str(version.params["share"]["value"]))
        provider = providers[0]

        # Vouchers in every state: issued (also the demo enterprise's), used, verified, paid, expired.
        plan = [("issued", firms[0]), ("used", firms[1]), ("verified", firms[2]), ("paid", firms[3]),
                ("expired", firms[4])]
        if demo_enterprise is not None:
            plan.append(("issued", demo_enterprise))
        for index, (status, enterprise) in enumerate(plan, start=1):
            face, contract = Decimal("50000.00"), Decimal("120000.00")
            covered = min((contract * share).quantize(Decimal("0.01")), face)
            used = status in ("used", "verified", "paid")
            checked = status in ("verified", "paid")
            Voucher.objects.create(
                code=f"VDEMO{index:07d}", version=version, enterprise=enterprise, region=enterprise.region,
                status=status, state_version={"issued": 0, "used": 1, "verified": 2, "paid": 3, "expired": 1}[status],
                face_value=face, share=share, budget_line=line, issued_by=district_staff,
                expires_on=today - dt.timedelta(days=10) if status == "expired" else today + dt.timedelta(days=180),
                provider=provider if used else None, contract_number=f"HT-DEMO-{index:03d}" if used else "",
                contract_amount=contract if used else None, redeemed_amount=covered if used else None,
                used_at=now - dt.timedelta(days=30) if used else None,
                verified_by=district_staff if checked else None, verified_at=now - dt.timedelta(days=20) if checked
                else None, paid_by=city_staff if status == "paid" else None,
                paid_at=now - dt.timedelta(days=10) if status == "paid" else None)
            if status == "paid":
                BudgetLine.objects.filter(pk=line.pk).update(reserved=F("reserved") + covered,
                                                             disbursed=F("disbursed") + covered)
            elif status != "expired":
                BudgetLine.objects.filter(pk=line.pk).update(reserved=F("reserved") + face)

        # Integrity: an audited application whose enterprise shares its bank account with its
        # provider (overridden by city staff with a justification); two applications claiming one
        # invoice, the one in public notice (a Longhua firm's) blocked by an open flag.
        shared_account = "6216610200016587321"
        related = _application(1, version, firms[5], status=Application.Status.AUDITED, filed_by=filer,
                                provider=provider)
        _payee(firms[5], "enterprise", legal_rep="王建国", id_number="44030119800101123X",
               address="深圳市龙华区观澜街道示范路1号", account=shared_account, actor=district_staff)
        _payee(provider, "provider", legal_rep="李明", id_number="440301198505052342",
               address="深圳市南山区粤海街道科技园2号", account=shared_account, actor=district_staff)
        if demo_enterprise is not None and enterprise_owner is not None:
            _payee(demo_enterprise, "enterprise", legal_rep="陈志强", id_number="440306197803154416",
                   address="深圳市龙华区观湖街道精密路8号", account="6222024000012345678", actor=enterprise_owner)
        first_claim = _application(2, version, firms[6], status=Application.Status.SUBMITTED, filed_by=filer,
                                   provider=providers[-1])
        in_notice = _application(3, version, firms[7], status=Application.Status.IN_NOTICE, filed_by=filer,
                                 provider=providers[-1])
        for app in (first_claim, in_notice):
            ApplicationInvoice.objects.create(application=app, number="44031900112345678901",
                                              amount=Decimal("36000.00"), issuer=providers[-1].name, added_by=filer)
        for flag in integrity.refresh_flags(related, actor=district_staff):
            if flag.status == IntegrityFlag.Status.OPEN:
                integrity.override_flag(flag=flag, actor=city_staff, expected_version=flag.state_version,
                                        justification="经核查，双方为同一集团内的独立法人，结算账户由集团财务公司统一"
                                                      "管理；采购价格经第三方比价，认定公允。")
        integrity.refresh_flags(in_notice, actor=district_staff)

        projects = _seed_projects(assessed, version, line, providers, filer=filer, city_staff=city_staff,
                                  today=today, now=now)
        return IntegritySeedCounts(vouchers=len(plan), projects=projects, flags=IntegrityFlag.objects.filter(
            application__reference__startswith="DEMO-INT-").count())


def _seed_projects(assessed, version, line, providers, *, filer, city_staff, today, now) -> int:
    """Six accepted projects (funded by disbursed applications, so points per yuan has figures),
    one waiting for acceptance, one just filed: only when the regional demo's assessed firms exist.
    The targeted dimensions are the standard's first two."""
    if len(assessed) < 8:
        return 0
    dims = [node["code"] for node in (assessed[0][1].result or {}).get("dimensions", [])][:2]
    amounts = [Decimal(a) for a in ("80000.00", "120000.00", "60000.00", "150000.00", "90000.00", "100000.00")]
    for k, (enterprise, t0, t1) in enumerate(assessed[:8]):
        accepted = k < 6
        app = _application(10 + k, version, enterprise, status=Application.Status.DISBURSED, filed_by=filer,
                           provider=providers[k % len(providers)], amount=amounts[k], line=line,
                           decided_by=city_staff) if accepted else None
        project = Project.objects.create(
            filing_number=f"BA{today:%Y}DEMO{k + 1:03d}", enterprise=enterprise,
            provider=providers[k % len(providers)], application=app, region=enterprise.region,
            title=f"{enterprise.name[:16]}智能制造改造", solution="设备联网与生产执行系统（MES）",
            scope="关键工序设备联网、生产计划排程、质量追溯", planned_investment=Decimal("400000.00"),
            spec_code=SPEC, target_dimensions=dims, baseline=t0, follow_up=t1 if k < 7 else None,
            status=Project.Status.ACCEPTED if accepted else (
                Project.Status.ACCEPTANCE_REQUESTED if k == 6 else Project.Status.FILED),
            state_version=2 if accepted else (1 if k == 6 else 0), filed_by=filer,
            decided_by=city_staff if accepted else None, decided_at=now - dt.timedelta(days=5) if accepted else None,
            decision_note="验收材料齐全，复测成绩已核实。" if accepted else "")
        # Filed between the baseline and the re-assessment, as the acceptance rule requires.
        Project.objects.filter(pk=project.pk).update(filed_at=t0.submitted_at + dt.timedelta(days=30))
    return 8
