"""Sessions of a real third-party WAMP peer, autobahn-python (asyncio), on every transport.

``joined(router, transport)`` is an async context manager that connects, joins ``realm1``
and, at exit, leaves and closes, each step under a timeout so that a silent router fails
the test instead of hanging it.
"""

from __future__ import annotations

import asyncio
import contextlib
from dataclasses import dataclass
from typing import AsyncIterator, Callable

import txaio

txaio.use_asyncio()

from autobahn.asyncio.rawsocket import WampRawSocketClientFactory  # noqa: E402
from autobahn.asyncio.wamp import ApplicationSession  # noqa: E402
from autobahn.asyncio.websocket import WampWebSocketClientFactory  # noqa: E402
from autobahn.wamp.serializer import (  # noqa: E402
    CBORSerializer,
    JsonSerializer,
    MsgPackSerializer,
)
from autobahn.wamp.types import CloseDetails, ComponentConfig, SessionDetails  # noqa: E402

from router import Router  # noqa: E402

TIMEOUT = 5.0


async def within(awaitable, timeout: float = TIMEOUT):
    """``await awaitable``, failing with TimeoutError after ``timeout`` seconds."""
    return await asyncio.wait_for(awaitable, timeout)


@dataclass(frozen=True)
class Transport:
    """One way for a peer to reach the router: WebSocket or RawSocket, and a serializer."""

    id: str
    kind: str  # "ws" or "rs"
    serializer: Callable[[], object]

    def __str__(self) -> str:
        return self.id


TRANSPORTS = [
    Transport("ws-json", "ws", JsonSerializer),
    Transport("ws-msgpack", "ws", MsgPackSerializer),
    Transport("ws-cbor", "ws", CBORSerializer),
    Transport("rs-json", "rs", JsonSerializer),
    Transport("rs-msgpack", "rs", MsgPackSerializer),
    Transport("rs-cbor", "rs", CBORSerializer),
]
WS_JSON = TRANSPORTS[0]


class JoinRefused(Exception):
    """The router answered HELLO with ABORT; ``reason`` is the ABORT's URI."""

    def __init__(self, reason: str, message: str | None):
        super().__init__(f"{reason}: {message}")
        self.reason = reason
        self.message = message


class PeerSession(ApplicationSession):
    """An autobahn session whose joining and leaving can be awaited."""

    def __init__(self, config: ComponentConfig):
        super().__init__(config)
        loop = asyncio.get_running_loop()
        self.joined: asyncio.Future[SessionDetails] = loop.create_future()
        self.left: asyncio.Future[CloseDetails] = loop.create_future()
        self.disconnected: asyncio.Future[None] = loop.create_future()

    def onJoin(self, details: SessionDetails) -> None:
        if not self.joined.done():
            self.joined.set_result(details)

    def onLeave(self, details: CloseDetails):
        if not self.joined.done():
            self.joined.set_exception(JoinRefused(details.reason, details.message))
        if not self.left.done():
            self.left.set_result(details)
        return super().onLeave(details)

    def onDisconnect(self) -> None:
        if not self.joined.done():
            self.joined.set_exception(ConnectionError("transport closed before WELCOME"))
        if not self.disconnected.done():
            self.disconnected.set_result(None)
        super().onDisconnect()

    def drop_connection(self) -> None:
        """Closes the TCP connection abruptly: no GOODBYE, no WebSocket close."""
        protocol = self._transport
        if protocol is not None:
            protocol.transport.abort()

    async def close(self) -> None:
        """Leaves the realm (GOODBYE) if still joined and waits for the disconnect."""
        if self.is_attached():
            try:
                self.leave()
            except Exception:  # the transport is already gone (a dropped connection)
                pass
            else:
                await asyncio.wait_for(asyncio.shield(self.left), TIMEOUT)
        if self.is_connected():
            self.disconnect()
        await asyncio.wait_for(asyncio.shield(self.disconnected), TIMEOUT)


async def connect(router: Router, transport: Transport, realm: str = "realm1") -> PeerSession:
    """Connects and joins; raises JoinRefused if the router answers with ABORT."""
    loop = asyncio.get_running_loop()
    txaio.config.loop = loop
    session = PeerSession(ComponentConfig(realm=realm))
    if transport.kind == "ws":
        factory = WampWebSocketClientFactory(
            lambda: session,
            url=router.ws_url,
            serializers=[transport.serializer()],
        )
        factory.setProtocolOptions(openHandshakeTimeout=TIMEOUT, closeHandshakeTimeout=1.0)
        port = router.ws_port
    else:
        factory = WampRawSocketClientFactory(lambda: session, serializer=transport.serializer())
        port = router.rs_port
    await asyncio.wait_for(loop.create_connection(factory, router.host, port), TIMEOUT)
    try:
        await asyncio.wait_for(asyncio.shield(session.joined), TIMEOUT)
    except BaseException:
        if session.is_connected():
            session.disconnect()
        raise
    return session


@contextlib.asynccontextmanager
async def joined(
    router: Router, transport: Transport, realm: str = "realm1"
) -> AsyncIterator[PeerSession]:
    """A joined session for the body of an ``async with``; closed at exit."""
    session = await connect(router, transport, realm)
    try:
        yield session
    finally:
        await session.close()


async def assert_router_serves(router: Router) -> None:
    """A fresh pair of sessions can still register and call: the router is still serving."""
    async with joined(router, WS_JSON) as callee, joined(router, WS_JSON) as caller:
        procedure = f"com.example.health.{id(callee)}"
        await asyncio.wait_for(callee.register(lambda x: x + 1, procedure), TIMEOUT)
        assert await asyncio.wait_for(caller.call(procedure, 41), TIMEOUT) == 42


def canonical(value):
    """``value`` with every scalar tagged by its type, so that comparisons are strict:
    ``True != 1``, ``1 != 1.0``, ``b"x" != "x"``; lists and tuples compare alike."""
    if isinstance(value, bool) or value is None:
        return (type(value).__name__, value)
    if isinstance(value, (int, float, str)):
        return (type(value).__name__, value)
    if isinstance(value, (bytes, bytearray)):
        return ("bytes", bytes(value))
    if isinstance(value, (list, tuple)):
        return ("list", [canonical(item) for item in value])
    if isinstance(value, dict):
        return ("dict", {key: canonical(item) for key, item in value.items()})
    raise TypeError(f"unexpected payload type {type(value)!r}")
