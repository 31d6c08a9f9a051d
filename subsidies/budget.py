"""Budget reservation and payment on ``BudgetLine`` rows: one conditional UPDATE each, so two
decisions racing for the last yuan cannot both win (the CHECK constraints hold the line even for a
write that skipped this module)."""

from decimal import Decimal

from django.db.models import F, Q

from subsidies.models import Application, BudgetLine


def lines_for(application: Application) -> list[BudgetLine]:
    """The lines a decision reserves on: the version's total line and, when the version has a line
    for the application's district, that one too (district shares sum into the total)."""
    return list(BudgetLine.objects.filter(Q(region__isnull=True) | Q(region=application.region_id),
                                          version=application.version_id).order_by("pk"))


def reserve(application: Application, amount: Decimal) -> BudgetLine | None:
    """Reserve ``amount`` on every line of ``lines_for``; returns the most specific line, or None
    (nothing reserved) when any of them lacks the money. Runs inside the caller's transaction."""
    lines = lines_for(application)
    if not lines:
        return None
    ids = [line.pk for line in lines]
    # Lock in primary-key order first: two decisions needing the same two lines never deadlock.
    list(BudgetLine.objects.select_for_update().filter(pk__in=ids).order_by("pk").values_list("pk", flat=True))
    updated = (BudgetLine.objects.filter(pk__in=ids, reserved__lte=F("allocated") - amount)
               .update(reserved=F("reserved") + amount))
    if updated != len(ids):
        return None
    district = next((line for line in lines if line.region_id is not None), None)
    return district or lines[0]


def pay(line: BudgetLine, amount: Decimal) -> bool:
    """Move ``amount`` from reserved to disbursed on the line and on the total line above it."""
    ids = [line.pk]
    if line.region_id is not None:
        ids += list(BudgetLine.objects.filter(version=line.version_id, region__isnull=True)
                    .values_list("pk", flat=True))
    updated = (BudgetLine.objects.filter(pk__in=sorted(ids), disbursed__lte=F("reserved") - amount)
               .update(disbursed=F("disbursed") + amount))
    return updated == len(ids)


def release(line: BudgetLine, amount: Decimal) -> None:
    ids = [line.pk]
    if line.region_id is not None:
        ids += list(BudgetLine.objects.filter(version=line.version_id, region__isnull=True)
                    .values_list("pk", flat=True))
    BudgetLine.objects.filter(pk__in=ids, reserved__gte=F("disbursed") + amount).update(
        reserved=F("reserved") - amount)
