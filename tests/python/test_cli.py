"""The router's command line and configuration file, as a user meets them."""

from __future__ import annotations

import asyncio
import subprocess
import urllib.error
import urllib.request

import pytest

from peers import WS_JSON, JoinRefused, connect, joined, within
from raw import CALL, ERROR, open_raw
from router import router_binary, start_router

CONFIG = """
max_message_size = 1048576

[[realms]]
name = "realm1"

[[realms]]
name = "com.example.strict"
uri_rule = "strict"
"""


@pytest.fixture
def configured_router(tmp_path):
    config = tmp_path / "router.toml"
    config.write_text(CONFIG)
    router = start_router("--config", str(config))
    yield router
    problem = router.problems()
    router.stop()
    assert problem is None, f"{problem}\n{router.describe()}"


async def test_config_file_realms_are_served(configured_router):
    async with joined(configured_router, WS_JSON, realm="com.example.strict") as session:
        assert (await session.joined).realm == "com.example.strict"
    async with joined(configured_router, WS_JSON, realm="realm1"):
        pass
    with pytest.raises(JoinRefused) as refused:
        await connect(configured_router, WS_JSON, realm="realm2")
    assert refused.value.reason == "wamp.error.no_such_realm"


@pytest.mark.parametrize(
    "realm,expected",
    [("realm1", "wamp.error.no_such_procedure"), ("com.example.strict", "wamp.error.invalid_uri")],
)
async def test_uri_rule_of_each_realm(configured_router, realm, expected):
    """`uri_rule = "strict"` refuses upper-case and dashes that loose realms accept."""
    peer = await open_raw(configured_router, "ws")
    try:
        await peer.join(realm)
        await peer.send_message([CALL, 1, {}, "com.Example.Upper-Case"])
        reply = await peer.receive_message()
        assert reply[:3] == [ERROR, CALL, 1] and reply[4] == expected, reply
    finally:
        await peer.close()


async def test_no_rawsocket_announces_only_websocket():
    router = start_router("--no-rawsocket")
    try:
        assert router.rs_port == 0
        async with joined(router, WS_JSON):
            pass
        await asyncio.sleep(0.2)
        assert not any("rawsocket" in line for line in router.stdout_lines), router.stdout_lines
        assert router.problems() is None, router.describe()
    finally:
        router.stop()


@pytest.mark.parametrize(
    "config",
    ["no_such_key = 1\n", "port = 'eighty'\n", "[[realms]]\nname = 'bad realm'\n", "realms = []\n"],
    ids=["unknown-key", "wrong-type", "invalid-realm-name", "no-realms"],
)
def test_bad_config_file_is_refused_with_a_message(tmp_path, config):
    path = tmp_path / "bad.toml"
    path.write_text(config)
    completed = subprocess.run(
        [str(router_binary()), "--port", "0", "--rawsocket-port", "0", "--config", str(path)],
        stdin=subprocess.DEVNULL,
        capture_output=True,
        text=True,
        timeout=10,
    )
    assert completed.returncode != 0
    assert "listening" not in completed.stdout
    assert completed.stderr.strip(), "the router should say what is wrong"
    assert "panicked" not in completed.stderr


def test_missing_config_file_is_refused(tmp_path):
    completed = subprocess.run(
        [str(router_binary()), "--config", str(tmp_path / "missing.toml")],
        stdin=subprocess.DEVNULL,
        capture_output=True,
        text=True,
        timeout=10,
    )
    assert completed.returncode != 0
    assert "missing.toml" in completed.stderr


def test_non_loopback_host_needs_allow_remote():
    completed = subprocess.run(
        [str(router_binary()), "--host", "0.0.0.0", "--port", "0", "--rawsocket-port", "0"],
        stdin=subprocess.DEVNULL,
        capture_output=True,
        text=True,
        timeout=10,
    )
    assert completed.returncode != 0
    assert "listening" not in completed.stdout
    assert "allow-remote" in completed.stderr


def test_help_lists_the_flags():
    completed = subprocess.run(
        [str(router_binary()), "--help"], capture_output=True, text=True, timeout=10
    )
    assert completed.returncode == 0
    for flag in ("--host", "--port", "--rawsocket-port", "--no-rawsocket", "--config",
                 "--max-message-size"):
        assert flag in completed.stdout


async def test_sigterm_stops_the_router_promptly():
    router = start_router()
    try:
        async with joined(router, WS_JSON) as session:
            router.process.terminate()
            # Open sessions are closed, then the process exits.
            await within(asyncio.shield(session.disconnected))
        assert router.process.wait(5) is not None
        assert "panicked" not in router.stderr()
    finally:
        router.stop()


def test_http_root_page_points_to_the_websocket_endpoint(router):
    with urllib.request.urlopen(f"http://{router.host}:{router.ws_port}/", timeout=5) as page:
        assert page.status == 200
        assert router.ws_url in page.read().decode()


def test_http_unknown_path_is_not_found(router):
    with pytest.raises(urllib.error.HTTPError) as raised:
        urllib.request.urlopen(f"http://{router.host}:{router.ws_port}/nope", timeout=5)
    assert raised.value.code == 404
