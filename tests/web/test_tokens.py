"""API tokens expire, die with a password reset or change, and every one is on the admin's page (SPEC §11)."""
from __future__ import annotations

import re
from datetime import timedelta

import pytest
from sqlalchemy import select, update

from clinic.extensions import db
from clinic.models import ApiToken, AuditEvent, utcnow
from tests.conftest import PASSWORD
from tests.helpers import count_queries

DRUGS = "/api/v1/catalog/drugs"
TOKEN_RE = re.compile(r'<code class="token">([^<]+)</code>')


def _new_token(web, **fields):
    """Make a token on the profile page; return the page's answer and the token it shows once."""
    web.get("/profile/")
    response = web.post("/profile/tokens", {"name": "pump", **fields})
    match = TOKEN_RE.search(response.get_data(as_text=True))
    return response, match.group(1) if match else None


def _calls(app, token):
    return app.test_client().get(DRUGS, headers={"Authorization": f"Bearer {token}"}).status_code


def _expiry(ctx, token_id=None):
    with ctx():
        row = db.session.scalars(select(ApiToken).order_by(ApiToken.id.desc())).first()
        return row.expires_at - row.created_at


def test_a_token_lasts_90_days_by_default_and_is_refused_once_expired(app, login, ctx):
    web = login("nurse")
    response, token = _new_token(web)
    assert response.status_code == 200 and _calls(app, token) == 200
    assert _expiry(ctx) == timedelta(days=90)
    assert "Expires" in web.get("/profile/").get_data(as_text=True)
    with ctx():
        db.session.execute(update(ApiToken).values(expires_at=utcnow() - timedelta(seconds=1)))
        db.session.commit()
    refused = app.test_client().get(DRUGS, headers={"Authorization": f"Bearer {token}"})
    assert refused.status_code == 401 and refused.get_json()["error"]["code"] == "unauthorized"


@pytest.mark.parametrize("days", [1, 7, 365])
def test_a_token_lifetime_is_chosen_when_it_is_made(login, ctx, days):
    _response, token = _new_token(login("nurse"), expires_in_days=str(days))
    assert token and _expiry(ctx) == timedelta(days=days)


@pytest.mark.parametrize("days", ["0", "366", "-5", "soon", "1e3"])
def test_a_token_lifetime_outside_one_day_to_a_year_is_refused(login, ctx, days):
    response, token = _new_token(login("nurse"), expires_in_days=days)
    assert response.status_code == 422 and token is None
    assert "Expires after" in response.get_data(as_text=True) and "365" in response.get_data(as_text=True)
    with ctx():
        assert db.session.scalar(select(ApiToken.id)) is None


def test_the_cli_token_takes_a_lifetime(runner, make_user, ctx):
    user = make_user("nurse")
    result = runner.invoke(args=["users", "token", user.username, "--days", "30"])
    assert result.exit_code == 0 and result.output.startswith("cs_")
    assert _expiry(ctx) == timedelta(days=30)
    refused = runner.invoke(args=["users", "token", user.username, "--days", "400"])
    assert refused.exit_code != 0 and "365" in refused.output


def test_an_admins_password_reset_revokes_every_token_of_the_user(app, login, api, ctx):
    nurse = api("nurse")
    second = api("nurse", user=nurse.user)
    assert nurse.get(DRUGS).status_code == second.get(DRUGS).status_code == 200
    admin = login("admin")
    admin.get(f"/admin/users/{nurse.user.id}")
    reset = admin.post(f"/admin/users/{nurse.user.id}/reset_password", {"password": "a temporary passphrase"})
    assert reset.status_code == 302
    assert nurse.get(DRUGS).status_code == second.get(DRUGS).status_code == 401
    with ctx():
        actions = list(db.session.scalars(select(AuditEvent.action).order_by(AuditEvent.id)))
    assert actions[-2:] == ["user_password_reset", "tokens_revoked"]


def test_changing_ones_own_password_revokes_ones_tokens(app, login, api):
    web = login("nurse")
    client = api("nurse", user=web.user)
    other = api("nurse")
    web.get("/profile/")
    changed = web.post("/profile/password", {"old_password": PASSWORD, "new_password": "a brand new passphrase"})
    assert changed.status_code == 302
    assert client.get(DRUGS).status_code == 401
    assert other.get(DRUGS).status_code == 200  # someone else's token is not touched


def test_the_admin_sees_every_users_tokens_and_revokes_one(app, login, api, ctx):
    alice, bob = api("nurse"), api("supervisor")
    with ctx():
        db.session.execute(update(ApiToken).where(ApiToken.user_id == bob.user.id)
                           .values(expires_at=utcnow() - timedelta(days=1)))
        db.session.commit()
    assert alice.get(DRUGS).status_code == 200  # used: its "last used" is shown
    admin = login("admin")
    page = admin.get("/admin/tokens")
    html = page.get_data(as_text=True)
    assert page.status_code == 200
    for words in (alice.user.username, bob.user.username, "Expired", "Active", "Last used", "Expires"):
        assert words in html, words
    with ctx():
        alice_token = db.session.scalar(select(ApiToken.id).where(ApiToken.user_id == alice.user.id))
    assert admin.client.post(f"/admin/tokens/{alice_token}/revoke", data={}).status_code == 400  # no CSRF token
    assert alice.get(DRUGS).status_code == 200
    revoked = admin.post(f"/admin/tokens/{alice_token}/revoke")
    assert revoked.status_code == 302 and revoked.headers["Location"].endswith("/admin/tokens")
    assert alice.get(DRUGS).status_code == 401
    assert "Revoked" in admin.get("/admin/tokens").get_data(as_text=True)
    with ctx():
        event = db.session.scalars(select(AuditEvent).order_by(AuditEvent.id.desc())).first()
    assert (event.action, event.object_id, event.user_id) == ("token_revoked", str(alice_token), admin.user.id)


def test_only_admins_see_the_tokens_page(login, api):
    nurse = api("nurse")
    assert login("supervisor").get("/admin/tokens").status_code == 403
    with_token = login("nurse", user=nurse.user)
    assert with_token.get("/admin/tokens").status_code == 403


def test_the_tokens_page_reads_every_token_in_one_query(app, login, api, make_user):
    admin = login("admin")
    api("nurse")
    with count_queries(app) as few:
        admin.get("/admin/tokens")
    for _ in range(6):
        api("nurse")
    with count_queries(app) as many:
        assert admin.get("/admin/tokens").status_code == 200
    assert len(many) == len(few)
