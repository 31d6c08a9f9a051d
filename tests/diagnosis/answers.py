"""Building complete answer sets for a spec in tests (plain data, no DB)."""

from diagnosis.spec import Spec


def best_answer(item):
    if item.kind == "choice":
        return max(item.options, key=lambda o: o.points or 0).code
    if item.kind == "multi":
        return [o.code for o in item.options if not o.exclusive]
    if item.kind == "ratio":
        return {"numerator": 100, "denominator": 100}
    if item.kind == "scenario":
        return len(item.level_descriptors)
    if item.kind == "requirement":
        return "full"
    raise AssertionError(item.kind)


def worst_answer(item):
    if item.kind == "choice":
        return min(item.options, key=lambda o: o.points or 0).code
    if item.kind == "multi":
        exclusive = [o.code for o in item.options if o.exclusive]
        return exclusive[:1] or []
    if item.kind == "ratio":
        return {"numerator": 0, "denominator": 100}
    if item.kind == "scenario":
        return 0
    if item.kind == "requirement":
        return "none"
    raise AssertionError(item.kind)


def full_answers(spec: Spec, *, best: bool = True) -> dict:
    pick = best_answer if best else worst_answer
    return {code: pick(item) for code, item in spec.items.items()}
