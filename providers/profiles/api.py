"""Registry API for capability profiles (/api/v1/registry/…): a provider's versions (list, start a
draft), one version with its problems and completeness, a section PATCH with the edit version,
submit and withdraw; staff's approval queue and decisions; the client enterprise's case
confirmations. Objects come through get_for_user only (404 outside the caller's scope, 403 for a
read-only member's write); refusals go through portal/errors.py like every other endpoint."""

from drf_spectacular.utils import extend_schema, inline_serializer
from rest_framework import serializers, status
from rest_framework.exceptions import PermissionDenied
from rest_framework.pagination import PageNumberPagination
from rest_framework.response import Response
from rest_framework.views import APIView

from portal.access import get_for_user
from portal.api_schema import paginated
from portal.errors import api_error_body, status_for
from portal.exceptions import DomainError
from portal.models import Provider
from portal.roles import is_bureau_staff
from providers.models import CaseConfirmation, ProfileVersion
from providers.profiles import selectors, services
from providers.profiles.document import completeness
from providers.profiles.errors import problem_dicts

ERROR = inline_serializer("ProfileError", {"detail": serializers.CharField(), "code": serializers.CharField()})
PROBLEM = inline_serializer("ProfileProblem", {"path": serializers.CharField(), "code": serializers.CharField(),
                                               "message": serializers.CharField()})
INVALID = inline_serializer("ProfileInvalidError", {"detail": serializers.CharField(), "code": serializers.CharField(),
                                                    "problems": PROBLEM})


def _error(exc: DomainError) -> Response:
    extra = {"problems": problem_dicts(exc.problems)} if isinstance(exc, services.ProfileInvalid) else {}
    return Response(api_error_body(exc, **extra), status=status_for(exc, api=True))


class VersionSerializer(serializers.ModelSerializer):
    provider_name = serializers.CharField(source="provider.name", read_only=True)
    # Plain strings (values listed): a choice enum would collide with the other "status" enums.
    status = serializers.CharField(read_only=True, help_text=", ".join(ProfileVersion.Status.values))
    base = serializers.SerializerMethodField()

    class Meta:
        model = ProfileVersion
        fields = ["id", "provider", "provider_name", "number", "status", "base", "edit_version", "created_at",
                  "updated_at", "submitted_at", "change_reason", "decided_at", "decision_note", "published_at"]
        read_only_fields = fields

    def get_base(self, obj) -> int | None:
        return obj.base.number if obj.base_id else None


class VersionDetailSerializer(VersionSerializer):
    document = serializers.JSONField(read_only=True)
    problems = serializers.SerializerMethodField()
    completeness = serializers.SerializerMethodField()

    class Meta(VersionSerializer.Meta):
        fields = [*VersionSerializer.Meta.fields, "document", "problems", "completeness"]
        read_only_fields = fields

    def get_problems(self, obj) -> list[dict]:
        return problem_dicts(services.document_problems(obj))

    def get_completeness(self, obj) -> dict:
        share = completeness(services.parse_document(obj.document).profile)
        return {"share": str(share.share), "missing": list(share.missing)}


class ConfirmationSerializer(serializers.ModelSerializer):
    provider_name = serializers.CharField(source="provider.name", read_only=True)
    enterprise_name = serializers.CharField(source="enterprise.name", read_only=True)
    status = serializers.CharField(read_only=True, help_text=", ".join(CaseConfirmation.Status.values))

    class Meta:
        model = CaseConfirmation
        fields = ["id", "provider", "provider_name", "enterprise", "enterprise_name", "case_key", "status",
                  "requested_at", "decided_at", "note"]
        read_only_fields = fields


def _version(request, pk) -> ProfileVersion:
    return get_for_user(ProfileVersion.objects.select_related("provider__region", "base"), pk, user=request.user,
                        request=request)


