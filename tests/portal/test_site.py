"""Site shell: home pages per role, language, health check, API schema and offline docs."""

import re

import pytest

pytestmark = pytest.mark.django_db


def test_landing_page_is_chinese_by_default(client):
    response = client.get("/")
    assert response.status_code == 200
    html = response.content.decode()
    assert '<html lang="zh-CN">' in html
    assert "数字化转型" in html


def test_language_switch_to_english(client):
    response = client.post("/i18n/setlang/", {"language": "en", "next": "/"}, follow=True)
    assert '<html lang="en">' in response.content.decode()


@pytest.mark.parametrize(
    ("persona", "marker"),
    [("owner", "/enterprises/"), ("provider_user", "/providers/"), ("district_staff", "staff/registrations"),
     ("audit_admin", "/audit/"), ("expert", "Expert")],
)
def test_each_role_has_its_home(request, login, persona, marker):
    client = login(request.getfixturevalue(persona))
    response = client.get("/", HTTP_ACCEPT_LANGUAGE="en")
    assert response.status_code == 200
    assert marker in response.content.decode()


def test_pages_carry_security_headers(login, owner, enterprise):
    client = login(owner)
    response = client.get(f"/enterprises/{enterprise.pk}/")
    assert "default-src 'self'" in response["Content-Security-Policy"]
    assert response["Cache-Control"] == "no-store"
    assert response["X-Content-Type-Options"] == "nosniff"
    assert response["X-Frame-Options"] == "DENY"


def test_no_page_loads_anything_from_another_origin(client):
    html = client.get("/").content.decode() + client.get("/accounts/login/").content.decode()
    for url in re.findall(r'(?:src|href)="([^"]+)"', html):
        assert not url.startswith(("http:", "https:", "//")), url


def test_healthz_reports_database_and_broker(client):
    response = client.get("/healthz")
    assert response.status_code == 200
    assert response.json() == {"database": "ok", "broker": "eager", "status": "ok"}


def test_healthz_reports_an_unreachable_broker(client, settings):
    settings.CELERY_TASK_ALWAYS_EAGER = False
    from portal.celery import app

    original = app.conf.broker_url
    app.conf.broker_url = "redis://127.0.0.1:1/0"  # nothing listens on port 1
    try:
        response = client.get("/healthz")
    finally:
        app.conf.broker_url = original
    assert response.status_code == 503
    assert response.json()["broker"] == "error"


def test_schema_and_offline_swagger_ui(login, owner):
    client = login(owner)
    schema = client.get("/api/schema/", HTTP_ACCEPT="application/vnd.oai.openapi+json")
    assert schema.status_code == 200
    paths = schema.json()["paths"]
    assert "/api/v1/enterprises/" in paths and "/api/v1/auth/token/" in paths
    docs = client.get("/api/docs/").content.decode()
    assert "swagger-ui" in docs
    for url in re.findall(r'(?:src|href)="([^"]+)"', docs):
        assert not url.startswith(("http:", "https:", "//")), url


def test_the_assessments_menu_is_for_enterprise_members_only(login, owner, provider_user):
    assert 'href="/assessments/"' in login(owner).get("/").content.decode()
    assert 'href="/assessments/"' not in login(provider_user).get("/").content.decode()


def test_the_landing_page_promises_only_installed_features(client):
    html = client.get("/").content.decode()
    # Built: self-assessment and review, registered by diagnosis.
    assert 'data-landing-line="diagnosis-self-assessment"' in html and 'data-landing-line="diagnosis-review"' in html
    # Built: the public provider directory, registered by providers (issue #9).
    assert 'data-landing-line="providers-directory-enterprise">服务商名录与解决方案图谱' in html
    # Built: the public subsidy programme list, registered by subsidies (issue #11).
    assert 'data-landing-line="subsidy-programmes"' in html
    # Not built yet: regional dashboards. (Matching arrived on main with the matchmaking events, #10.)
    for promise in ("数据看板",):
        assert promise not in html, promise


def test_a_registered_landing_line_appears_in_its_card(client):
    from portal.extensions import LandingLine, register_landing_line, unregister_landing_line

    register_landing_line(LandingLine(key="test-pools", audience="provider", text="加入区级服务商资源池"))
    try:
        assert 'data-landing-line="test-pools">加入区级服务商资源池' in client.get("/").content.decode()
    finally:
        unregister_landing_line("test-pools")


def test_pages_switch_off_unused_browser_features(client):
    response = client.get("/")
    assert "camera=()" in response["Permissions-Policy"]
    assert "geolocation=()" in response["Permissions-Policy"]


def test_gunicorn_config_hides_its_version():
    import gunicorn.http.wsgi

    import portal.gunicorn_conf  # noqa: F401

    assert gunicorn.http.wsgi.SERVER == "dxportal"
