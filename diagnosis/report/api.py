"""REST API for the diagnosis report PDF: request it, follow its status, download it. Mounted under
/api/v1/assessments/<id>/reports/ by diagnosis/api_urls.py.

The same services and rules as the report pages (diagnosis/report/views.py): whoever sees the
assessment and may have its report (its members, bureau staff in scope: can_request_report) asks
for it; an outsider gets 404 from the access helper, someone who sees the assessment without that
right (an expert) 403. Refusals are DomainErrors and answer with the API's error body.
"""

from django.conf import settings
from django.urls import reverse
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiResponse, extend_schema
from rest_framework import serializers, status
from rest_framework.exceptions import NotFound, PermissionDenied
from rest_framework.response import Response
from rest_framework.views import APIView

from diagnosis.api import IgnoreAcceptNegotiation
from diagnosis.models import Assessment, Report
from diagnosis.permissions import can_request_report
from diagnosis.report import services as services_report
from portal.access import get_for_user
from portal.api_schema import ApiErrorSerializer
from portal.files import download_response


def _assessment_for_reports(request, pk) -> Assessment:
    assessment = get_for_user(Assessment.objects.with_enterprise(), pk, user=request.user, request=request)
    if not can_request_report(request.user, assessment):
        raise PermissionDenied
    return assessment


def _report(assessment: Assessment, report_pk) -> Report:
    report = Report.objects.filter(assessment=assessment, pk=report_pk).first()
    if report is None:
        raise NotFound
    report.assessment = assessment
    return report


class ReportSerializer(serializers.ModelSerializer):
    """One report row. Poll `status` until it is ready (then `download`) or failed (then request
    again). `stalled`: its rendering stopped without finishing; requesting again restarts it.
    `current`: false once the assessment's data moved on (a newer request makes a new report)."""

    status = serializers.ChoiceField(choices=Report.Status.choices, read_only=True)
    current = serializers.SerializerMethodField()
    stalled = serializers.SerializerMethodField()
    verification_code = serializers.SerializerMethodField()
    download = serializers.SerializerMethodField()

    class Meta:
        model = Report
        ref_name = "DiagnosisReport"
        fields = ["id", "assessment", "language", "status", "current", "stalled", "pages", "sha256",
                  "verification_code", "created_at", "finished_at", "download"]
        read_only_fields = fields

    def get_current(self, obj) -> bool:
        return services_report.report_input_hash(obj.assessment, language=obj.language) == obj.input_hash

    def get_stalled(self, obj) -> bool:
        return services_report.lease_expired(obj)

    def get_verification_code(self, obj) -> str | None:
        """Printed on the PDF; given once the PDF exists."""
        return obj.verification_code if obj.status == Report.Status.READY else None

    def get_download(self, obj) -> str | None:
        if obj.status != Report.Status.READY:
            return None
        return reverse("api-assessment-report-download", args=[obj.assessment_id, obj.pk])


def _answer(report: Report) -> Response:
    report.refresh_from_db()
    ready = report.status == Report.Status.READY
    return Response(ReportSerializer(report).data, status=status.HTTP_200_OK if ready else status.HTTP_202_ACCEPTED)


class ReportRequestApi(APIView):
    """Ask for the report of the assessment's current data in one language. A new report is queued;
    asking again for the same data finds the same report (queued, rendering or ready), and queues a
    failed, stalled or lost one again. 409 (`not_reportable`) before submission or while returned."""

    class InputSerializer(serializers.Serializer):
        language = serializers.ChoiceField(choices=[code for code, _name in settings.LANGUAGES], required=False,
                                           help_text="default: Chinese")

        class Meta:
            ref_name = "ReportRequestInput"

    @extend_schema(operation_id="assessments_reports_create", request=InputSerializer, responses={
        200: OpenApiResponse(ReportSerializer, description="The report for this data is ready."),
        202: OpenApiResponse(ReportSerializer, description="Queued or rendering: poll the report."),
    })
    def post(self, request, pk):
        assessment = _assessment_for_reports(request, pk)
        data = self.InputSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        report = services_report.report_request(assessment=assessment, requested_by=request.user,
                                                language=data.validated_data.get("language") or settings.LANGUAGE_CODE)
        report.assessment = assessment
        return _answer(report)


class ReportStatusApi(APIView):
    @extend_schema(operation_id="assessments_reports_retrieve",
                   description="One report's status, to poll after requesting it.",
                   responses={200: ReportSerializer})
    def get(self, request, pk, report_pk):
        assessment = _assessment_for_reports(request, pk)
        return Response(ReportSerializer(_report(assessment, report_pk)).data)


class ReportDownloadApi(APIView):
    """The PDF, checked against the SHA-256 recorded when it was rendered, and audited. 409 when it
    is not ready (`not_ready`) or no longer matches (`tampered`, withheld and recorded); 202 with the
    report when the file was missing from storage and is being built again (poll, then download)."""

    content_negotiation_class = IgnoreAcceptNegotiation

    @extend_schema(operation_id="assessments_reports_download_retrieve", responses={
        (200, "application/pdf"): OpenApiTypes.BINARY,
        202: OpenApiResponse(ReportSerializer, description="The file is being built again."),
        409: OpenApiResponse(ApiErrorSerializer, description="Not ready (`not_ready`), or withheld because "
                                                             "it no longer matches (`tampered`)."),
    })
    def get(self, request, pk, report_pk):
        assessment = _assessment_for_reports(request, pk)
        report = _report(assessment, report_pk)
        try:
            handle = services_report.report_download_open(report=report, actor=request.user, request=request)
        except services_report.ReportRebuilding:
            return _answer(report)  # not a refusal: this download set the rebuild going
        prefix = "diagnosis-report" if report.language == "en" else "诊断报告"
        return download_response(handle, filename=f"{prefix}-{report.verification_code}.pdf",
                                 content_type="application/pdf")
