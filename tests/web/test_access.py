"""Every URL rule against anonymous and every role: one table of who may do what."""
import re

import pytest

from clinic.security import role_required  # noqa: F401  (the decorator under test)

ROLES = ("nurse", "supervisor", "admin")
PUBLIC = {"auth.login", "main.healthz", "static", "api.openapi"}
# The least role each endpoint needs; every endpoint of the app must be listed here.
LEAST_ROLE = {
    "auth.logout": "nurse",
    "main.board": "nurse",
    "patients.index": "nurse", "patients.new": "nurse", "patients.show": "nurse", "patients.edit": "nurse",
    "patients.add_history": "nurse", "patients.lift_alert": "supervisor",
    "sessions.new": "nurse", "sessions.show": "nurse", "sessions.act": "nurse",
    "sessions.void_vitals": "nurse", "sessions.void_reaction": "nurse", "sessions.summary_pdf": "nurse",
    "sessions.resolve_reaction": "nurse", "sessions.reactions_page": "nurse", "sessions.void_entry": "nurse",
    "sessions.action_page": "nurse",
    "sessions.resolve_entry": "nurse", "sessions.review": "supervisor",
    "review.queue": "supervisor", "review.review": "supervisor",
    "reports.index": "supervisor", "reports.csv": "supervisor", "reports.pdf": "supervisor",
    "reports.sessions": "supervisor",
    "sessions.ae_draft": "supervisor",
    "audit.index": "supervisor", "audit.verify": "supervisor",
    "admin.users": "admin", "admin.user_new": "admin", "admin.user_edit": "admin", "admin.user_action": "admin",
    "admin.tokens": "admin", "admin.token_revoke": "admin",
    "admin.catalog": "supervisor", "admin.drug_edit": "admin", "admin.drug_new": "admin",
    "admin.reaction_edit": "admin", "admin.reaction_new": "admin",
    "profile.index": "nurse", "profile.password": "nurse", "profile.token_new": "nurse",
    "profile.token_revoke": "nurse",
}
API_SUPERVISOR = {"api.review_queue", "api.review", "api.reactions_report", "api.reactions_report_csv",
                  "api.export_fhir", "api.lift_alert", "api.adverse_event_pdf"}


def _sample(rule, arg):
    """A value the rule accepts: an id of 1, the first choice of an `any`, or a plain word."""
    items = getattr(rule._converters.get(arg), "items", None)
    if items:
        return sorted(items)[0]
    return 1 if "id" in arg else "natalizumab"


def _rules(app):
    for rule in app.url_map.iter_rules():
        if rule.endpoint in PUBLIC:
            continue
        values = {arg: _sample(rule, arg) for arg in rule.arguments}
        url = re.sub(r"<(?:[^:>]+:)?([^>]+)>", lambda m, v=values: str(v[m.group(1)]), rule.rule)
        for method in sorted(rule.methods - {"HEAD", "OPTIONS"}):
            yield rule.endpoint, method, url


def _least(endpoint):
    if endpoint.startswith("api."):
        return "supervisor" if endpoint in API_SUPERVISOR else "nurse"
    return LEAST_ROLE[endpoint]


def test_every_endpoint_is_in_the_table(app):
    missing = [e for e, _, _ in _rules(app) if not e.startswith("api.") and e not in LEAST_ROLE]
    assert not missing, f"add these endpoints to LEAST_ROLE: {missing}"


def test_anonymous_is_sent_to_login_or_gets_401(app):
    client = app.test_client()
    for endpoint, method, url in _rules(app):
        response = client.open(url, method=method)
        if endpoint.startswith("api."):
            assert response.status_code == 401, (endpoint, method, url)
            assert response.get_json()["error"]["code"] == "unauthorized"
        elif method == "GET":
            assert response.status_code == 302, (endpoint, url)
            assert "/login" in response.headers["Location"]
        else:
            # A POST without a session has no CSRF token either: refused before anything runs.
            assert response.status_code in (302, 400), (endpoint, method, url, response.status_code)


@pytest.mark.parametrize("role", ROLES)
def test_wrong_role_gets_403_and_right_role_is_let_in(app, login, api, role):
    rank = {r: i for i, r in enumerate(ROLES)}
    web = login(role)
    api_client = api(role)
    for endpoint, method, url in _rules(app):
        if endpoint == "auth.logout":
            continue  # would end the session the rest of the walk needs; tested in test_auth
        allowed = rank[role] >= rank[_least(endpoint)]
        if endpoint.startswith("api."):
            response = api_client.get(url) if method == "GET" else api_client.post(url, json={})
        elif method == "GET":
            response = web.get(url)
        else:
            response = web.post(url, {})
        if allowed:
            assert response.status_code != 403, (role, endpoint, method, url)
            assert response.status_code < 500, (role, endpoint, method, url, response.status_code)
        else:
            assert response.status_code == 403, (role, endpoint, method, url, response.status_code)
