from django.conf import settings
from django.contrib import admin
from django.urls import include, path
from django.views.generic import TemplateView
from drf_spectacular.views import SpectacularAPIView, SpectacularSwaggerView

from diagnosis.report import views as report_views
from portal import views
from portal.auditlog import views as auditlog
from portal.changes import views as changes_views
from portal.notifications import views as notifications
from portal.privacy import views as privacy_views

portal_patterns = [
    path("", views.home, name="home"),
    path("accounts/login/", views.LoginView.as_view(), name="login"),
    path("accounts/logout/", views.logout_view, name="logout"),
    path("accounts/otp/", views.otp_verify, name="otp-verify"),
    path("accounts/otp/setup/", views.otp_setup, name="otp-setup"),
    path("accounts/password/", views.PasswordChangeView.as_view(), name="password-change"),
    path("accounts/register/<slug:kind>/", views.register, name="register"),
    path("accounts/password/reset/", views.PasswordResetView.as_view(), name="password-reset"),
    path("accounts/password/reset/done/", TemplateView.as_view(template_name="portal/password_reset_done.html"),
         name="password-reset-done"),
    path("accounts/reset/<uidb64>/<token>/", views.PasswordResetConfirmView.as_view(),
         name="password-reset-confirm"),
    path("members/<slug:kind>/<int:pk>/", views.members, name="members"),
    path("members/<slug:kind>/<int:pk>/<int:membership_pk>/remove/", views.member_remove, name="member-remove"),
    path("enterprises/<int:pk>/", views.enterprise_detail, name="enterprise-detail"),
    path("enterprises/<int:pk>/edit/", views.enterprise_edit, name="enterprise-edit"),
    path("providers/<int:pk>/", views.provider_detail, name="provider-detail"),
    path("staff/registrations/", views.staff_registrations, name="staff-registrations"),
    path("staff/registrations/<slug:kind>/<int:pk>/decide/", views.staff_verify, name="staff-verify"),
    path("privacy/", privacy_views.privacy_notice, name="privacy"),
    path("account/privacy/", privacy_views.my_data, name="my-data"),
    path("account/privacy/download/", privacy_views.my_data_download, name="my-data-download"),
    path("account/privacy/erasure/", privacy_views.erasure_request, name="my-data-erasure"),
    path("account/privacy/erasure/cancel/", privacy_views.erasure_cancel, name="my-data-erasure-cancel"),
    path("notifications/", notifications.inbox, name="notifications"),
    path("notifications/<int:pk>/open/", notifications.notification_open, name="notification-open"),
    path("notifications/read-all/", notifications.mark_all_read, name="notifications-read-all"),
    path("audit/", auditlog.audit_log_view, name="audit-log"),
    path("audit/export/", auditlog.audit_export, name="audit-export"),
    path("audit/verify/", auditlog.audit_verify, name="audit-verify"),
    path("audit/history/", auditlog.record_history, name="audit-history"),
    path("staff/change-requests/", changes_views.queue, name="change-requests"),
    path("staff/change-requests/<int:pk>/", changes_views.detail, name="change-request"),
]

urlpatterns = [
    path("", include((portal_patterns, "portal"))),
    path("assessments/", include("diagnosis.urls")),
    path("review/", include("diagnosis.review.urls")),
    path("regional/", include("diagnosis.regional.urls")),
    path("campaigns/", include("diagnosis.campaigns.urls")),
    path("registry/", include("providers.urls")),
    path("subsidies/vouchers/", include("subsidies.vouchers.urls")),
    path("subsidies/projects/", include("subsidies.projects.urls")),
    path("subsidies/integrity/", include("subsidies.integrity.urls")),
    path("subsidies/", include("subsidies.urls")),
    path("i18n/", include("django.conf.urls.i18n")),
    path("healthz", views.healthz, name="healthz"),
    path("verify/<str:code>/", report_views.report_verify, name="report-verify"),
    path("robots.txt", views.robots, name="robots"),
    path("api/v1/", include("portal.api_urls")),
    path("api/schema/", SpectacularAPIView.as_view(), name="api-schema"),
    path("api/docs/", SpectacularSwaggerView.as_view(url_name="api-schema"), name="api-docs"),
    path(settings.ADMIN_URL, admin.site.urls),
]

handler400 = "portal.errors.bad_request"
handler403 = "portal.errors.permission_denied"
handler404 = "portal.errors.page_not_found"
handler500 = "portal.errors.server_error"
