"""REST API for filling in an assessment: the questionnaire of its pinned spec, and the shape of an
answer value. Mounted under /api/v1/assessments/ by diagnosis/api_urls.py.

The questionnaire is what the fill pages show, read through the same selector
(diagnosis.fill.selectors.questionnaire_state): steps and headings, every question with its kind,
options, ratio inputs and scenario levels, whether it is shown now and on which earlier answers
that depends for this enterprise, and the stored answers with their versions (the `version` to send
with the next save). Provenance notes are not part of it (they are for staff, #13 major 4).
"""

from decimal import Decimal

from drf_spectacular.utils import extend_schema, extend_schema_field
from rest_framework import serializers
from rest_framework.response import Response
from rest_framework.views import APIView

from diagnosis.fill.questionnaire import offered_sections, progress, sections, show_when
from diagnosis.fill.selectors import questionnaire_state
from diagnosis.models import Assessment
from diagnosis.permissions import can_edit_assessment
from portal.access import get_for_user
from portal.audit import audit_staff_read

# A figure: a number, or the decimal string the platform stores it as ("12", "0.5").
_FIGURE = {"oneOf": [{"type": "number", "minimum": 0}, {"type": "string", "pattern": r"^[0-9]+(\.[0-9]+)?$"}]}
ANSWER_VALUE_SCHEMA = {
    "description": (
        "The answer, shaped by the question's `kind` (see the questionnaire endpoint):\n"
        "- `choice`: the code of one option (string);\n"
        "- `requirement`: the code of one level of the satisfaction scale (string);\n"
        "- `multi`: the codes of the options chosen (array of strings, at least one, no repeats; an "
        "`exclusive` option only on its own);\n"
        "- `scenario`: the level reached, an integer from 0 (not done yet) to the number of `levels`;\n"
        "- `ratio`: `{numerator, denominator}` (figures ≥ 0, denominator not 0, numerator ≤ denominator "
        "when `ratio.bounded`), or the ratio itself in the item's unit as a decimal string.\n"
        "Answers come back normalised: figures as decimal strings, multi codes in questionnaire order. "
        "A value that does not fit the question is refused with 400 and `code: invalid_answer`."),
    "oneOf": [
        {"type": "string", "minLength": 1,
         "description": "choice or requirement: an option code; ratio: the value itself"},
        {"type": "array", "items": {"type": "string"}, "minItems": 1, "description": "multi: option codes"},
        {"type": "integer", "minimum": 0, "description": "scenario: the level reached (0 = not yet)"},
        {"type": "object", "description": "ratio: the two figures the ratio is computed from",
         "properties": {"numerator": _FIGURE, "denominator": _FIGURE},
         "required": ["numerator", "denominator"], "additionalProperties": False},
    ],
}


@extend_schema_field(ANSWER_VALUE_SCHEMA)
class AnswerValueField(serializers.JSONField):
    """Any JSON on input (the pinned spec validates it in the service, as for the web form); the
    schema says which shapes each kind of question takes."""


def _decimal(value: Decimal | None) -> str | None:
    if value is None:
        return None
    text = format(value, "f")
    return text.rstrip("0").rstrip(".") if "." in text else text


class OptionSerializer(serializers.Serializer):
    code = serializers.CharField()
    label = serializers.CharField(help_text="Chinese label")
    label_en = serializers.CharField(help_text="English label, empty when the standard has none")
    exclusive = serializers.BooleanField(help_text="multi: may only be chosen on its own (e.g. “none of these”)")

    class Meta:
        ref_name = "QuestionOption"


class RatioSerializer(serializers.Serializer):
    numerator = serializers.CharField(help_text="label of the numerator figure")
    denominator = serializers.CharField(help_text="label of the denominator figure")
    scale = serializers.CharField(help_text="value = numerator / denominator × scale (100: a percentage)")
    unit = serializers.CharField()
    bounded = serializers.BooleanField(help_text="the numerator may not exceed the denominator")

    class Meta:
        ref_name = "QuestionRatio"


class LevelSerializer(serializers.Serializer):
    level = serializers.IntegerField(min_value=1)
    description = serializers.CharField()

    class Meta:
        ref_name = "ScenarioLevel"


class AnswerConditionSerializer(serializers.Serializer):
    item = serializers.CharField(help_text="the earlier question this depends on")
    values = serializers.ListField(child=serializers.CharField(), help_text="option codes")
    negate = serializers.BooleanField(help_text="false: one of `values` is chosen; true: none of them is")

    class Meta:
        ref_name = "QuestionCondition"


class StoredAnswerSerializer(serializers.Serializer):
    value = AnswerValueField()
    version = serializers.IntegerField(help_text="send this as `version` with the next save of this question")
    updated_at = serializers.DateTimeField()

    class Meta:
        ref_name = "QuestionAnswer"


