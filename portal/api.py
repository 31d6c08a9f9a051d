"""REST API v1 for identity and organisations. Querysets come from the scoping functions only;
serializers list their fields explicitly and keep status/ownership read-only (docs/security.md R7, R8)."""

import copy

from django.contrib.auth import authenticate
from django.contrib.auth.signals import user_login_failed
from django.core.exceptions import ValidationError as DjangoValidationError
from django.db.models import Prefetch
from drf_spectacular.utils import extend_schema, extend_schema_field, inline_serializer
from rest_framework import generics, serializers, status
from rest_framework.authtoken.models import Token
from rest_framework.exceptions import PermissionDenied
from rest_framework.permissions import AllowAny
from rest_framework.response import Response
from rest_framework.throttling import ScopedRateThrottle
from rest_framework.views import APIView

from portal import services
from portal.access import get_for_user
from portal.api_schema import ApiErrorSerializer
from portal.audit import audit_log
from portal.changes.api import ChangeRequestSerializer
from portal.crypto import mask_phone
from portal.forms import INVALID_LOGIN
from portal.models import AuditEvent, Enterprise, EnterpriseChangeRequest, Provider, Region
from portal.roles import is_bureau_staff, is_privileged, role_label


class RegionSerializer(serializers.ModelSerializer):
    parent = serializers.SlugRelatedField(slug_field="code", read_only=True, allow_null=True)  # null at the top

    class Meta:
        model = Region
        fields = ["id", "code", "name", "name_en", "level", "parent"]
        read_only_fields = fields


class EnterpriseSerializer(serializers.ModelSerializer):
    """The record as stored. Once the enterprise is verified, a PATCH of its name, USCC, region or
    park files a change request for the bureau instead of changing them: the answer shows the
    stored values and the request under `pending_change`."""

    region = serializers.SlugRelatedField(slug_field="code", queryset=Region.objects.filter(
        level__in=[Region.Level.DISTRICT, Region.Level.PARK]))
    park = serializers.SlugRelatedField(slug_field="code", allow_null=True, required=False,
                                        queryset=Region.objects.filter(level=Region.Level.PARK))
    pending_change = serializers.SerializerMethodField()

    class Meta:
        model = Enterprise
        fields = ["id", "name", "uscc", "region", "park", "industry_section", "industry_division", "production_type",
                  "above_scale",
                  "employees", "revenue_band", "cluster", "chain", "established_year", "status", "verified_at",
                  "contact_name", "contact_phone", "created_at", "pending_change"]
        read_only_fields = ["id", "status", "verified_at", "created_at", "pending_change"]

    @extend_schema_field(ChangeRequestSerializer(allow_null=True))
    def get_pending_change(self, obj):
        pending = getattr(obj, "pending_changes", None)
        if pending is None:
            pending = list(obj.change_requests.pending().select_related(
                "old_region", "new_region", "old_park", "new_park", "decide_region"))
        return ChangeRequestSerializer(pending[0]).data if pending else None

    def to_representation(self, instance):
        data = super().to_representation(instance)
        # Lists show personal contact data masked (R26); the full number only on the detail, for
        # those who may see the enterprise.
        if self.context.get("mask_personal"):
            data["contact_phone"] = mask_phone(data.get("contact_phone") or "")
        return data

    def validate_uscc(self, value):
        return value.strip().upper()

    def validate(self, attrs):
        # Run the model's cross-field rules (division within section, park within district) on a
        # copy, so a rejected PATCH leaves the loaded instance untouched.
        probe = copy.copy(self.instance) if self.instance else Enterprise()
        for field, value in attrs.items():
            setattr(probe, field, value)
        try:
            probe.clean()
        except DjangoValidationError as exc:
            raise serializers.ValidationError(exc.message_dict) from None
        return attrs


def _pending_changes() -> Prefetch:
    return Prefetch("change_requests", to_attr="pending_changes", queryset=EnterpriseChangeRequest.objects.pending()
                    .select_related("old_region", "new_region", "old_park", "new_park", "decide_region"))


class ProviderSerializer(serializers.ModelSerializer):
    region = serializers.SlugRelatedField(slug_field="code", read_only=True)

    class Meta:
        model = Provider
        fields = ["id", "name", "uscc", "region", "description", "website", "status", "created_at"]
        read_only_fields = fields


class MeSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    username = serializers.CharField()
    role = serializers.CharField()
    region = serializers.CharField(allow_null=True)
    enterprises = serializers.ListField(child=serializers.IntegerField())
    providers = serializers.ListField(child=serializers.IntegerField())


