"""REST API for the regional analysis report: request it, follow its status, download it. Mounted
under /api/v1/regional/reports/ by portal/api_urls.py.

The same services and rules as the pages (diagnosis/regional_report/views.py): bureau staff of the
region (district staff: their district; city staff: the city and its districts) ask for it; anyone
else, and any region outside the caller's jurisdiction, gets 404. Refusals are DomainErrors and
answer with the API's error body.
"""

from django.conf import settings
from django.urls import reverse
from django.utils.translation import gettext as _
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiResponse, extend_schema
from rest_framework import serializers, status
from rest_framework.exceptions import NotFound
from rest_framework.response import Response
from rest_framework.views import APIView

from diagnosis.api import IgnoreAcceptNegotiation
from diagnosis.models import RegionalReport
from diagnosis.regional import selectors
from diagnosis.regional.forms import spec_choices
from diagnosis.regional_report import services
from diagnosis.report.services import ReportRebuilding
from diagnosis.spec import get_spec
from portal.access import get_for_user
from portal.api_schema import ApiErrorSerializer
from portal.exceptions import Invalid
from portal.files import download_response
from portal.models import Region
from portal.roles import staff_region_path


def _staff_path(request) -> str:
    path = staff_region_path(request.user)
    if path is None:
        raise NotFound
    return path


class RegionalReportSerializer(serializers.ModelSerializer):
    """One report row. Poll `status` until it is ready (then `download`) or failed (then request
    again). `stalled`: its rendering stopped without finishing; requesting again restarts it.
    `current`: false once the region's data moved on (a new request makes a new report)."""

    status = serializers.ChoiceField(choices=RegionalReport.Status.choices, read_only=True)
    region_code = serializers.CharField(source="region.code", read_only=True)
    current = serializers.SerializerMethodField()
    stalled = serializers.SerializerMethodField()
    verification_code = serializers.SerializerMethodField()
    download = serializers.SerializerMethodField()

    class Meta:
        model = RegionalReport
        ref_name = "RegionalReport"
        fields = ["id", "region", "region_code", "year", "spec_key", "language", "status", "current", "stalled",
                  "pages", "sha256", "verification_code", "created_at", "finished_at", "download"]
        read_only_fields = fields

    def get_current(self, obj) -> bool:
        return services.is_current(obj)

    def get_stalled(self, obj) -> bool:
        return services.lease_expired(obj)

    def get_verification_code(self, obj) -> str | None:
        return obj.verification_code if obj.status == RegionalReport.Status.READY else None

    def get_download(self, obj) -> str | None:
        if obj.status != RegionalReport.Status.READY:
            return None
        return reverse("api-regional-report-download", args=[obj.pk])


def _answer(report: RegionalReport) -> Response:
    report.refresh_from_db()
    ready = report.status == RegionalReport.Status.READY
    return Response(RegionalReportSerializer(report).data,
                    status=status.HTTP_200_OK if ready else status.HTTP_202_ACCEPTED)


def _report(request, pk) -> RegionalReport:
    _staff_path(request)
    return get_for_user(RegionalReport.objects.select_related("region__parent__parent"), pk, user=request.user,
                        request=request)


class RegionalReportRequestApi(APIView):
    """Ask for the regional report of a district or city for a year, in one language. A new report is
    queued; asking again while the data is unchanged finds the same report, and queues a failed,
    stalled or lost one again."""

    class InputSerializer(serializers.Serializer):
        region = serializers.IntegerField(min_value=1, max_value=2**31 - 1,
                                          help_text="a district or city in your jurisdiction")
        year = serializers.IntegerField(min_value=2000, max_value=2100, required=False,
                                        help_text="default: the latest year with assessments")
        spec = serializers.ChoiceField(choices=[], required=False, help_text="default: GB/T 23020")
        language = serializers.ChoiceField(choices=[code for code, _name in settings.LANGUAGES], required=False,
                                           help_text="default: Chinese")

        class Meta:
            ref_name = "RegionalReportRequestInput"

        def __init__(self, *args, **kwargs):
            super().__init__(*args, **kwargs)
            self.fields["spec"].choices = spec_choices()

    @extend_schema(operation_id="regional_reports_create", request=InputSerializer, responses={
        200: OpenApiResponse(RegionalReportSerializer, description="The report for this data is ready."),
        202: OpenApiResponse(RegionalReportSerializer, description="Queued or rendering: poll the report."),
        404: OpenApiResponse(ApiErrorSerializer, description="No such region in your jurisdiction."),
    })
    def post(self, request):
        path = _staff_path(request)
        data = self.InputSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        region = Region.objects.filter(pk=data.validated_data["region"], path__startswith=path,
                                       level__in=services.REPORTABLE_LEVELS).select_related("parent__parent").first()
        if region is None:
            raise NotFound
        spec_key = data.validated_data.get("spec") or selectors.DEFAULT_SPEC_KEY
        year = data.validated_data.get("year") or selectors.latest_year(
            get_spec(spec_key), selectors.area(region, viewer_path=path).ids)
        if year is None:
            raise Invalid(_("There are no counted assessments in this region yet, so there is nothing to report."),
                          code="year")
        report = services.regional_report_request(
            region=region, year=year, spec_key=spec_key, requested_by=request.user, request=request,
            language=data.validated_data.get("language") or settings.LANGUAGE_CODE)
        return _answer(report)


class RegionalReportStatusApi(APIView):
    @extend_schema(operation_id="regional_reports_retrieve",
                   description="One regional report's status, to poll after requesting it.",
                   responses={200: RegionalReportSerializer})
    def get(self, request, pk):
        return Response(RegionalReportSerializer(_report(request, pk)).data)


class RegionalReportDownloadApi(APIView):
    """The PDF, checked against the SHA-256 recorded when it was rendered, and audited. 409 when it
    is not ready (`not_ready`) or no longer matches (`tampered`); 202 with the report when the file
    was missing and is being built again."""

    content_negotiation_class = IgnoreAcceptNegotiation

    @extend_schema(operation_id="regional_reports_download_retrieve", responses={
        (200, "application/pdf"): OpenApiTypes.BINARY,
        202: OpenApiResponse(RegionalReportSerializer, description="The file is being built again."),
        409: OpenApiResponse(ApiErrorSerializer, description="Not ready (`not_ready`), or withheld because "
                                                             "it no longer matches (`tampered`)."),
    })
    def get(self, request, pk):
        report = _report(request, pk)
        try:
            handle = services.regional_report_download_open(report=report, actor=request.user, request=request)
        except ReportRebuilding:
            return _answer(report)
        prefix = "regional-report" if report.language == "en" else "区域诊断分析报告"
        return download_response(handle, filename=f"{prefix}-{report.region.code}-{report.year}-"
                                                  f"{report.verification_code}.pdf", content_type="application/pdf")
