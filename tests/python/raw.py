"""Hand-made WAMP peers for sending what no well-behaved client library sends.

Two framings share one interface (``send_message``, ``send_payload``, ``receive_message``,
``expect_abort``, ``expect_closed``): WebSocket through the ``websockets`` package, and
RawSocket over a plain TCP stream (length-prefixed frames, see the spec's RawSocket
transport section). Payloads are JSON, MessagePack or CBOR.
"""

from __future__ import annotations

import asyncio
import json
import struct
from dataclasses import dataclass
from typing import Any

import cbor2
import msgpack
from websockets.asyncio.client import ClientConnection
from websockets.asyncio.client import connect as ws_connect
from websockets.exceptions import ConnectionClosed

from router import Router

TIMEOUT = 5.0

# Message codes (spec: basic profile, "Message Codes and Direction").
HELLO, WELCOME, ABORT, GOODBYE, ERROR = 1, 2, 3, 6, 8
PUBLISH, SUBSCRIBE, SUBSCRIBED, UNSUBSCRIBE, UNSUBSCRIBED = 16, 32, 33, 34, 35
CALL, REGISTER, REGISTERED, UNREGISTER, UNREGISTERED = 48, 64, 65, 66, 67
ROLES = {"roles": {"caller": {}, "callee": {}, "publisher": {}, "subscriber": {}}}
RAWSOCKET_MAGIC = 0x7F
RAWSOCKET_SERIALIZERS = {"json": 1, "msgpack": 2, "cbor": 3}


def hello(realm: str = "realm1") -> list:
    return [HELLO, realm, ROLES]


def encode(serializer: str, message: Any) -> bytes:
    if serializer == "json":
        return json.dumps(message).encode()
    if serializer == "msgpack":
        return msgpack.packb(message, use_bin_type=True)
    if serializer == "cbor":
        return cbor2.dumps(message)
    raise ValueError(serializer)


def decode(serializer: str, payload: bytes | str) -> Any:
    if serializer == "json":
        return json.loads(payload)
    if serializer == "msgpack":
        return msgpack.unpackb(payload, raw=False)
    if serializer == "cbor":
        return cbor2.loads(payload)
    raise ValueError(serializer)


class RawPeer:
    serializer: str

    async def send_payload(self, payload: bytes) -> None:
        raise NotImplementedError

    async def receive_payload(self) -> bytes | str:
        """The next payload; raises EOFError when the router closed the connection."""
        raise NotImplementedError

    async def close(self) -> None:
        raise NotImplementedError

    async def send_message(self, message: Any) -> None:
        await self.send_payload(encode(self.serializer, message))

    async def receive_message(self) -> list:
        payload = await asyncio.wait_for(self.receive_payload(), TIMEOUT)
        return decode(self.serializer, payload)

    async def join(self, realm: str = "realm1") -> list:
        """HELLO, and the WELCOME that must answer it."""
        await self.send_message(hello(realm))
        welcome = await self.receive_message()
        assert welcome[0] == WELCOME, f"expected WELCOME, got {welcome!r}"
        return welcome

    async def expect_closed(self) -> list[Any]:
        """Reads until the router closes the connection; returns what came before."""
        received = []

        async def until_closed() -> None:
            while True:
                try:
                    payload = await self.receive_payload()
                except EOFError:
                    return
                received.append(decode(self.serializer, payload))

        try:
            await asyncio.wait_for(until_closed(), TIMEOUT)
        except TimeoutError:
            raise AssertionError(
                f"router did not close the connection within {TIMEOUT}s "
                f"(received {received!r})"
            ) from None
        return received

    async def expect_abort(self, reason: str) -> list:
        """The router must answer with ABORT ``reason`` and then close the connection."""
        try:
            message = await self.receive_message()
        except EOFError:
            raise AssertionError(
                f"router closed the connection without sending ABORT {reason}"
            ) from None
        except TimeoutError:
            raise AssertionError(f"no answer within {TIMEOUT}s (expected ABORT {reason})") from None
        assert message[0] == ABORT, f"expected ABORT {reason}, got {message!r}"
        assert isinstance(message[1], dict), f"ABORT.Details must be a dict: {message!r}"
        assert message[2] == reason, f"expected ABORT {reason}, got {message!r}"
        after = await self.expect_closed()
        assert after == [], f"router sent more after ABORT: {after!r}"
        return message