class QuestionSerializer(serializers.Serializer):
    code = serializers.CharField()
    section = serializers.CharField(help_text="code of the step the question is on")
    title = serializers.CharField()
    title_en = serializers.CharField()
    help = serializers.CharField()
    kind = serializers.ChoiceField(choices=["choice", "multi", "ratio", "scenario", "requirement"])
    points = serializers.CharField(allow_null=True, help_text="maximum points (decimal string); null if unscored")
    options = OptionSerializer(many=True, help_text="choice, multi and requirement questions; empty otherwise")
    ratio = RatioSerializer(allow_null=True, help_text="ratio questions only")
    levels = LevelSerializer(many=True, help_text="scenario questions: what each level 1…N means (0 = not yet)")
    level = serializers.IntegerField(allow_null=True, help_text="requirement questions: their maturity level")
    visible = serializers.BooleanField(help_text="shown now, given the enterprise and the answers so far; "
                                                 "answers to hidden questions are not counted")
    show_when = serializers.ListField(
        child=AnswerConditionSerializer(many=True), allow_null=True,
        help_text="null: always shown for this enterprise; otherwise shown when every condition of any one "
                  "alternative holds (an empty list: never)")
    answer = StoredAnswerSerializer(allow_null=True)

    class Meta:
        ref_name = "Question"


class BlockSerializer(serializers.Serializer):
    title = serializers.CharField()
    title_en = serializers.CharField()
    items = serializers.ListField(child=serializers.CharField(), help_text="question codes, in order")

    class Meta:
        ref_name = "QuestionnaireBlock"


class SectionSerializer(serializers.Serializer):
    code = serializers.CharField()
    title = serializers.CharField()
    title_en = serializers.CharField()
    offered = serializers.BooleanField(help_text="false when every question of the step is hidden")
    blocks = BlockSerializer(many=True)

    class Meta:
        ref_name = "QuestionnaireSection"


class ProgressSerializer(serializers.Serializer):
    answered = serializers.IntegerField()
    total = serializers.IntegerField()

    class Meta:
        ref_name = "QuestionnaireProgress"


class QuestionnaireSerializer(serializers.Serializer):
    assessment = serializers.IntegerField()
    spec = serializers.CharField(help_text="code@version pinned when the assessment was started")
    title = serializers.CharField()
    title_en = serializers.CharField()
    editable = serializers.BooleanField(help_text="whether you may save answers now")
    progress = ProgressSerializer()
    sections = SectionSerializer(many=True)
    items = QuestionSerializer(many=True)

    class Meta:
        ref_name = "Questionnaire"


def _question(item, *, section, visible, context, spec, row) -> dict:
    options = spec.maturity.scale if item.kind == "requirement" and spec.maturity else item.options
    ratio = item.ratio
    alternatives = show_when(spec, item.code, context)
    return {
        "code": item.code, "section": section, "title": item.title, "title_en": item.title_en, "help": item.help,
        "kind": item.kind, "points": _decimal(item.points),
        "options": [{"code": o.code, "label": o.title, "label_en": o.title_en, "exclusive": o.exclusive}
                    for o in options],
        "ratio": None if ratio is None else {
            "numerator": ratio.numerator, "denominator": ratio.denominator, "scale": _decimal(ratio.scale),
            "unit": ratio.unit, "bounded": ratio.bounded},
        "levels": [{"level": n, "description": text} for n, text in enumerate(item.level_descriptors, start=1)],
        "level": item.level, "visible": visible,
        "show_when": None if alternatives is None else [
            [{"item": c.item, "values": list(c.values), "negate": c.negate} for c in alternative]
            for alternative in alternatives],
        "answer": None if row is None else {"value": row.value, "version": row.version,
                                            "updated_at": row.updated_at},
    }


def questionnaire_data(assessment: Assessment, *, user) -> dict:
    spec, rows, answers, visible = questionnaire_state(assessment)
    shown = set(visible)
    offered = {s.code for s in offered_sections(spec, visible)}
    context = assessment.enterprise.assessment_context()
    steps = sections(spec)
    section_of = {code: step.code for step in steps for code in step.item_codes}
    done = progress(visible, answers)
    return {
        "assessment": assessment.pk, "spec": spec.key, "title": spec.title, "title_en": spec.title_en,
        "editable": can_edit_assessment(user, assessment),
        "progress": {"answered": done.answered, "total": done.total},
        "sections": [{"code": step.code, "title": step.title, "title_en": step.title_en,
                      "offered": step.code in offered,
                      "blocks": [{"title": b.title, "title_en": b.title_en, "items": list(b.item_codes)}
                                 for b in step.blocks]} for step in steps],
        "items": [_question(spec.items[code], section=section_of[code], visible=code in shown, context=context,
                            spec=spec, row=rows.get(code)) for step in steps for code in step.item_codes],
    }


class QuestionnaireApi(APIView):
    """The questionnaire of the assessment's pinned spec, as the fill pages show it, with the stored
    answers and their versions. Whoever may see the assessment may read it (members, bureau staff
    in scope, assigned experts); `editable` says whether you may also save answers."""

    @extend_schema(operation_id="assessments_questionnaire_retrieve", responses={200: QuestionnaireSerializer})
    def get(self, request, pk):
        assessment = get_for_user(Assessment.objects.with_enterprise(), pk, user=request.user, request=request)
        audit_staff_read(request, assessment)
        return Response(QuestionnaireSerializer(questionnaire_data(assessment, user=request.user)).data)
