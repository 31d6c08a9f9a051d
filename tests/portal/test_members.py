"""Owners add and remove colleagues; colleagues set their password through the mailed link."""

import re

import pytest
from django.core import mail

from portal.models import AuditEvent, Membership, User

pytestmark = pytest.mark.django_db


def _invite(client, enterprise, **overrides):
    data = {"username": "lisi", "full_name": "李四", "email": "lisi@example.cn", "role": "editor", **overrides}
    return client.post(f"/members/enterprise/{enterprise.pk}/", data)


def test_owner_invites_a_colleague_who_sets_a_password(login, owner, enterprise, django_capture_on_commit_callbacks,
                                                       client):
    login(owner)
    with django_capture_on_commit_callbacks(execute=True) as callbacks:
        assert _invite(client, enterprise).status_code == 302
    # One job enqueued on commit (the set-password e-mail); the other callbacks bump cache versions.
    assert [c.__qualname__ for c in callbacks if "enqueue" in c.__qualname__] == ["enqueue_on_commit.<locals>.publish"]
    colleague = User.objects.get(username="lisi")
    assert not colleague.has_usable_password()
    assert Membership.objects.get(user=colleague).role == "editor"
    assert AuditEvent.objects.filter(action="membership.invite").exists()
    link = re.search(r"http\S+/accounts/reset/\S+/", mail.outbox[0].body).group(0)
    path = link.split("127.0.0.1:8000")[-1]
    client.post("/accounts/logout/")
    form = client.get(path, follow=True)
    assert form.status_code == 200
    response = client.post(form.redirect_chain[-1][0], {"new_password1": "A fresh long passphrase",
                                                        "new_password2": "A fresh long passphrase"})
    assert response.status_code == 302
    colleague.refresh_from_db()
    assert colleague.check_password("A fresh long passphrase")
    # The link works once.
    assert client.get(path, follow=True).context["validlink"] is False


@pytest.mark.parametrize(
    ("overrides", "error"),
    [({"role": "superuser"}, "role"), ({"username": "bad name!"}, "username"), ({"email": "not-an-email"}, "email"),
     ({"full_name": "名" * 51}, "full_name")],
)
def test_bad_invites_change_nothing(login, owner, enterprise, client, overrides, error):
    login(owner)
    response = _invite(client, enterprise, **overrides)
    assert response.status_code == 200
    assert error in response.context["form"].errors
    assert not User.objects.filter(username="lisi").exists()


def test_duplicate_username_is_refused(login, owner, enterprise, client, teammate):
    login(owner)
    response = _invite(client, enterprise, username=teammate.username)
    assert response.status_code == 200
    assert Membership.objects.filter(user=teammate).count() == 1


def test_viewers_and_editors_cannot_invite(login, teammate, editor, enterprise, client):
    for user in (teammate, editor):
        login(user)
        assert client.get(f"/members/enterprise/{enterprise.pk}/").status_code == 200
        assert _invite(client, enterprise).status_code == 403
        client.post("/accounts/logout/")
    assert not User.objects.filter(username="lisi").exists()


def test_outsiders_get_404(login, outsider, enterprise, client):
    login(outsider)
    assert client.get(f"/members/enterprise/{enterprise.pk}/").status_code == 404
    assert _invite(client, enterprise).status_code == 404


def test_owner_removes_a_member_but_not_the_last_owner(login, owner, teammate, enterprise, client):
    login(owner)
    viewer = Membership.objects.get(user=teammate)
    client.post(f"/members/enterprise/{enterprise.pk}/{viewer.pk}/remove/")
    assert not Membership.objects.filter(pk=viewer.pk).exists()
    own = Membership.objects.get(user=owner)
    from portal.exceptions import DomainError
    from portal.services import membership_remove

    with pytest.raises(DomainError):
        membership_remove(membership=own, actor=owner)
    assert Membership.objects.filter(pk=own.pk).exists()


def test_the_invite_form_offers_the_least_privilege_first(login, owner, enterprise):
    html = login(owner).get(f"/members/enterprise/{enterprise.pk}/").content.decode()
    assert '<option value="viewer" selected>' in html
