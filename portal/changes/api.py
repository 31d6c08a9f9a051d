"""API for enterprise change requests: the enterprise's members read theirs, the deciding
jurisdiction's staff list, read and decide them. Explicit fields, scoped querysets only."""

from django.utils.translation import get_language
from django.utils.translation import gettext as _
from drf_spectacular.utils import extend_schema, extend_schema_field
from rest_framework import generics, serializers
from rest_framework.exceptions import PermissionDenied
from rest_framework.response import Response
from rest_framework.views import APIView

from portal.access import get_for_user
from portal.changes import services
from portal.models import EnterpriseChangeRequest
from portal.roles import is_bureau_staff

_REGION = {"slug_field": "code", "read_only": True}


def change_request_message(change_request: EnterpriseChangeRequest) -> str:
    """One translated sentence on where the request stands, for the enterprise and the API."""
    separator = "、" if (get_language() or "").startswith("zh") else ", "  # the enumeration comma
    fields = separator.join(str(label) for label, _old, _new in change_request.changes())
    if change_request.status == EnterpriseChangeRequest.Status.PENDING:
        return _("The change of %(fields)s was filed as a request and awaits the decision of the %(bureau)s "
                 "bureau; until then the record keeps its current values.") % {
            "fields": fields, "bureau": change_request.decide_region.name}
    if change_request.status == EnterpriseChangeRequest.Status.APPROVED:
        return _("The bureau approved the change of %(fields)s.") % {"fields": fields}
    return _("The bureau rejected the change of %(fields)s: %(reason)s") % {
        "fields": fields, "reason": change_request.reason}


class ChangeRequestSerializer(serializers.ModelSerializer):
    old_region = serializers.SlugRelatedField(**_REGION)
    new_region = serializers.SlugRelatedField(**_REGION)
    old_park = serializers.SlugRelatedField(**_REGION)
    new_park = serializers.SlugRelatedField(**_REGION)
    decide_region = serializers.SlugRelatedField(**_REGION)
    changed_fields = serializers.ListField(child=serializers.CharField(), read_only=True)
    message = serializers.SerializerMethodField()

    class Meta:
        model = EnterpriseChangeRequest
        fields = ["id", "enterprise", "status", "changed_fields", "old_name", "new_name", "old_uscc", "new_uscc",
                  "old_region", "new_region", "old_park", "new_park", "decide_region", "created_at",
                  "decided_at", "reason", "message"]
        read_only_fields = fields

    @extend_schema_field(serializers.CharField())
    def get_message(self, obj) -> str:
        return change_request_message(obj)


def _queryset():
    return EnterpriseChangeRequest.objects.select_related(
        "enterprise", "old_region", "new_region", "old_park", "new_park", "decide_region")


class ChangeRequestListView(generics.ListAPIView):
    """Bureau staff: the requests their jurisdiction decides (filter ?status=pending for the
    queue). Enterprise members: their enterprises' requests and outcomes."""

    serializer_class = ChangeRequestSerializer
    filterset_fields = ["status", "enterprise"]

    def get_queryset(self):
        return _queryset().visible_to(self.request.user)


class ChangeRequestDetailView(generics.RetrieveAPIView):
    serializer_class = ChangeRequestSerializer

    def get_object(self):
        return get_for_user(_queryset(), self.kwargs["pk"], user=self.request.user, request=self.request)


class ChangeRequestDecisionView(APIView):
    """The deciding jurisdiction's staff approve or reject a pending request (a reason is required
    to reject). A request decided already answers 409."""

    class InputSerializer(serializers.Serializer):
        class Meta:
            ref_name = "ChangeRequestDecisionInput"

        decision = serializers.ChoiceField(choices=["approve", "reject"])
        reason = serializers.CharField(max_length=1000, required=False, allow_blank=True, default="")

    @extend_schema(request=InputSerializer, responses={200: ChangeRequestSerializer})
    def post(self, request, pk):
        if not is_bureau_staff(request.user):
            raise PermissionDenied
        change_request = get_for_user(_queryset(), pk, user=request.user, write=True, request=request)
        data = self.InputSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        decided = services.change_request_decide(
            change_request=change_request, actor=request.user, request=request,
            approve=data.validated_data["decision"] == "approve", reason=data.validated_data["reason"])
        return Response(ChangeRequestSerializer(_queryset().get(pk=decided.pk)).data)
