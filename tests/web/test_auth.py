"""Logging in and out, idle timeout, and how secrets are stored."""
from datetime import timedelta

from sqlalchemy import select

from clinic.extensions import db
from clinic.models import ApiToken, AuditEvent, User, utcnow
from tests.conftest import PASSWORD


def _actions(ctx):
    with ctx():
        return [e.action for e in db.session.scalars(select(AuditEvent).order_by(AuditEvent.id))]


def test_login_page_has_the_spec_words(client):
    html = client.get("/login").get_data(as_text=True)
    for words in ("Username", "Password", "Log in"):
        assert words in html


def test_login_and_logout_are_audited(client, make_user, ctx):
    user = make_user("nurse")
    response = client.post("/login", {"username": user.username, "password": PASSWORD})
    assert response.status_code == 302
    board = client.get("/")
    assert board.status_code == 200 and "Log out" in board.get_data(as_text=True)
    client.post("/logout")
    assert client.get("/").status_code == 302
    assert _actions(ctx)[-2:] == ["login", "logout"]


def test_failed_login_gives_the_same_message_for_unknown_users(client, make_user, ctx):
    user = make_user("nurse")
    wrong = client.post("/login", {"username": user.username, "password": "not the password"})
    unknown = client.post("/login", {"username": "nobody-here", "password": "not the password"})
    assert wrong.status_code == unknown.status_code == 200
    message = "The username or password is not right."
    assert message in wrong.get_data(as_text=True) and message in unknown.get_data(as_text=True)
    assert _actions(ctx)[-2:] == ["login_failed", "login_failed"]


def test_deactivated_user_is_logged_out_at_next_request(login, ctx):
    web = login("nurse")
    assert web.get("/").status_code == 200
    with ctx():
        db.session.get(User, web.user.id).active = False
        db.session.commit()
    assert web.get("/").status_code == 302


def test_idle_timeout_logs_out(login, app):
    web = login("nurse")
    with web.client.session_transaction() as sess:
        sess["last_seen"] = (utcnow() - timedelta(minutes=app.config["SESSION_IDLE_MINUTES"] + 1)).timestamp()
    response = web.get("/")
    assert response.status_code == 302 and "/login" in response.headers["Location"]
    assert web.get("/patients/").status_code == 302


def test_board_polling_does_not_keep_the_session_alive(login, app):
    web = login("nurse")
    stale = (utcnow() - timedelta(minutes=app.config["SESSION_IDLE_MINUTES"] - 1)).timestamp()
    with web.client.session_transaction() as sess:
        sess["last_seen"] = stale
    web.client.get("/?partial=1", headers={"X-Chairside-Poll": "1"})
    with web.client.session_transaction() as sess:
        assert sess["last_seen"] == stale


def test_passwords_and_tokens_are_stored_only_as_hashes(api, ctx):
    client = api("nurse")
    with ctx():
        password_hash = db.session.get(User, client.user.id).password_hash
        stored = db.session.scalars(select(ApiToken.token_hash)).all()
    assert PASSWORD not in password_hash and password_hash.startswith("$argon2id$")
    token = client.headers["Authorization"].split()[1]
    assert token not in stored and len(stored[0]) == 64


def test_api_requires_a_valid_bearer_token(app, api):
    anonymous = app.test_client()
    response = anonymous.get("/api/v1/catalog/drugs")
    assert response.status_code == 401 and response.get_json()["error"]["code"] == "unauthorized"
    bad = anonymous.get("/api/v1/catalog/drugs", headers={"Authorization": "Bearer nope"})
    assert bad.status_code == 401
    assert api("nurse").get("/api/v1/catalog/drugs").status_code == 200


def test_revoked_token_is_refused_at_once(api, ctx):
    client = api("nurse")
    assert client.get("/api/v1/catalog/drugs").status_code == 200
    with ctx():
        for token in db.session.scalars(select(ApiToken)):
            token.revoked_at = utcnow()
        db.session.commit()
    assert client.get("/api/v1/catalog/drugs").status_code == 401


def test_session_cookie_does_not_authenticate_the_api(login):
    web = login("nurse")
    assert web.client.get("/api/v1/catalog/drugs").status_code == 401


def test_login_redirects_only_to_local_paths(client, make_user):
    user = make_user("nurse")
    response = client.post("/login?next=https://evil.example/x", {"username": user.username, "password": PASSWORD})
    assert response.headers["Location"] == "/"


def test_post_without_csrf_token_is_refused(app, make_user):
    user = make_user("nurse")
    raw = app.test_client()
    response = raw.post("/login", data={"username": user.username, "password": PASSWORD})
    assert response.status_code == 400


def _copy_of_the_cookie(app, web):
    """Another client holding the same session cookie, as someone who copied it would."""
    copy = app.test_client()
    copy.set_cookie(app.config["SESSION_COOKIE_NAME"], web.client.get_cookie(app.config["SESSION_COOKIE_NAME"]).value)
    return copy


def test_a_cookie_copied_before_logout_opens_nothing_after_it(app, login, make_patient):
    patient = make_patient()
    web = login("nurse")
    copy = _copy_of_the_cookie(app, web)
    assert copy.get("/profile/").status_code == 200  # the copy works while the session lives
    web.post("/logout")
    for url in ("/profile/", f"/patients/{patient.id}", "/"):
        response = copy.get(url)
        assert response.status_code == 302 and "/login" in response.headers["Location"], url
    with copy.session_transaction() as sess:
        assert "last_seen" not in sess and "_user_id" not in sess  # a dead session's idle clock is not kept going


def test_an_idle_timeout_ends_the_session_for_every_copy_of_the_cookie(app, login):
    web = login("nurse")
    copy = _copy_of_the_cookie(app, web)  # taken while the session was fresh
    with web.client.session_transaction() as sess:
        sess["last_seen"] = (utcnow() - timedelta(minutes=app.config["SESSION_IDLE_MINUTES"] + 1)).timestamp()
    assert web.get("/").status_code == 302
    assert copy.get("/profile/").status_code == 302


def test_logging_out_ends_only_that_session(login, make_user):
    user = make_user("nurse")
    phone, desk = login(user=user), login(user=user)
    phone.post("/logout")
    assert phone.get("/").status_code == 302 and desk.get("/").status_code == 200


def test_a_password_change_ends_the_users_other_sessions_but_not_this_one(login, make_user):
    user = make_user("nurse")
    phone, desk = login(user=user), login(user=user)
    desk.get("/profile/")
    changed = desk.post("/profile/password", {"old_password": PASSWORD, "new_password": "a brand new passphrase"})
    assert changed.status_code == 302
    assert desk.get("/profile/").status_code == 200 and phone.get("/").status_code == 302
