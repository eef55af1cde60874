"""gunicorn's settings for Chairside, read from the directory gunicorn starts in (options on its command line win).

One sync worker per core the process may run on (WEB_CONCURRENCY, gunicorn's own variable, overrides it).
More workers than cores made recording vitals slower, not faster, on both databases (bench/RESULTS.md): on
SQLite every change waits for the one write lock, and extra workers only take the CPU from the worker holding
it; on PostgreSQL, whose server shares the cores, the extra processes cost more in switching than they win by
overlapping the round trips. With the database on another host, round trips are longer and more workers may
pay off: measure first (bench/load.py --workers N).
"""
import os


def _cores() -> int:
    """The cores this process may run on (a container's CPU set, not the host's count, where the OS says)."""
    if hasattr(os, "sched_getaffinity"):  # Linux
        return len(os.sched_getaffinity(0))
    return os.cpu_count() or 1


workers = int(os.environ.get("WEB_CONCURRENCY") or _cores())
# gunicorn's control socket has one fixed path per user: a second server on the host would take it over,
# and stopping either would remove it for both. Nothing here uses it.
control_socket_disable = True

# After kill -9 of the master alone (the OOM killer, an operator), its workers would go on serving for as long as
# connections keep coming, holding the port: a new master could not bind it (measured: docs/operations.md). Each
# worker asks the kernel for a SIGTERM when the master dies, and so finishes its request and exits at once.
PR_SET_PDEATHSIG = 1


def post_fork(server, worker):
    import ctypes
    import signal

    try:
        libc = ctypes.CDLL(None, use_errno=True)
        libc.prctl(PR_SET_PDEATHSIG, signal.SIGTERM)
    except (OSError, AttributeError):  # not Linux: the worker still notices a new parent when it is idle
        return
    if os.getppid() != worker.ppid:  # the master died before the request was made
        os.kill(os.getpid(), signal.SIGTERM)
