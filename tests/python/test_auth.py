"""Authentication and authorization with autobahn-python, against
``dev-router --config dev-router/examples/auth.toml`` (the ``auth_router`` fixture).

realm1 admits principals only: alice (ticket, role frontend), bob (WAMP-CRA, backend),
carol (salted WAMP-CRA, backend), dave and erin (cryptosign, frontend and backend). Realm
``public`` admits anonymous sessions as ``guest``. See that file for the permissions.
"""

from __future__ import annotations

import asyncio

import pytest
import txaio

# peers selects txaio's asyncio flavour, which autobahn needs before its imports.
from peers import TIMEOUT, WS_JSON, JoinRefused, PeerSession, Transport, within

from autobahn.asyncio.rawsocket import WampRawSocketClientFactory  # noqa: E402
from autobahn.asyncio.websocket import WampWebSocketClientFactory  # noqa: E402
from autobahn.wamp import auth  # noqa: E402
from autobahn.wamp.cryptosign import CryptosignKey  # noqa: E402
from autobahn.wamp.exception import ApplicationError  # noqa: E402
from autobahn.wamp.types import ComponentConfig, PublishOptions, SubscribeOptions  # noqa: E402

NOT_AUTHORIZED = "wamp.error.not_authorized"
NO_AUTH_METHOD = "wamp.error.no_auth_method"
REFUSED = "authentication failed: these credentials are not valid on this realm"

DAVE_SEED = bytes.fromhex("d4" * 32)
ERIN_SEED = bytes.fromhex("5eed" * 16)
STRANGER_SEED = bytes.fromhex("01" * 32)

class AuthSession(PeerSession):
    """A peer that joins with ``authmethods``, ``authid`` and ``authextra``, and answers the
    CHALLENGE with ``respond(challenge)``."""

    def __init__(self, config, authmethods, authid=None, authextra=None, respond=None):
        super().__init__(config)
        self._authmethods = authmethods
        self._authid = authid
        self._authextra = authextra
        self._respond = respond

    def onConnect(self):
        self.join(
            self.config.realm,
            authmethods=self._authmethods,
            authid=self._authid,
            authextra=self._authextra,
        )

    def onChallenge(self, challenge):
        if self._respond is None:
            raise RuntimeError(f"unexpected challenge {challenge.method}")
        return self._respond(challenge)


def ticket(value: str):
    return lambda challenge: value


def wampcra(secret: str):
    """Answers plain and salted WAMP-CRA challenges as autobahn's documentation shows."""

    def respond(challenge):
        assert challenge.method == "wampcra"
        key = secret.encode()
        if "salt" in challenge.extra:
            key = auth.derive_key(
                secret,
                challenge.extra["salt"],
                challenge.extra["iterations"],
                challenge.extra["keylen"],
            )
        return auth.compute_wcs(key, challenge.extra["challenge"]).decode("ascii")

    return respond


async def connect(
    router,
    transport: Transport,
    realm: str,
    authmethods: list[str] | None,
    authid: str | None = None,
    authextra: dict | None = None,
    respond=None,
) -> AuthSession:
    """Connects and joins; raises JoinRefused if the router answers with ABORT."""
    loop = asyncio.get_running_loop()
    txaio.config.loop = loop
    session = AuthSession(ComponentConfig(realm=realm), authmethods, authid, authextra, respond)
    if transport.kind == "ws":
        factory = WampWebSocketClientFactory(
            lambda: session, url=router.ws_url, serializers=[transport.serializer()]
        )
        factory.setProtocolOptions(openHandshakeTimeout=TIMEOUT, closeHandshakeTimeout=1.0)
        port = router.ws_port
    else:
        factory = WampRawSocketClientFactory(lambda: session, serializer=transport.serializer())
        port = router.rs_port
    await within(loop.create_connection(factory, router.host, port))
    try:
        await within(asyncio.shield(session.joined))
    except BaseException:
        if session.is_connected():
            session.disconnect()
        raise
    return session