def _detail(version: ProfileVersion, code=status.HTTP_200_OK) -> Response:
    version = ProfileVersion.objects.select_related("provider__region", "base").get(pk=version.pk)
    return Response(VersionDetailSerializer(version).data, status=code)


def _writable(request, version: ProfileVersion) -> None:
    """A write on a version: the caller must be allowed to write for its provider (403 otherwise)."""
    get_for_user(Provider.objects.all(), version.provider_id, user=request.user, write=True, request=request)


class ProviderVersionsApi(APIView):
    @extend_schema(operation_id="registry_profile_versions_list",
                   description="A provider's profile versions, newest first (members and staff of its region).",
                   responses={200: paginated(VersionSerializer), 404: ERROR})
    def get(self, request, provider_pk):
        provider = get_for_user(Provider.objects.all(), provider_pk, user=request.user, request=request)
        rows = selectors.versions_for(request.user, provider).select_related("provider", "base")
        paginator = PageNumberPagination()
        page = paginator.paginate_queryset(rows, request, view=self)
        return paginator.get_paginated_response(VersionSerializer(page, many=True).data)

    @extend_schema(operation_id="registry_profile_versions_start",
                   description="Start a draft (a change to the published profile), or get the open one.",
                   request=None, responses={201: VersionDetailSerializer, 403: ERROR, 404: ERROR})
    def post(self, request, provider_pk):
        provider = get_for_user(Provider.objects.select_related("region"), provider_pk, user=request.user,
                                write=True, request=request)
        try:
            version = services.start_draft(provider=provider, actor=request.user, request=request)
        except DomainError as exc:
            return _error(exc)
        return _detail(version, status.HTTP_201_CREATED)


class VersionApi(APIView):
    @extend_schema(operation_id="registry_profile_version", responses={200: VersionDetailSerializer, 404: ERROR})
    def get(self, request, pk):
        return _detail(_version(request, pk))


class SectionApi(APIView):
    class InputSerializer(serializers.Serializer):
        class Meta:
            ref_name = "ProfileSectionInput"

        edit_version = serializers.IntegerField(min_value=0)
        data = serializers.JSONField(help_text="The section's value: an object for facts, a list otherwise.")

    @extend_schema(operation_id="registry_profile_section_save",
                   description="Autosave one section of a draft. A stale edit_version answers 409 (nothing "
                               "saved); a submitted or published version 409 with code submitted/published. The "
                               "answer lists the section's problems, which only block submitting.",
                   request=InputSerializer,
                   responses={200: inline_serializer("ProfileSectionSaved", {
                       "edit_version": serializers.IntegerField(), "problems": PROBLEM}),
                       400: ERROR, 403: ERROR, 404: ERROR, 409: ERROR})
    def patch(self, request, pk, section):
        version = _version(request, pk)
        _writable(request, version)
        data = self.InputSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        try:
            result = services.save_section(version=version, section=section, data=data.validated_data["data"],
                                           edit_version=data.validated_data["edit_version"], actor=request.user,
                                           request=request)
        except DomainError as exc:
            return _error(exc)
        return Response({"edit_version": result.version.edit_version, "problems": problem_dicts(result.problems)})


class SubmitApi(APIView):
    class InputSerializer(serializers.Serializer):
        class Meta:
            ref_name = "ProfileSubmitInput"

        reason = serializers.CharField(max_length=1000, required=False, allow_blank=True)
        edit_version = serializers.IntegerField(min_value=0, required=False)

    @extend_schema(operation_id="registry_profile_submit",
                   description="Submit a draft for approval; 400 lists every problem (expired certificates too).",
                   request=InputSerializer, responses={200: VersionDetailSerializer, 400: INVALID, 403: ERROR,
                                                       404: ERROR, 409: ERROR})
    def post(self, request, pk):
        version = _version(request, pk)
        _writable(request, version)
        data = self.InputSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        try:
            version = services.submit(version=version, reason=data.validated_data.get("reason", ""),
                                      edit_version=data.validated_data.get("edit_version"), actor=request.user,
                                      request=request)
        except DomainError as exc:
            return _error(exc)
        return _detail(version)


