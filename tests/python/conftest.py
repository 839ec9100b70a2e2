"""Fixtures: dev-router processes, and a health check after every test.

One router serves the whole session (starting one takes milliseconds, but sharing it also
proves that it keeps serving after every bad input thrown at it). A second one, with a small
``--max-message-size``, serves the oversized-message tests.
"""

from __future__ import annotations

import itertools

import pytest

from peers import TRANSPORTS
from router import REPO_ROOT, Router, start_router

SMALL_MAX_MESSAGE_SIZE = 65536

_running: list[Router] = []


def _start(*args: str) -> Router:
    try:
        router = start_router(*args)
    except RuntimeError as error:
        pytest.fail(str(error), pytrace=False)
    _running.append(router)
    return router


def _stop(router: Router) -> None:
    _running.remove(router)
    problem = router.problems()
    router.stop()
    if problem:
        pytest.fail(f"{problem}\n{router.describe()}", pytrace=False)


@pytest.fixture(scope="session")
def router():
    """The router with its default configuration (realm1, anonymous, all permissions)."""
    router = _start()
    yield router
    _stop(router)


@pytest.fixture(scope="module")
def small_router():
    """A router that refuses messages over 64 KiB."""
    router = _start("--max-message-size", str(SMALL_MAX_MESSAGE_SIZE))
    yield router
    _stop(router)


# --- Authentication and authorization (test_auth.py) -------------------------------------

AUTH_CONFIG = REPO_ROOT / "dev-router" / "examples" / "auth.toml"


@pytest.fixture(scope="module")
def auth_router():
    """A router with ``dev-router/examples/auth.toml``: principals and roles on ``realm1``,
    anonymous guests on ``public``."""
    router = _start("--config", str(AUTH_CONFIG))
    yield router
    _stop(router)


@pytest.fixture(autouse=True)
def router_stays_healthy():
    """Fails the test after which a router has died or panicked."""
    yield
    for router in _running:
        problem = router.problems()
        if problem:
            pytest.fail(f"{problem}\n{router.describe()}", pytrace=False)


@pytest.fixture(params=TRANSPORTS, ids=str)
def transport(request):
    """Every transport and serializer the router offers an autobahn peer."""
    return request.param


_prefixes = itertools.count(1)


@pytest.fixture
def prefix() -> str:
    """A URI prefix of its own for each test, so that tests sharing a router never meet."""
    return f"com.example.t{next(_prefixes)}"