async def alice(router, transport=WS_JSON) -> AuthSession:
    respond = ticket("alice-ticket")
    return await connect(router, transport, "realm1", ["ticket"], "alice", respond=respond)


async def bob(router, transport=WS_JSON) -> AuthSession:
    respond = wampcra("bob-secret")
    return await connect(router, transport, "realm1", ["wampcra"], "bob", respond=respond)


def cryptosign(seed: bytes):
    key = CryptosignKey.from_bytes(seed)
    return {"pubkey": key.public_key()}, key.sign_challenge


async def joined_details(session: AuthSession):
    details = await session.joined
    return details.authid, details.authrole, details.authmethod, details.authprovider


# --- Authentication ----------------------------------------------------------------------


async def test_ticket(auth_router, transport):
    session = await alice(auth_router, transport)
    try:
        assert await joined_details(session) == ("alice", "frontend", "ticket", "static")
    finally:
        await session.close()


async def test_wampcra(auth_router, transport):
    session = await bob(auth_router, transport)
    try:
        assert await joined_details(session) == ("bob", "backend", "wampcra", "static")
    finally:
        await session.close()


async def test_wampcra_salted(auth_router, transport):
    session = await connect(
        auth_router, transport, "realm1", ["wampcra"], "carol", respond=wampcra("carol-secret")
    )
    try:
        assert await joined_details(session) == ("carol", "backend", "wampcra", "static")
    finally:
        await session.close()


async def test_cryptosign(auth_router, transport):
    authextra, respond = cryptosign(DAVE_SEED)
    session = await connect(
        auth_router, transport, "realm1", ["cryptosign"], "dave", authextra, respond
    )
    try:
        assert await joined_details(session) == ("dave", "frontend", "cryptosign", "static")
    finally:
        await session.close()


async def test_cryptosign_finds_the_principal_by_key(auth_router):
    authextra, respond = cryptosign(ERIN_SEED)
    session = await connect(
        auth_router, WS_JSON, "realm1", ["cryptosign"], None, authextra, respond
    )
    try:
        assert await joined_details(session) == ("erin", "backend", "cryptosign", "static")
    finally:
        await session.close()


async def test_the_clients_preference_order_decides(auth_router):
    methods = ["anonymous", "wampcra", "ticket"]
    respond = wampcra("bob-secret")
    session = await connect(auth_router, WS_JSON, "realm1", methods, "bob", respond=respond)
    try:
        assert (await joined_details(session))[2] == "wampcra"
    finally:
        await session.close()


def unsalted(secret: str):
    """Signs a salted challenge with the bare secret, as a client that ignores the salt."""
    return lambda c: auth.compute_wcs(secret.encode(), c.extra["challenge"]).decode("ascii")


def wrong_credentials():
    def case(method, authid, authextra, respond, id):
        return pytest.param([method], authid, authextra, respond, id=id)

    cases = [
        case("ticket", "alice", None, ticket("alice-ticket!"), "ticket-wrong"),
        case("ticket", "mallory", None, ticket("alice-ticket"), "ticket-unknown-authid"),
        case("ticket", "bob", None, ticket("bob-secret"), "ticket-principal-without-ticket"),
        case("wampcra", "bob", None, wampcra("Bob-secret"), "wampcra-wrong"),
        case("wampcra", "mallory", None, wampcra("bob-secret"), "wampcra-unknown-authid"),
        case("wampcra", "carol", None, unsalted("carol-secret"), "wampcra-salt-ignored"),
    ]
    erin_extra, erin_sign = cryptosign(ERIN_SEED)
    stranger_extra, stranger_sign = cryptosign(STRANGER_SEED)
    dave_extra, _ = cryptosign(DAVE_SEED)
    return cases + [
        case("cryptosign", "dave", erin_extra, erin_sign, "cryptosign-others-key"),
        case("cryptosign", None, stranger_extra, stranger_sign, "cryptosign-unknown-key"),
        case("cryptosign", "dave", dave_extra, erin_sign, "cryptosign-forged-signature"),
    ]