class RawWebSocket(RawPeer):
    """A WebSocket connection to ``/ws`` with one WAMP subprotocol."""

    def __init__(self, connection: ClientConnection, serializer: str):
        self.connection = connection
        self.serializer = serializer

    @classmethod
    async def open(cls, router: Router, serializer: str = "json") -> "RawWebSocket":
        connection = await ws_connect(
            router.ws_url,
            subprotocols=[f"wamp.2.{serializer}"],
            open_timeout=TIMEOUT,
            close_timeout=1,
            max_size=None,
            ping_interval=None,
        )
        assert connection.subprotocol == f"wamp.2.{serializer}"
        return cls(connection, serializer)

    async def send_payload(self, payload: bytes) -> None:
        # JSON travels in text frames, binary serializers in binary frames.
        if self.serializer == "json":
            await self.connection.send(payload.decode("utf-8", errors="surrogateescape"))
        else:
            await self.connection.send(payload)

    async def receive_payload(self) -> bytes | str:
        try:
            return await self.connection.recv()
        except ConnectionClosed:
            raise EOFError from None

    async def close(self) -> None:
        await self.connection.close()


@dataclass
class RawSocketReply:
    """The router's 4-octet RawSocket handshake reply."""

    octets: bytes

    @property
    def is_error(self) -> bool:
        return self.octets[1] & 0x0F == 0

    @property
    def error_code(self) -> int:
        return self.octets[1] >> 4

    @property
    def serializer(self) -> int:
        return self.octets[1] & 0x0F

    @property
    def max_length(self) -> int:
        """The largest message the router accepts from us."""
        return 2 ** ((self.octets[1] >> 4) + 9)


class RawSocket(RawPeer):
    """A TCP connection speaking WAMP-over-RawSocket."""

    def __init__(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter):
        self.reader = reader
        self.writer = writer
        self.serializer = "json"
        self.reply: RawSocketReply | None = None

    @classmethod
    async def connect(cls, router: Router) -> "RawSocket":
        reader, writer = await asyncio.wait_for(
            asyncio.open_connection(router.host, router.rs_port), TIMEOUT
        )
        return cls(reader, writer)

    @classmethod
    async def open(cls, router: Router, serializer: str = "json") -> "RawSocket":
        """Connects and completes the handshake (we accept up to 16 MiB)."""
        peer = await cls.connect(router)
        serializer_id = RAWSOCKET_SERIALIZERS[serializer]
        reply = await peer.handshake(bytes([RAWSOCKET_MAGIC, 0xF0 | serializer_id, 0, 0]))
        assert not reply.is_error, f"handshake refused: {reply.octets.hex()}"
        assert reply.serializer == serializer_id
        peer.serializer = serializer
        return peer

    async def handshake(self, request: bytes) -> RawSocketReply:
        self.writer.write(request)
        await self.writer.drain()
        try:
            octets = await asyncio.wait_for(self.reader.readexactly(4), TIMEOUT)
        except asyncio.IncompleteReadError as error:
            raise EOFError(f"closed during the handshake after {error.partial!r}") from None
        assert octets[0] == RAWSOCKET_MAGIC, f"bad handshake reply {octets.hex()}"
        assert octets[2:] == b"\0\0", f"reserved octets not zero: {octets.hex()}"
        self.reply = RawSocketReply(octets)
        return self.reply

    async def send_frame(self, frame_type: int, payload: bytes) -> None:
        self.writer.write(struct.pack(">I", (frame_type << 24) | len(payload)) + payload)
        await self.writer.drain()

    async def send_payload(self, payload: bytes) -> None:
        await self.send_frame(0, payload)

    async def receive_payload(self) -> bytes:
        while True:
            try:
                header = await self.reader.readexactly(4)
                frame_type, length = header[0] & 0x07, int.from_bytes(header[1:], "big")
                payload = await self.reader.readexactly(length)
            except (asyncio.IncompleteReadError, ConnectionResetError):
                raise EOFError from None
            if frame_type == 0:
                return payload
            if frame_type == 1:  # PING: answer with a PONG echoing the payload
                await self.send_frame(2, payload)

    async def read_until_closed(self) -> bytes:
        """Every octet the router sends until it closes the connection."""

        async def read_all() -> bytes:
            data = b""
            while True:
                try:
                    chunk = await self.reader.read(65536)
                except ConnectionResetError:
                    return data
                if not chunk:
                    return data
                data += chunk

        try:
            return await asyncio.wait_for(read_all(), TIMEOUT)
        except TimeoutError:
            raise AssertionError(
                f"router did not close the connection within {TIMEOUT}s"
            ) from None

    async def close(self) -> None:
        self.writer.close()
        try:
            await asyncio.wait_for(self.writer.wait_closed(), TIMEOUT)
        except (ConnectionError, TimeoutError):
            pass


async def open_raw(router: Router, kind: str, serializer: str = "json") -> RawPeer:
    if kind == "ws":
        return await RawWebSocket.open(router, serializer)
    return await RawSocket.open(router, serializer)
