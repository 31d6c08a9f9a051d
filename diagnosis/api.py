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
from django.utils.translation import gettext as _
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, extend_schema, inline_serializer
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
from diagnosis.models import Answer, Assessment, Evidence
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


class AssessmentSerializer(serializers.ModelSerializer):
    """Read-only summary, used in lists and as the base of the detail."""

    spec = serializers.CharField(source="spec_key")
    enterprise_name = serializers.CharField(source="enterprise.name")

    class Meta:
        model = Assessment
        fields = ["id", "enterprise", "enterprise_name", "spec", "spec_code", "spec_version", "status", "year",
                  "total", "level", "stage", "provisional", "created_at", "updated_at", "submitted_at"]
        read_only_fields = fields


class AnswerSerializer(serializers.ModelSerializer):
    item = serializers.CharField(source="item_code")

    class Meta:
        model = Answer
        fields = ["item", "value", "version", "updated_at"]
        read_only_fields = fields


class AssessmentDetailSerializer(AssessmentSerializer):
    answers = AnswerSerializer(many=True)
    result = serializers.JSONField(allow_null=True)

    class Meta(AssessmentSerializer.Meta):
        fields = [*AssessmentSerializer.Meta.fields, "answers", "result"]
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


def _detail(assessment: Assessment) -> dict:
    assessment = (Assessment.objects.select_related("enterprise")
                  .prefetch_related(Prefetch("answers", queryset=Answer.objects.order_by("pk")))
                  .get(pk=assessment.pk))
    return AssessmentDetailSerializer(assessment).data


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
        return Response(_detail(assessment), status=status.HTTP_201_CREATED)


class AssessmentDetailApi(APIView):
    @extend_schema(responses={200: AssessmentDetailSerializer, 404: ERROR})
    def get(self, request, pk):
        return Response(_detail(get_for_user(Assessment.objects.with_enterprise(), pk, user=request.user, request=request)))


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
        return Response(_detail(assessment))


class AssessmentResultApi(APIView):
    """The result frozen at submission. It is never recomputed, so it reads the same later."""

    class OutputSerializer(serializers.ModelSerializer):
        spec = serializers.CharField(source="spec_key")

        class Meta:
            model = Assessment
            ref_name = "AssessmentResult"
            fields = ["id", "spec", "status", "submitted_at", "total", "level", "stage", "provisional", "result"]
            read_only_fields = fields

    @extend_schema(responses={200: OutputSerializer, 404: ERROR})
    def get(self, request, pk):
        assessment = get_for_user(Assessment.objects.with_enterprise(), pk, user=request.user, request=request)
        if assessment.result is None:
            raise NotFound(_("This assessment has not been submitted yet."), code="not_submitted")
        return Response(self.OutputSerializer(assessment).data)
