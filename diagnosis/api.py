"""REST API v1 for the assessment journey.

Covered: list/start, read, answer (optimistic version), evidence upload/list/download, submit,
result. Objects come only through the access helpers: 404 outside the user's scope, 403 for
read-only members on writes (docs/security.md R7). Input serializers name the fields a client may
send. Status, enterprise, scores and versions are never taken from a request body (R8).
Each nested serializer sets Meta.ref_name so that drf-spectacular does not merge the
"Input"/"Output" components of different views.
"""

from django.db.models import Prefetch
from django.urls import reverse
from django.utils import translation
from django.utils.translation import gettext as _
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, extend_schema, extend_schema_field, inline_serializer
from rest_framework import serializers, status
from rest_framework.exceptions import NotFound
from rest_framework.negotiation import BaseContentNegotiation
from rest_framework.pagination import PageNumberPagination
from rest_framework.parsers import MultiPartParser
from rest_framework.response import Response
from rest_framework.views import APIView

from diagnosis.evidence import services as services_evidence
from diagnosis.fill import services
from diagnosis.fill.api import AnswerValueField
from diagnosis.models import Answer, Assessment, Evidence, ItemCorrection
from diagnosis.permissions import can_see_provenance
from diagnosis.results.context import standing_result, verified_result
from diagnosis.results.labels import provisional_titles
from diagnosis.spec import get_spec
from portal.access import get_for_user
from portal.errors import api_error_body, status_for
from portal.exceptions import DomainError, Invalid
from portal.files import KINDS, StoredFileUnavailable, download_response
from portal.models import Enterprise

ERROR = inline_serializer("DiagnosisError", {
    "detail": serializers.CharField(), "code": serializers.CharField(),
})


def _error(exc: DomainError, **extra) -> Response:
    return Response(api_error_body(exc, **extra), status=status_for(exc, api=True))


SCORE = serializers.DecimalField(max_digits=7, decimal_places=2, allow_null=True, read_only=True)
BASIS_VERIFIED, BASIS_DECLARED = "verified", "self_declared"


def _grade_code(result, key: str) -> str:
    return ((result or {}).get(key) or {}).get("code", "")


def _score(value) -> str | None:
    return None if value is None else f"{value:.2f}" if not isinstance(value, str) else value


class AssessmentSerializer(serializers.ModelSerializer):
    """Read-only summary, used in lists and as the base of the detail.

    ``total``, ``level``, ``stage`` and ``provisional`` are the score that counts: the bureau's
    verified score once the assessment is approved (``score_basis`` "verified"), else the
    self-declared one ("self_declared"). Both stay available under their own names:
    ``declared_*`` (the enterprise's answers as submitted) and ``verified_*`` (null until approved)."""

    spec = serializers.CharField(source="spec_key")
    enterprise_name = serializers.CharField(source="enterprise.name")
    score_basis = serializers.SerializerMethodField()
    total = serializers.SerializerMethodField()
    level = serializers.SerializerMethodField()
    stage = serializers.SerializerMethodField()
    provisional = serializers.SerializerMethodField()
    declared_total = serializers.DecimalField(source="total", max_digits=7, decimal_places=2, allow_null=True,
                                              read_only=True)
    declared_level = serializers.CharField(source="level", read_only=True)
    declared_stage = serializers.CharField(source="stage", read_only=True)
    verified_total = serializers.SerializerMethodField()
    verified_level = serializers.SerializerMethodField()
    verified_stage = serializers.SerializerMethodField()

    class Meta:
        model = Assessment
        fields = ["id", "enterprise", "enterprise_name", "spec", "spec_code", "spec_version", "status", "year",
                  "score_basis", "total", "level", "stage", "provisional",
                  "declared_total", "declared_level", "declared_stage",
                  "verified_total", "verified_level", "verified_stage",
                  "created_at", "updated_at", "submitted_at"]
        read_only_fields = fields

    @extend_schema_field(serializers.ChoiceField(choices=[BASIS_VERIFIED, BASIS_DECLARED], allow_null=True))
    def get_score_basis(self, obj) -> str | None:
        if obj.result is None:
            return None
        return BASIS_VERIFIED if verified_result(obj) is not None else BASIS_DECLARED

    @extend_schema_field(SCORE)
    def get_total(self, obj):
        return _score(obj.verified_total if verified_result(obj) is not None else obj.total)

    def get_level(self, obj) -> str:
        return obj.verified_level if verified_result(obj) is not None else obj.level

    def get_stage(self, obj) -> str:
        verified = verified_result(obj)
        return _grade_code(verified, "stage") if verified is not None else obj.stage

    def get_provisional(self, obj) -> bool:
        verified = verified_result(obj)
        return bool(verified["provisional"]) if verified is not None else obj.provisional

    @extend_schema_field(SCORE)
    def get_verified_total(self, obj):
        return _score(obj.verified_total) if verified_result(obj) is not None else None

    @extend_schema_field(serializers.CharField(allow_null=True))
    def get_verified_level(self, obj):
        return obj.verified_level if verified_result(obj) is not None else None

    @extend_schema_field(serializers.CharField(allow_null=True))
    def get_verified_stage(self, obj):
        verified = verified_result(obj)
        return _grade_code(verified, "stage") if verified is not None else None