@pytest.mark.parametrize("authmethods, authid, authextra, respond", wrong_credentials())
async def test_wrong_credentials_are_refused_alike(
    auth_router, authmethods, authid, authextra, respond
):
    with pytest.raises(JoinRefused) as refused:
        await connect(auth_router, WS_JSON, "realm1", authmethods, authid, authextra, respond)
    # One reason and one message, whatever was wrong.
    assert refused.value.reason == NOT_AUTHORIZED
    assert refused.value.message == REFUSED


@pytest.mark.parametrize("authmethods", [None, ["anonymous"], ["scram"]])
async def test_anonymous_and_unknown_methods_are_refused_on_realm1(auth_router, authmethods):
    with pytest.raises(JoinRefused) as refused:
        await connect(auth_router, WS_JSON, "realm1", authmethods)
    assert refused.value.reason == NO_AUTH_METHOD


async def test_anonymous_joins_public_as_guest(auth_router, transport):
    session = await connect(auth_router, transport, "public", None)
    try:
        authid, authrole, authmethod, _ = await joined_details(session)
        assert (authrole, authmethod) == ("guest", "anonymous")
        assert authid.startswith("anonymous-")
    finally:
        await session.close()


async def test_the_router_keeps_serving_after_refusals(auth_router):
    for _ in range(3):
        with pytest.raises(JoinRefused):
            await connect(
                auth_router, WS_JSON, "realm1", ["ticket"], "alice", respond=ticket("x")
            )
    session = await alice(auth_router)
    await session.close()


# --- Authorization -----------------------------------------------------------------------


async def assert_denied(awaitable, error: str = NOT_AUTHORIZED):
    with pytest.raises(ApplicationError) as denied:
        await within(awaitable)
    assert denied.value.error == error
    assert denied.value.args, "the ERROR explains itself"


async def test_register_is_denied(auth_router, transport):
    session = await alice(auth_router, transport)
    try:
        await assert_denied(session.register(lambda: None, "com.example.add"))
    finally:
        await session.close()


async def test_call_is_denied(auth_router, transport):
    session = await alice(auth_router, transport)
    try:
        await assert_denied(session.call("com.example.private.data"))
        await assert_denied(session.call("net.example.outside"))
        # The meta API is a URI like any other: frontends may not use it.
        await assert_denied(session.call("wamp.session.count"))
    finally:
        await session.close()


async def test_subscribe_is_denied(auth_router, transport):
    session = await alice(auth_router, transport)
    try:
        await assert_denied(session.subscribe(lambda: None, "com.example.private.feed"))
        await assert_denied(
            session.subscribe(
                lambda: None, "com.example.private.", options=SubscribeOptions(match="prefix")
            )
        )
    finally:
        await session.close()


async def test_publish_is_denied(auth_router, transport):
    session = await alice(auth_router, transport)
    try:
        await assert_denied(
            session.publish("com.example.private.feed", options=PublishOptions(acknowledge=True))
        )
    finally:
        await session.close()


# autobahn-python no longer sends `disclose_me` (CallOptions and PublishOptions lost it), so
# the refusal of an undisclosable disclose_me is tested in dev-router/tests/auth.rs.


async def test_permitted_actions_route(auth_router, transport):
    backend = await bob(auth_router, transport)
    frontend = await alice(auth_router, transport)
    try:
        received = asyncio.get_running_loop().create_future()
        await within(backend.register(lambda a, b: a + b, "com.example.add"))
        await within(frontend.subscribe(lambda x: received.set_result(x), "com.example.news"))
        assert await within(frontend.call("com.example.add", 2, 3)) == 5
        await within(
            backend.publish(
                "com.example.news", "hi", options=PublishOptions(acknowledge=True)
            )
        )
        assert await within(received) == "hi"
        # Backends may use the meta API: whatever the answer, it is not a refusal.
        try:
            await within(backend.call("wamp.session.count"))
        except ApplicationError as error:
            assert error.error != NOT_AUTHORIZED
    finally:
        await frontend.close()
        await backend.close()
