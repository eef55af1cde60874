"""Every place that asks for a password counts failures against one per-account limit (SPEC §11, issue 26)."""
from __future__ import annotations

import pytest
from sqlalchemy import update

from clinic import create_app
from clinic.extensions import db
from clinic.models import InfusionSession, User
from clinic.services import accounts
from clinic.services.actor import Actor
from tests.conftest import PASSWORD, WebClient, app_config
from tests.helpers import check_in, now

WRONG = "wrong password!!"


@pytest.fixture
def throttled_app(app, database_url):
    """An app with throttling on, made after `app`: the limiter takes the settings of the last app made."""
    return create_app(app_config(database_url, RATELIMIT_ENABLED=True, RATELIMIT_STORAGE_URI="memory://"))


def _login_page(app) -> WebClient:
    web = WebClient(app.test_client())
    web.get("/login")
    return web


def _form_login(web, username, password):
    return web.post("/login", {"username": username, "password": password})


def _json_login(web, body):
    """A login with a JSON body, the CSRF token in its header (as a script would send it)."""
    return web.client.post("/login", json=body, headers={"X-CSRFToken": web.csrf})


def test_a_json_login_signs_in_like_the_form(client, make_user):
    user = make_user("nurse")
    client.get("/login")
    assert _json_login(client, {"username": user.username, "password": PASSWORD}).status_code == 302
    assert client.get("/").status_code == 200


def test_form_failures_lock_a_json_login_with_the_right_password(throttled_app, make_user):
    user = make_user("nurse")
    web = _login_page(throttled_app)
    for _ in range(5):
        assert _form_login(web, user.username, WRONG).status_code == 200
    blocked = _json_login(web, {"username": user.username, "password": PASSWORD})
    assert blocked.status_code == 429 and "Too many failed attempts" in blocked.get_data(as_text=True)


def test_json_failures_count_per_account_and_lock_the_form(throttled_app, make_user):
    victim, colleague = make_user("nurse"), make_user("nurse")
    web = _login_page(throttled_app)
    for _ in range(5):
        assert _json_login(web, {"username": victim.username, "password": WRONG}).status_code == 200
    assert _form_login(web, victim.username, PASSWORD).status_code == 429
    # Not one bucket for every JSON attempt: a colleague at the same address still gets in.
    assert _json_login(web, {"username": colleague.username, "password": PASSWORD}).status_code == 302


@pytest.mark.parametrize("body", ["[1, 2]", '"text"', "42", "null", "true", '{"username": ', '{"username": ["a"], '
                                  '"password": "x"}', '{"username": {"$ne": 1}, "password": "x"}'])
def test_a_login_body_that_is_not_an_object_of_text_is_400(client, body):
    client.get("/login")
    response = client.client.post("/login", data=body, headers={"X-CSRFToken": client.csrf,
                                                               "Content-Type": "application/json"})
    assert response.status_code == 400
    assert "username and password" in response.get_data(as_text=True)


def _api_client(app, user_id):
    with app.app_context():
        token = accounts.issue_token(Actor.system("test"), db.session.get(User, user_id), "test")
        db.session.commit()
    client = app.test_client()
    headers = {"Authorization": f"Bearer {token}"}
    return lambda url, body: client.post(url, json=body, headers=headers)


def _discharged_session(app, post, patient_id) -> int:
    """A session checked in, then marked discharged (its lifecycle is tested elsewhere)."""
    class _Poster:
        def post(self, url, json=None):
            return post(url, json)

    session_id = check_in(_Poster(), patient_id, "natalizumab")["id"]
    moment = now()
    with app.app_context():
        db.session.execute(update(InfusionSession).where(InfusionSession.id == session_id).values(
            status="discharged", started_at=moment, ended_at=moment, discharged_at=moment))
        db.session.commit()
    return session_id


def test_one_failure_count_for_login_finalize_and_password_change(throttled_app, make_user, make_patient):
    user = make_user("nurse")
    api_post = _api_client(throttled_app, user.id)
    session_id = _discharged_session(throttled_app, api_post, make_patient().id)
    finalize = f"/api/v1/sessions/{session_id}/finalize"
    web = _login_page(throttled_app)
    assert _form_login(web, user.username, PASSWORD).status_code == 302
    web.get("/profile/")

    assert _login_page(throttled_app).post("/login", {"username": user.username.upper(), "password": WRONG}) \
        .status_code == 200
    for _ in range(2):
        assert api_post(finalize, {"password": WRONG}).status_code == 422
    for _ in range(2):
        wrong = web.post("/profile/password", {"old_password": WRONG, "new_password": "a brand new passphrase"})
        assert wrong.status_code == 422

    locked = api_post(finalize, {"password": PASSWORD})
    assert locked.status_code == 429 and locked.get_json()["error"]["code"] == "too_many_requests"
    page = web.post("/profile/password", {"old_password": PASSWORD, "new_password": "a brand new passphrase"})
    assert page.status_code == 429 and "Too many failed attempts" in page.get_data(as_text=True)
    assert _form_login(_login_page(throttled_app), user.username, PASSWORD).status_code == 429
    with throttled_app.app_context():
        assert db.session.get(InfusionSession, session_id).status == "discharged"
        assert accounts.find_user(user.username).must_change_password is False  # nothing was changed


def test_the_session_page_finalize_counts_too(throttled_app, make_user, make_patient):
    user = make_user("nurse")
    api_post = _api_client(throttled_app, user.id)
    session_id = _discharged_session(throttled_app, api_post, make_patient().id)
    web = _login_page(throttled_app)
    assert _form_login(web, user.username, PASSWORD).status_code == 302
    web.get(f"/sessions/{session_id}")
    for _ in range(5):
        assert web.post(f"/sessions/{session_id}/finalize", {"finalize-password": WRONG}).status_code == 422
    page = web.post(f"/sessions/{session_id}/finalize", {"finalize-password": PASSWORD})
    assert page.status_code == 429 and "Too many failed attempts" in page.get_data(as_text=True)
    assert api_post(f"/api/v1/sessions/{session_id}/finalize", {"password": PASSWORD}).status_code == 429


def test_without_throttling_a_wrong_password_is_still_just_refused(api, make_patient, app):
    """The count is off where throttling is (the tests' apps): nothing else about the prompts changes."""
    nurse = api("nurse")
    session_id = _discharged_session(app, lambda url, body: nurse.post(url, json=body), make_patient().id)
    for _ in range(7):
        assert nurse.post(f"/api/v1/sessions/{session_id}/finalize", json={"password": WRONG}).status_code == 422