class CorrectionSerializer(serializers.ModelSerializer):
    """A reviewer's correction of one answer, as shown to the enterprise once approved."""

    item = serializers.CharField(source="item_code")

    class Meta:
        model = ItemCorrection
        ref_name = "AssessmentCorrection"
        fields = ["item", "declared_value", "verified_value", "reason"]
        read_only_fields = fields


class ReviewSerializer(serializers.Serializer):
    """The bureau's decision once approved: its comment, when, and the corrections."""

    reviewed_at = serializers.DateTimeField()
    comment = serializers.CharField(source="review_comment")
    corrections = CorrectionSerializer(many=True)

    class Meta:
        ref_name = "AssessmentReview"


class ResultFieldsMixin(serializers.Serializer):
    """The three results: the one that counts, the self-declared one, and the verified one.

    Where the spec's provisional values come from (codes, tags, sources, notes) is for bureau staff
    and experts; everyone else gets ``provisional_items``, the titles of what is affected, in the
    place of ``provisional_reasons`` (as on the result page and in the PDF). The serializer needs
    the request in its context to tell them apart; without it, nobody gets the reasons."""

    result = serializers.SerializerMethodField()
    declared_result = serializers.SerializerMethodField()
    verified_result = serializers.SerializerMethodField()
    review = serializers.SerializerMethodField()

    def _shown(self, obj, result):
        if result is None:
            return None
        request = self.context.get("request")
        if request is not None and can_see_provenance(request.user):
            return result
        shown = {key: value for key, value in result.items() if key != "provisional_reasons"}
        shown["provisional_items"] = list(provisional_titles(get_spec(obj.spec_key),
                                                             result.get("provisional_reasons") or (),
                                                             translation.get_language()))
        return shown

    @extend_schema_field(serializers.JSONField(allow_null=True))
    def get_result(self, obj):
        return self._shown(obj, standing_result(obj))

    @extend_schema_field(serializers.JSONField(allow_null=True))
    def get_declared_result(self, obj):
        return self._shown(obj, obj.result)

    @extend_schema_field(serializers.JSONField(allow_null=True))
    def get_verified_result(self, obj):
        return self._shown(obj, verified_result(obj))

    @extend_schema_field(ReviewSerializer(allow_null=True))
    def get_review(self, obj):
        return ReviewSerializer(obj).data if verified_result(obj) is not None else None


class AnswerSerializer(serializers.ModelSerializer):
    item = serializers.CharField(source="item_code")

    class Meta:
        model = Answer
        fields = ["item", "value", "version", "updated_at"]
        read_only_fields = fields