class WithdrawApi(APIView):
    @extend_schema(operation_id="registry_profile_withdraw", request=None,
                   description="Take a submitted version back to draft before staff decide.",
                   responses={200: VersionDetailSerializer, 403: ERROR, 404: ERROR, 409: ERROR})
    def post(self, request, pk):
        version = _version(request, pk)
        _writable(request, version)
        try:
            version = services.withdraw(version=version, actor=request.user, request=request)
        except DomainError as exc:
            return _error(exc)
        return _detail(version)


class ApprovalQueueApi(APIView):
    @extend_schema(operation_id="registry_profile_approvals",
                   description="Submitted versions of providers in the staff member's region, oldest first.",
                   responses={200: paginated(VersionSerializer), 403: ERROR})
    def get(self, request):
        if not is_bureau_staff(request.user):
            raise PermissionDenied
        paginator = PageNumberPagination()
        page = paginator.paginate_queryset(selectors.pending_approvals(request.user).select_related("base"), request,
                                           view=self)
        return paginator.get_paginated_response(VersionSerializer(page, many=True).data)


class DecisionApi(APIView):
    class InputSerializer(serializers.Serializer):
        class Meta:
            ref_name = "ProfileDecisionInput"

        decision = serializers.ChoiceField(choices=["approve", "reject"])
        note = serializers.CharField(max_length=2000, required=False, allow_blank=True)
        expected_state = serializers.IntegerField(min_value=0, help_text="The version's edit_version as read.")

    @extend_schema(operation_id="registry_profile_decision",
                   description="Approve (publish) or reject a submitted version. Staff of the provider's region "
                               "only (404 otherwise); a double, stale or base-moved decision answers 409.",
                   request=InputSerializer, responses={200: VersionDetailSerializer, 400: INVALID, 403: ERROR,
                                                       404: ERROR, 409: ERROR})
    def post(self, request, pk):
        version = _version(request, pk)
        if not is_bureau_staff(request.user):
            raise PermissionDenied
        data = self.InputSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        decide = services.approve if data.validated_data["decision"] == "approve" else services.reject
        try:
            version = decide(version=version, staff=request.user, note=data.validated_data.get("note", ""),
                             expected_state=data.validated_data["expected_state"], request=request)
        except DomainError as exc:
            return _error(exc)
        return _detail(version)


class ConfirmationListApi(APIView):
    @extend_schema(operation_id="registry_case_confirmations",
                   description="Cases naming the caller's enterprises as the client.",
                   responses={200: paginated(ConfirmationSerializer)})
    def get(self, request):
        rows = selectors.client_cases().visible_to(request.user).order_by("-requested_at", "pk")
        paginator = PageNumberPagination()
        page = paginator.paginate_queryset(rows, request, view=self)
        return paginator.get_paginated_response(ConfirmationSerializer(page, many=True).data)


class ConfirmationDecisionApi(APIView):
    class InputSerializer(serializers.Serializer):
        class Meta:
            ref_name = "CaseConfirmationInput"

        decision = serializers.ChoiceField(choices=["confirm", "decline"])
        note = serializers.CharField(max_length=500, required=False, allow_blank=True)

    @extend_schema(operation_id="registry_case_confirmation_decision", request=InputSerializer,
                   responses={200: ConfirmationSerializer, 403: ERROR, 404: ERROR, 409: ERROR})
    def post(self, request, pk):
        confirmation = get_for_user(selectors.client_cases(), pk, user=request.user, write=True, request=request)
        data = self.InputSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        try:
            confirmation = services.decide_case(confirmation=confirmation,
                                                confirm=data.validated_data["decision"] == "confirm",
                                                actor=request.user, note=data.validated_data.get("note", ""),
                                                request=request)
        except DomainError as exc:
            return _error(exc)
        return Response(ConfirmationSerializer(confirmation).data)
