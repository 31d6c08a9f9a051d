"""Read-only public API of the directory: published providers, solutions and apps with the same
filters as the pages. Anonymous callers are allowed on purpose (the directory is public); the
serializers name every field, and nothing unpublished or internal (contacts, USCC, documents) is
exposed. An unknown filter value is a 400, never an unfiltered list."""

from django.utils.translation import gettext as _
from drf_spectacular.utils import OpenApiParameter, extend_schema, extend_schema_field, inline_serializer
from rest_framework import serializers
from rest_framework.pagination import PageNumberPagination
from rest_framework.permissions import AllowAny
from rest_framework.response import Response
from rest_framework.views import APIView

from diagnosis.results.needs import CATEGORY_CODES
from portal.errors import api_error_body
from portal.exceptions import Invalid
from providers.directory import selectors as selectors_directory
from providers.directory.forms import DirectoryFilterForm
from providers.models import Listing, ListingApp, ListingSolution
from providers.taxonomy import APP_CATEGORY_CODES, CAPABILITY_CODES

ERROR = inline_serializer("RegistryError", {"detail": serializers.CharField(), "code": serializers.CharField()})


def _tags(value: str) -> list[str]:
    return [code for code in value.strip(",").split(",") if code]


@extend_schema_field({"type": "array", "items": {"type": "string"}})
class TagListField(serializers.Field):
    """A ",a,b," tag column as a list of codes."""

    def to_representation(self, value):
        return _tags(value)


class ListingSerializer(serializers.ModelSerializer):
    provider = serializers.IntegerField(source="provider_id")
    region = serializers.CharField(source="region.code")
    region_name = serializers.CharField(source="region.name")
    new_tech = TagListField()

    class Meta:
        model = Listing
        fields = ["provider", "name", "region", "region_name", "summary", "founded_year", "employees", "rd_staff",
                  "new_tech", "app_count", "solution_count", "verified_case_count", "published_at"]
        read_only_fields = fields


class SolutionSerializer(serializers.ModelSerializer):
    provider = serializers.IntegerField(source="listing.provider_id")
    provider_name = serializers.CharField(source="listing.name")
    categories = TagListField()
    industries = TagListField()
    areas = TagListField()

    class Meta:
        model = ListingSolution
        fields = ["key", "title", "summary", "provider", "provider_name", "categories", "industries", "areas",
                  "price_min", "price_max", "delivery_days", "light"]
        read_only_fields = fields


class AppSerializer(serializers.ModelSerializer):
    provider = serializers.IntegerField(source="listing.provider_id")
    provider_name = serializers.CharField(source="listing.name")

    class Meta:
        model = ListingApp
        fields = ["key", "name", "category", "deployment", "price_model", "clients", "provider", "provider_name"]
        read_only_fields = fields


def _params(fields):
    described = {
        "q": OpenApiParameter("q", str, description="keyword (Chinese or Latin), at most 50 characters"),
        "category": OpenApiParameter("category", str, enum=list(CATEGORY_CODES), description="need category"),
        "item": OpenApiParameter("item", str, description="spec item or scenario, e.g. sme-2024:sc-quality"),
        "industry": OpenApiParameter("industry", str, description="GB/T 4754 division, two digits"),
        "area": OpenApiParameter("area", str, enum=list(CAPABILITY_CODES), description="capability area"),
        "region": OpenApiParameter("region", str, description="region code; its whole subtree"),
        "pool": OpenApiParameter("pool", int, description="resource pool id: its active members"),
        "app_category": OpenApiParameter("app_category", str, enum=list(APP_CATEGORY_CODES)),
        "page": OpenApiParameter("page", int),
    }
    return [described[name] for name in (*fields, "page")]


def _paginated(name, serializer):
    return inline_serializer(name, {
        "count": serializers.IntegerField(), "next": serializers.URLField(allow_null=True),
        "previous": serializers.URLField(allow_null=True), "results": serializer(many=True)})


class _PublicList(APIView):
    permission_classes = [AllowAny]
    authentication_classes = []  # public data: no session, no CSRF, no token needed
    filter_backends: list = []
    kind = ""
    serializer_class = None

    def queryset(self, filters):
        raise NotImplementedError

    def get(self, request):
        from providers.directory.views import LIST_FIELDS

        form = DirectoryFilterForm(request.query_params, fields=LIST_FIELDS[self.kind])
        if not form.is_valid():
            problems = "; ".join(f"{name}: {' '.join(errors)}" for name, errors in form.errors.items())
            exc = Invalid(_("The filters are not valid.") + " " + problems, code="unknown_filter_value")
            return Response(api_error_body(exc), status=400)
        paginator = PageNumberPagination()
        page = paginator.paginate_queryset(self.queryset(form.filters()), request, view=self)
        return paginator.get_paginated_response(self.serializer_class(page, many=True).data)


class ListingListView(_PublicList):
    kind = "providers"
    serializer_class = ListingSerializer

    def queryset(self, filters):
        return selectors_directory.listings(filters)

    @extend_schema(operation_id="registry_providers_list", description="Published service providers (public).",
                   parameters=_params(("q", "category", "item", "industry", "area", "region", "pool")),
                   responses={200: _paginated("PaginatedListingList", ListingSerializer), 400: ERROR})
    def get(self, request):
        return super().get(request)


class SolutionListView(_PublicList):
    kind = "solutions"
    serializer_class = SolutionSerializer

    def queryset(self, filters):
        return selectors_directory.solutions(filters)

    @extend_schema(operation_id="registry_solutions_list", description="Published solutions (public).",
                   parameters=_params(("q", "category", "item", "industry", "area", "region", "pool")),
                   responses={200: _paginated("PaginatedSolutionList", SolutionSerializer), 400: ERROR})
    def get(self, request):
        return super().get(request)


class AppListView(_PublicList):
    kind = "apps"
    serializer_class = AppSerializer

    def queryset(self, filters):
        return selectors_directory.apps(filters)

    @extend_schema(operation_id="registry_apps_list", description="Published industrial apps (public).",
                   parameters=_params(("q", "app_category", "industry", "area", "region", "pool")),
                   responses={200: _paginated("PaginatedAppList", AppSerializer), 400: ERROR})
    def get(self, request):
        return super().get(request)