class TokenObtainView(APIView):
    """Exchange username + password (+ TOTP code for staff) for an API token."""

    permission_classes = [AllowAny]
    authentication_classes = []
    throttle_classes = [ScopedRateThrottle]
    throttle_scope = "token"

    class InputSerializer(serializers.Serializer):
        class Meta:
            ref_name = "TokenObtainInput"

        username = serializers.CharField(max_length=150)
        password = serializers.CharField(max_length=128, trim_whitespace=False)
        otp_token = serializers.RegexField(r"^\d{6}$", required=False)

    @staticmethod
    def _second_factor_ok(user, data) -> bool:
        device = user.totpdevice_set.filter(confirmed=True).first()
        code = data.get("otp_token")
        # verify_is_allowed()/verify_token() apply django-otp's throttling and reject a replayed code.
        return bool(device is not None and code and device.verify_is_allowed()[0] and device.verify_token(code))

    @extend_schema(request=InputSerializer,
                   responses={200: inline_serializer("TokenOut", {"token": serializers.CharField()}),
                              401: ApiErrorSerializer})
    def post(self, request):
        data = self.InputSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        username = data.validated_data["username"]
        user = authenticate(request, username=username, password=data.validated_data["password"])
        if user is not None and is_privileged(user) and not self._second_factor_ok(user, data.validated_data):
            audit_log(action="auth.otp_failed", outcome=AuditEvent.Outcome.FAILURE, actor=user, request=request)
            # A right password with a missing or wrong code is a failed sign-in like any other: axes
            # counts it towards the lockout and the caller learns nothing about the password.
            user_login_failed.send(sender=__name__, credentials={"username": username}, request=request)
            user = None
        if user is None:
            # One answer for unknown user, wrong password, locked account and a missing or wrong
            # second factor: nothing tells a right password from a wrong one (R2, R4).
            return Response({"detail": INVALID_LOGIN, "code": "authentication_failed"},
                            status=status.HTTP_401_UNAUTHORIZED)
        Token.objects.filter(user=user).delete()  # a fresh token restarts its lifetime
        token = Token.objects.create(user=user)
        audit_log(action="auth.token", actor=user, request=request)
        return Response({"token": token.key})


class MeView(APIView):
    @extend_schema(responses=MeSerializer)
    def get(self, request):
        user = request.user
        memberships = list(user.memberships.values_list("enterprise_id", "provider_id"))
        return Response(MeSerializer({
            "id": user.pk, "username": user.username, "role": role_label(user),
            "region": user.region.code if user.region_id else None,
            "enterprises": [e for e, _p in memberships if e], "providers": [p for _e, p in memberships if p],
        }).data)


class RegionListView(generics.ListAPIView):
    serializer_class = RegionSerializer
    queryset = Region.objects.select_related("parent")
    pagination_class = None
    filterset_fields = ["level"]


class EnterpriseListView(generics.ListAPIView):
    serializer_class = EnterpriseSerializer
    filterset_fields = ["status", "industry_division", "cluster", "above_scale"]

    def get_serializer_context(self):
        return {**super().get_serializer_context(), "mask_personal": True}

    def get_queryset(self):
        return Enterprise.objects.visible_to(self.request.user).select_related("region", "park") \
            .prefetch_related(_pending_changes())


class EnterpriseDetailView(generics.RetrieveUpdateAPIView):
    serializer_class = EnterpriseSerializer
    http_method_names = ["get", "patch", "head", "options"]

    def get_object(self):
        write = self.request.method not in ("GET", "HEAD", "OPTIONS")
        return get_for_user(Enterprise.objects.select_related("region"), self.kwargs["pk"], user=self.request.user, write=write, request=self.request)

    def update(self, request, *args, **kwargs):
        serializer = self.get_serializer(self.get_object(), data=request.data, partial=True)
        serializer.is_valid(raise_exception=True)
        result = services.enterprise_update(enterprise=serializer.instance, actor=request.user,
                                            data=dict(serializer.validated_data), request=request)
        # Answer with what is stored now (a protected change is a pending request, not a new value).
        return Response(self.get_serializer(result.enterprise).data)


class ProviderListView(generics.ListAPIView):
    serializer_class = ProviderSerializer
    filterset_fields = ["status"]

    def get_queryset(self):
        return Provider.objects.visible_to(self.request.user).select_related("region")


class ProviderDetailView(generics.RetrieveAPIView):
    serializer_class = ProviderSerializer

    def get_object(self):
        return get_for_user(Provider.objects.select_related("region"), self.kwargs["pk"], user=self.request.user, request=self.request)


class OrganisationDecisionView(APIView):
    """Bureau staff verify or reject a registration in their jurisdiction."""

    class InputSerializer(serializers.Serializer):
        class Meta:
            ref_name = "OrganisationDecisionInput"

        decision = serializers.ChoiceField(choices=["verify", "reject"])

    @extend_schema(request=InputSerializer, responses={200: EnterpriseSerializer})
    def post(self, request, kind, pk):
        if not is_bureau_staff(request.user):
            raise PermissionDenied
        model = Enterprise if kind == "enterprises" else Provider
        org = get_for_user(model.objects.select_related("region"), pk, user=request.user, request=request)
        data = self.InputSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        org = services.organisation_verify(org=org, actor=request.user,
                                           approve=data.validated_data["decision"] == "verify", request=request)
        serializer = EnterpriseSerializer if kind == "enterprises" else ProviderSerializer
        return Response(serializer(org).data)