class AssessmentDetailSerializer(ResultFieldsMixin, AssessmentSerializer):
    answers = AnswerSerializer(many=True)

    class Meta(AssessmentSerializer.Meta):
        fields = [*AssessmentSerializer.Meta.fields, "answers", "result", "declared_result", "verified_result",
                  "review"]
        read_only_fields = fields


class EvidenceSerializer(serializers.ModelSerializer):
    item = serializers.CharField(source="item_code")
    name = serializers.CharField(source="original_name")
    download = serializers.SerializerMethodField()

    class Meta:
        model = Evidence
        fields = ["id", "item", "name", "content_type", "size", "sha256", "uploaded_at", "download"]
        read_only_fields = fields

    def get_download(self, obj) -> str:
        return reverse("api-assessment-evidence-download", args=[obj.assessment_id, obj.pk])


def _detail(assessment: Assessment, request) -> dict:
    assessment = (Assessment.objects.select_related("enterprise")
                  .prefetch_related(Prefetch("answers", queryset=Answer.objects.order_by("pk")))
                  .get(pk=assessment.pk))
    return AssessmentDetailSerializer(assessment, context={"request": request}).data


class AssessmentListCreateApi(APIView):
    """The collection: list (scoped) and start."""

    class InputSerializer(serializers.Serializer):
        enterprise = serializers.IntegerField(min_value=1)
        spec = serializers.CharField(max_length=100, required=False, allow_blank=True,
                                     help_text="code@version, e.g. sme-2024@1.0; default: latest SME standard")

        class Meta:
            ref_name = "AssessmentCreateInput"

    @extend_schema(
        operation_id="assessments_list",
        description="The assessments the user may see: members see their enterprises', bureau staff the "
                    "submitted ones in their region. Paginated; `status` only narrows that set.",
        parameters=[OpenApiParameter("status", str, enum=Assessment.Status.values)],
        responses={200: inline_serializer("PaginatedAssessmentList", {
            "count": serializers.IntegerField(), "next": serializers.URLField(allow_null=True),
            "previous": serializers.URLField(allow_null=True), "results": AssessmentSerializer(many=True),
        }), 400: ERROR})
    def get(self, request):
        queryset = Assessment.objects.visible_to(request.user).select_related("enterprise").order_by("-created_at",
                                                                                                      "-pk")
        wanted = request.query_params.get("status")
        if wanted and wanted not in Assessment.Status.values:
            # An unknown filter value is a mistake to report, not an empty (or unfiltered) list.
            return _error(Invalid(_("Unknown status “%(value)s”: use one of %(allowed)s.")
                                  % {"value": wanted[:40], "allowed": ", ".join(Assessment.Status.values)},
                                  code="unknown_filter_value"))
        if wanted:
            queryset = queryset.filter(status=wanted)  # narrows the scoped set only
        paginator = PageNumberPagination()
        page = paginator.paginate_queryset(queryset, request, view=self)
        return paginator.get_paginated_response(AssessmentSerializer(page, many=True).data)

    @extend_schema(
        description="Start an assessment for a verified enterprise where the user is an owner or editor; "
                    "the standard version is pinned now.",
        request=InputSerializer, responses={201: AssessmentDetailSerializer, 400: ERROR, 403: ERROR, 404: ERROR})
    def post(self, request):
        data = self.InputSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        enterprise = get_for_user(Enterprise.objects.select_related("region"), data.validated_data["enterprise"], user=request.user, write=True,
                                             request=request)
        try:
            assessment = services.assessment_start(enterprise=enterprise, actor=request.user,
                                                   spec_key=data.validated_data.get("spec") or None,
                                                   request=request)
        except DomainError as exc:
            return _error(exc)
        return Response(_detail(assessment, request), status=status.HTTP_201_CREATED)


class AssessmentDetailApi(APIView):
    @extend_schema(responses={200: AssessmentDetailSerializer, 404: ERROR})
    def get(self, request, pk):
        assessment = get_for_user(Assessment.objects.with_enterprise(), pk, user=request.user, request=request)
        return Response(_detail(assessment, request))


