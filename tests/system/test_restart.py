"""kill -9 of gunicorn's master alone: its workers leave at once, so a server started straight after gets the port.

Busy workers only notice a new parent between connections; under steady traffic they went on serving (and held
the port) for as long as it lasted, and a restart failed with "Address already in use" (issue 26, finding 8).
gunicorn.conf.py has the kernel send each worker a SIGTERM when the master dies.
"""
from __future__ import annotations

import http.client
import os
import signal
import threading
import time
from pathlib import Path

from tests.system.conftest import Server


def children(pid: int) -> list[int]:
    found = []
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit():
            try:
                stat = (entry / "stat").read_text()
            except OSError:
                continue
            if int(stat.rsplit(")", 1)[1].split()[1]) == pid:
                found.append(int(entry.name))
    return found


def running(pid: int) -> bool:
    try:
        state = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[0]
    except OSError:
        return False
    return state != "Z"  # a zombie holds no socket


def steady_traffic(port: int, stop: threading.Event) -> list[threading.Thread]:
    def client():
        while not stop.is_set():
            try:
                conn = http.client.HTTPConnection("127.0.0.1", port, timeout=5)
                conn.request("GET", "/healthz")
                conn.getresponse().read()
                conn.close()
            except OSError:
                time.sleep(0.01)

    threads = [threading.Thread(target=client, daemon=True) for _ in range(4)]
    for thread in threads:
        thread.start()
    return threads


def test_after_kill_9_of_the_master_alone_its_workers_exit_and_a_restart_gets_the_port(app, database_url, tmp_path):
    first = Server(database_url, tmp_path / "first.log", workers=3).start()
    workers = children(first.process.pid)
    assert len(workers) == 3
    again = Server(database_url, tmp_path / "again.log", workers=3)
    again.port, again.base = first.port, first.base
    stop = threading.Event()
    threads = steady_traffic(first.port, stop)
    try:
        time.sleep(0.5)
        killed_at = time.monotonic()
        os.kill(first.process.pid, signal.SIGKILL)
        first.process.wait(timeout=10)
        restart = threading.Thread(target=again.start, daemon=True)
        restart.start()  # straight away, as a supervisor would
        while any(running(pid) for pid in workers) and time.monotonic() - killed_at < 5:
            time.sleep(0.05)
        gone_after = time.monotonic() - killed_at
        assert not any(running(pid) for pid in workers), "the old workers still serve the port 5 s after the kill"
        restart.join(timeout=60)
        assert again.process.poll() is None, "the new master could not bind: " + (tmp_path / "again.log").read_text()
        assert f"Listening at: http://127.0.0.1:{first.port}" in (tmp_path / "again.log").read_text()
        print(f"old workers gone {gone_after:.2f} s after kill -9 of the master")
    finally:
        stop.set()
        for thread in threads:
            thread.join(timeout=10)
        if again.process:
            again.stop()
        try:
            os.killpg(first.process.pid, signal.SIGKILL)  # any worker left behind
        except ProcessLookupError:
            pass
        first.log.close()
