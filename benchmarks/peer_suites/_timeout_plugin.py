"""A per-test time limit for the peer suites (pytest plugin; SIGALRM, so POSIX only)."""

import os
import signal

import pytest

LIMIT = int(os.environ.get("PEER_SUITE_TIMEOUT", "120"))


def _expire(signum, frame):
    raise TimeoutError(f"test took longer than {LIMIT} s (PEER_SUITE_TIMEOUT)")


@pytest.hookimpl(hookwrapper=True)
def pytest_runtest_call(item):
    previous = signal.signal(signal.SIGALRM, _expire)
    signal.alarm(LIMIT)
    try:
        yield
    finally:
        signal.alarm(0)
        signal.signal(signal.SIGALRM, previous)