class AnswerSaveApi(APIView):
    """Save one answer. `version` is the version the client last saw (0 = unanswered); if it is
    stale the answer is not saved and the stored value and version come back with 409, unless the
    stored value is the one sent (e.g. a retried request): then the stored answer comes back."""

    class InputSerializer(serializers.Serializer):
        item = serializers.CharField(max_length=64)
        value = AnswerValueField()  # its schema: one shape per kind of question
        version = serializers.IntegerField(min_value=0)

        class Meta:
            ref_name = "AnswerSaveInput"

    class ConflictSerializer(serializers.Serializer):
        detail = serializers.CharField()
        code = serializers.CharField()
        # Absent when the 409 is not a version conflict (e.g. the assessment was submitted meanwhile).
        current_value = serializers.JSONField(allow_null=True, required=False)
        current_version = serializers.IntegerField(required=False)

        class Meta:
            ref_name = "AnswerConflict"

    class InvalidSerializer(serializers.Serializer):
        detail = serializers.CharField()
        code = serializers.CharField()
        item = serializers.CharField(required=False)  # absent when the body itself is invalid (code: invalid)
        errors = serializers.DictField(child=serializers.JSONField(), required=False)

        class Meta:
            ref_name = "AnswerInvalid"

    @extend_schema(request=InputSerializer, responses={200: AnswerSerializer, 400: InvalidSerializer,
                                                       403: ERROR, 404: ERROR, 409: ConflictSerializer})
    def put(self, request, pk):
        assessment = get_for_user(Assessment.objects.with_enterprise(), pk, user=request.user, write=True, request=request)
        data = self.InputSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        item = data.validated_data["item"]
        try:
            answer = services.answer_save(assessment=assessment, actor=request.user, item_code=item,
                                          value=data.validated_data["value"],
                                          expected_version=data.validated_data["version"], request=request)
        except services.AnswerConflict as exc:
            return _error(exc, current_value=exc.current_value, current_version=exc.current_version)
        except DomainError as exc:
            return _error(exc, item=item)
        return Response(AnswerSerializer(answer).data)

    # One item at a time either way: PATCH reads better to some clients, and means the same.
    @extend_schema(request=InputSerializer, responses={200: AnswerSerializer, 400: InvalidSerializer,
                                                       403: ERROR, 404: ERROR, 409: ConflictSerializer})
    def patch(self, request, pk):
        return self.put(request, pk)


class EvidenceListUploadApi(APIView):
    """An assessment's evidence files: list and upload."""

    parser_classes = [MultiPartParser]

    class InputSerializer(serializers.Serializer):
        item = serializers.CharField(max_length=64)
        file = serializers.FileField(allow_empty_file=False)  # over-long names are shortened, not refused

        class Meta:
            ref_name = "EvidenceUploadInput"

    @extend_schema(description="The assessment's evidence files, optionally for one item.",
                   responses={200: EvidenceSerializer(many=True), 404: ERROR},
                   parameters=[OpenApiParameter("item", str, description="only this item's files")])
    def get(self, request, pk):
        assessment = get_for_user(Assessment.objects.with_enterprise(), pk, user=request.user, request=request)
        files = assessment.evidence.all()
        if request.query_params.get("item"):
            files = files.filter(item_code=request.query_params["item"])
        return Response(EvidenceSerializer(files, many=True).data)

    @extend_schema(description="Upload one file for one item (multipart/form-data), with the same checks as "
                               "the web form: type by content, size (413), per-item and per-assessment limits.",
                   request={"multipart/form-data": InputSerializer},
                   responses={201: EvidenceSerializer, 400: ERROR, 403: ERROR, 404: ERROR, 409: ERROR,
                              413: ERROR})
    def post(self, request, pk):
        assessment = get_for_user(Assessment.objects.with_enterprise(), pk, user=request.user, write=True, request=request)
        data = self.InputSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        try:
            evidence = services_evidence.evidence_add(assessment=assessment, actor=request.user,
                                                      item_code=data.validated_data["item"],
                                                      upload=data.validated_data["file"], request=request)
        except DomainError as exc:
            return _error(exc)
        return Response(EvidenceSerializer(evidence).data, status=status.HTTP_201_CREATED)


