"""A real gunicorn serving the app on 127.0.0.1 against the test database."""
from __future__ import annotations

import http.client
import json
import os
import signal
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request
from pathlib import Path
from urllib.parse import urlencode

import pytest

from tests.conftest import CSRF_RE, app_config

ROOT = Path(__file__).resolve().parents[2]


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class Server:
    """gunicorn with several workers; `kill()` is a kill -9 of the whole process group."""

    def __init__(self, database_url: str, log_path: Path, workers: int = 3, env: dict | None = None):
        self.database_url, self.log_path, self.workers = database_url, log_path, workers
        self.extra_env = env or {}
        self.port = free_port()
        self.base = f"http://127.0.0.1:{self.port}"
        self.process = None

    def start(self) -> Server:
        env = {**os.environ, "DATABASE_URL": self.database_url, "SECRET_KEY": "system-test",
               # the same chain key as the tests' own app, or the events the server writes would not verify
               "AUDIT_KEY": app_config(self.database_url)["AUDIT_KEY"],
               "CLINIC_TIMEZONE": "America/New_York", **self.extra_env}
        gunicorn = str(Path(sys.executable).parent / "gunicorn")
        self.log = open(self.log_path, "ab")  # noqa: SIM115 (closed in stop)
        self.process = subprocess.Popen(
            [gunicorn, "--workers", str(self.workers), "--bind", f"127.0.0.1:{self.port}", "--timeout", "60",
             "wsgi:app"], cwd=ROOT, env=env, stdout=self.log, stderr=subprocess.STDOUT, start_new_session=True)
        deadline = time.monotonic() + 30
        while time.monotonic() < deadline:
            try:
                with urllib.request.urlopen(self.base + "/healthz", timeout=2) as r:
                    if r.status == 200:
                        return self
            except OSError:
                time.sleep(0.2)
        self.stop()
        raise RuntimeError("gunicorn did not start: " + self.log_path.read_text()[-2000:])

    def kill(self) -> None:
        os.killpg(self.process.pid, signal.SIGKILL)
        self.process.wait(timeout=10)
        self.log.close()

    def stop(self) -> None:
        if self.process and self.process.poll() is None:
            os.killpg(self.process.pid, signal.SIGTERM)
            try:
                self.process.wait(timeout=15)
            except subprocess.TimeoutExpired:
                self.kill()
                return
        self.log.close()

    def login_form(self) -> tuple[str, str]:
        """The session cookie and CSRF token that opening the login page hands out."""
        conn = http.client.HTTPConnection("127.0.0.1", self.port, timeout=30)
        try:
            conn.request("GET", "/login")
            page = conn.getresponse()
            match = CSRF_RE.search(page.read().decode())
        finally:
            conn.close()
        return page.getheader("Set-Cookie").split(";")[0], match.group(1) or match.group(2)

    def log_in(self, cookie: str, csrf: str, username: str, password: str) -> tuple[int, str | None]:
        """Post the login form once, on a connection of its own; return the status and the new session cookie."""
        conn = http.client.HTTPConnection("127.0.0.1", self.port, timeout=30)
        try:
            conn.request("POST", "/login",
                         body=urlencode({"username": username, "password": password, "csrf_token": csrf}),
                         headers={"Cookie": cookie, "Content-Type": "application/x-www-form-urlencoded"})
            response = conn.getresponse()
            response.read()
        finally:
            conn.close()
        new_cookie = response.getheader("Set-Cookie")
        return response.status, new_cookie.split(";")[0] if new_cookie else None

    def request(self, method: str, path: str, token: str, body: dict | None = None, headers: dict | None = None):
        """Send one request; return (status, JSON body or None)."""
        data = json.dumps(body).encode() if body is not None else None
        req = urllib.request.Request(self.base + path, data=data, method=method, headers={
            "Authorization": f"Bearer {token}", "Content-Type": "application/json", **(headers or {})})
        try:
            with urllib.request.urlopen(req, timeout=60) as r:
                return r.status, json.loads(r.read() or b"null")
        except urllib.error.HTTPError as e:
            payload = e.read()
            try:
                return e.code, json.loads(payload)
            except ValueError:
                return e.code, {"raw": payload[:200].decode(errors="replace")}


@pytest.fixture
def server(app, database_url, tmp_path):
    """Serve the test database with gunicorn (several workers)."""
    if database_url.startswith("sqlite:///"):
        pass  # a file database both the test and the server open
    srv = Server(database_url, tmp_path / "gunicorn.log").start()
    yield srv
    srv.stop()