class IgnoreAcceptNegotiation(BaseContentNegotiation):
    """A download answers with the file's own type whatever the client's Accept header says;
    errors still render as JSON."""

    def select_parser(self, request, parsers):
        return parsers[0] if parsers else None

    def select_renderer(self, request, renderers, format_suffix=None):
        return renderers[0], renderers[0].media_type


class EvidenceDownloadApi(APIView):
    """The file itself, integrity-checked and with the same headers as the web download.
    409 when the stored bytes no longer match the upload's SHA-256; 410 when the file is gone."""

    content_negotiation_class = IgnoreAcceptNegotiation

    # The file comes back with the type its content was checked to be (one of the accepted kinds).
    @extend_schema(responses={**{(200, kind.content_type): OpenApiTypes.BINARY for kind in KINDS.values()},
                              404: ERROR, 409: ERROR, 410: ERROR})
    def get(self, request, pk, evidence_pk):
        assessment = get_for_user(Assessment.objects.with_enterprise(), pk, user=request.user, request=request)
        evidence = Evidence.objects.filter(assessment=assessment, pk=evidence_pk).first()
        if evidence is None:
            raise NotFound
        evidence.assessment = assessment
        try:
            handle = services_evidence.evidence_open(evidence=evidence, actor=request.user, request=request)
        except StoredFileUnavailable as exc:
            return _error(exc)
        return download_response(handle, filename=evidence.original_name, content_type=evidence.content_type)


class AssessmentSubmitApi(APIView):
    """Score and freeze the answers. Needs the truthfulness pledge. 400 lists the missing items
    if answers are missing; 409 if the assessment was already submitted."""

    class InputSerializer(serializers.Serializer):
        pledge = serializers.BooleanField()

        class Meta:
            ref_name = "AssessmentSubmitInput"

    class MissingSerializer(serializers.Serializer):
        detail = serializers.CharField()
        code = serializers.CharField()
        missing = serializers.ListField(child=serializers.CharField(), required=False)

        class Meta:
            ref_name = "AssessmentSubmitRefused"

    @extend_schema(request=InputSerializer, responses={200: AssessmentDetailSerializer, 400: MissingSerializer,
                                                       403: ERROR, 404: ERROR, 409: ERROR})
    def post(self, request, pk):
        assessment = get_for_user(Assessment.objects.with_enterprise(), pk, user=request.user, write=True, request=request)
        data = self.InputSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        try:
            assessment = services.assessment_submit(assessment=assessment, actor=request.user,
                                                    pledge=data.validated_data["pledge"], request=request)
        except DomainError as exc:
            missing = getattr(exc, "missing", None)
            return _error(exc, **({"missing": list(missing)} if missing is not None else {}))
        return Response(_detail(assessment, request))


class AssessmentResultApi(APIView):
    """The result frozen at submission, and once approved the bureau's verified result, which is
    then the one that counts (``result``, ``total``…); neither is recomputed later."""

    class OutputSerializer(ResultFieldsMixin, AssessmentSerializer):
        class Meta(AssessmentSerializer.Meta):
            ref_name = "AssessmentResult"
            fields = ["id", "spec", "status", "submitted_at", "score_basis", "total", "level", "stage", "provisional",
                      "declared_total", "declared_level", "declared_stage",
                      "verified_total", "verified_level", "verified_stage",
                      "result", "declared_result", "verified_result", "review"]
            read_only_fields = fields

    @extend_schema(responses={200: OutputSerializer, 404: ERROR})
    def get(self, request, pk):
        assessment = get_for_user(Assessment.objects.with_enterprise(), pk, user=request.user, request=request)
        if assessment.result is None:
            raise NotFound(_("This assessment has not been submitted yet."), code="not_submitted")
        return Response(self.OutputSerializer(assessment, context={"request": request}).data)
