"""What no client library sends: the router must answer per the spec, close only that
connection, and keep serving everyone else.

Each case ends with ``assert_router_serves``: a fresh pair of autobahn sessions still
registers and calls on the same router.
"""

from __future__ import annotations

import pytest
from websockets.asyncio.client import connect as ws_connect
from websockets.exceptions import InvalidStatus

from conftest import SMALL_MAX_MESSAGE_SIZE
from peers import assert_router_serves, within
from raw import (
    CALL,
    ERROR,
    GOODBYE,
    HELLO,
    PUBLISH,
    RAWSOCKET_MAGIC,
    REGISTER,
    REGISTERED,
    SUBSCRIBE,
    SUBSCRIBED,
    UNREGISTER,
    UNREGISTERED,
    UNSUBSCRIBE,
    UNSUBSCRIBED,
    TIMEOUT,
    RawSocket,
    RawWebSocket,
    encode,
    hello,
    open_raw,
)

PROTOCOL_VIOLATION = "wamp.error.protocol_violation"

RAW_KINDS = ["ws", "rs"]


@pytest.fixture(params=RAW_KINDS, ids=lambda kind: f"raw-{kind}-json")
def kind(request):
    return request.param


# Whether to join first, then what to send: a message to encode as JSON, or raw bytes.
# Requests in a session use id 1, the first of its sequence, so that only the named
# fault is wrong.
PROTOCOL_VIOLATIONS = [
    pytest.param(False, b'[1, "realm1", {', id="malformed_json_first"),
    pytest.param(True, b'[48, 7, {}, "com.example.x"', id="malformed_json_in_session"),
    pytest.param(False, {"hello": "realm1"}, id="not_a_list"),
    pytest.param(True, [], id="empty_list"),
    pytest.param(False, [99], id="unknown_message_code_first"),
    pytest.param(True, [99, 1, {}], id="unknown_message_code_in_session"),
    pytest.param(True, ["48", 1, {}, "com.example.x"], id="message_code_not_an_integer"),
    pytest.param(False, [CALL, 1, {}, "com.example.x"], id="call_before_hello"),
    pytest.param(False, [SUBSCRIBE, 1, {}, "com.example.x"], id="subscribe_before_hello"),
    pytest.param(True, hello(), id="second_hello"),
    pytest.param(False, [HELLO, 123, {}], id="hello_with_integer_realm"),
    pytest.param(False, [HELLO, "realm1"], id="hello_without_details"),
    pytest.param(True, [CALL, "seven", {}, "com.example.x"], id="call_with_string_request_id"),
    pytest.param(True, [CALL, 0, {}, "com.example.x"], id="call_with_request_id_zero"),
    pytest.param(
        True, [CALL, 2**53 + 1, {}, "com.example.x"], id="call_with_request_id_above_2_53"
    ),
    pytest.param(True, [CALL, 1, [], "com.example.x"], id="call_with_list_options"),
    pytest.param(True, [CALL, 1, {}, 42], id="call_with_integer_procedure"),
    pytest.param(True, [CALL, 1, {}, "com.example.x", {"a": 1}], id="call_with_dict_arguments"),
    pytest.param(True, [2, 1, {}], id="welcome_from_a_client"),
]


@pytest.mark.parametrize("join_first,payload", PROTOCOL_VIOLATIONS)
async def test_protocol_violation_aborts_the_session(router, kind, join_first, payload):
    peer = await open_raw(router, kind)
    try:
        if join_first:
            await peer.join()
        if isinstance(payload, bytes):
            await peer.send_payload(payload)
        else:
            await peer.send_message(payload)
        await peer.expect_abort(PROTOCOL_VIOLATION)
    finally:
        await peer.close()
    await assert_router_serves(router)


@pytest.mark.parametrize(
    "kind,serializer,garbage",
    [
        # 0xc1 is the one octet MessagePack never uses.
        pytest.param("ws", "msgpack", b"\xc1", id="ws-msgpack-c1"),
        # An array announced with 3 elements that has 1.
        pytest.param("ws", "msgpack", b"\x93\x01", id="ws-msgpack-truncated"),
        # A lone CBOR "break".
        pytest.param("ws", "cbor", b"\xff", id="ws-cbor-break"),
        pytest.param("ws", "cbor", b"\x83\x01", id="ws-cbor-truncated"),
        pytest.param("rs", "msgpack", b"\xc1", id="rs-msgpack-c1"),
        pytest.param("rs", "cbor", b"\xff", id="rs-cbor-break"),
    ],
)
async def test_malformed_binary_frame_aborts_the_session(router, kind, serializer, garbage):
    peer = await open_raw(router, kind, serializer)
    try:
        await peer.join()
        await peer.send_payload(garbage)
        await peer.expect_abort(PROTOCOL_VIOLATION)
    finally:
        await peer.close()
    await assert_router_serves(router)


async def test_hello_to_unknown_realm_aborts_with_no_such_realm(router, kind):
    peer = await open_raw(router, kind)
    try:
        await peer.send_message(hello("com.example.no.such.realm"))
        await peer.expect_abort("wamp.error.no_such_realm")
    finally:
        await peer.close()
    await assert_router_serves(router)


async def test_oversized_message_aborts_the_session(small_router, kind):
    peer = await open_raw(small_router, kind)
    try:
        await peer.join()
        # A message that fits is fine...
        await peer.send_message([CALL, 1, {}, "com.example.nobody", ["x" * 1000]])
        reply = await peer.receive_message()
        assert reply[:5] == [ERROR, CALL, 1, {}, "wamp.error.no_such_procedure"]
        # ...one over the limit is not.
        big = encode("json", [CALL, 2, {}, "com.example.nobody", ["x" * SMALL_MAX_MESSAGE_SIZE]])
        assert len(big) > SMALL_MAX_MESSAGE_SIZE
        await peer.send_payload(big)
        if kind == "rs":
            # RawSocket: the spec says "fail the connection"; an ABORT first is allowed.
            received = await peer.expect_closed()
            assert received in ([], [[3, received[0][1], PROTOCOL_VIOLATION]]), received
        else:
            await peer.expect_abort(PROTOCOL_VIOLATION)
    finally:
        await peer.close()
    await assert_router_serves(small_router)


async def test_rawsocket_handshake_announces_the_size_limit(small_router):
    peer = await RawSocket.connect(small_router)
    try:
        reply = await peer.handshake(bytes([RAWSOCKET_MAGIC, 0xF1, 0, 0]))
        assert not reply.is_error
        assert reply.max_length <= SMALL_MAX_MESSAGE_SIZE
    finally:
        await peer.close()


# Invalid URIs in a joined session: the request fails with ERROR invalid_uri and the
# session goes on. (Request ids count up from 1 in each session, as the spec asks.)
INVALID_URIS = [
    "com..bad",
    "com.example.has space",
    "com.example.hash#tag",
    ".com.example",
    "com.example.",
    "",
]
REQUESTS = {"call": CALL, "register": REGISTER, "subscribe": SUBSCRIBE, "publish": PUBLISH}


@pytest.mark.parametrize("uri", INVALID_URIS, ids=repr)
@pytest.mark.parametrize("request_type", REQUESTS.values(), ids=REQUESTS.keys())
async def test_invalid_uri_fails_the_request(router, kind, request_type, uri):
    peer = await open_raw(router, kind)
    try:
        await peer.join()
        options = {"acknowledge": True} if request_type == PUBLISH else {}
        await peer.send_message([request_type, 1, options, uri])
        reply = await peer.receive_message()
        assert reply[:5] == [ERROR, request_type, 1, reply[3], "wamp.error.invalid_uri"], reply
        assert isinstance(reply[3], dict)
        # The session survives: the next request is answered.
        await peer.send_message([CALL, 2, {}, "com.example.nobody.home"])
        reply = await peer.receive_message()
        assert reply[:5] == [ERROR, CALL, 2, reply[3], "wamp.error.no_such_procedure"], reply
    finally:
        await peer.close()


async def test_unsubscribe_twice_fails_with_no_such_subscription(router, kind, prefix):
    peer = await open_raw(router, kind)
    try:
        await peer.join()
        await peer.send_message([SUBSCRIBE, 1, {}, f"{prefix}.topic"])
        subscribed = await peer.receive_message()
        assert subscribed[:2] == [SUBSCRIBED, 1], subscribed
        subscription = subscribed[2]
        await peer.send_message([UNSUBSCRIBE, 2, subscription])
        assert await peer.receive_message() == [UNSUBSCRIBED, 2]
        await peer.send_message([UNSUBSCRIBE, 3, subscription])
        reply = await peer.receive_message()
        assert reply[:5] == [ERROR, UNSUBSCRIBE, 3, reply[3], "wamp.error.no_such_subscription"]
        # An id that was never handed out fails the same way.
        await peer.send_message([UNSUBSCRIBE, 4, 424242])
        reply = await peer.receive_message()
        assert reply[:5] == [ERROR, UNSUBSCRIBE, 4, reply[3], "wamp.error.no_such_subscription"]
    finally:
        await peer.close()


async def test_unregister_twice_fails_with_no_such_registration(router, kind, prefix):
    peer = await open_raw(router, kind)
    try:
        await peer.join()
        await peer.send_message([REGISTER, 1, {}, f"{prefix}.procedure"])
        registered = await peer.receive_message()
        assert registered[:2] == [REGISTERED, 1], registered
        registration = registered[2]
        await peer.send_message([UNREGISTER, 2, registration])
        assert await peer.receive_message() == [UNREGISTERED, 2]
        await peer.send_message([UNREGISTER, 3, registration])
        reply = await peer.receive_message()
        assert reply[:5] == [ERROR, UNREGISTER, 3, reply[3], "wamp.error.no_such_registration"]
        await peer.send_message([UNREGISTER, 4, 424242])
        reply = await peer.receive_message()
        assert reply[:5] == [ERROR, UNREGISTER, 4, reply[3], "wamp.error.no_such_registration"]
    finally:
        await peer.close()


async def test_another_sessions_registration_cannot_be_unregistered(router, kind, prefix):
    owner = await open_raw(router, kind)
    other = await open_raw(router, kind)
    try:
        await owner.join()
        await other.join()
        await owner.send_message([REGISTER, 1, {}, f"{prefix}.mine"])
        registration = (await owner.receive_message())[2]
        await other.send_message([UNREGISTER, 1, registration])
        reply = await other.receive_message()
        assert reply[:5] == [ERROR, UNREGISTER, 1, reply[3], "wamp.error.no_such_registration"]
    finally:
        await owner.close()
        await other.close()


async def test_goodbye_is_answered_with_goodbye(router, kind):
    peer = await open_raw(router, kind)
    try:
        await peer.join()
        await peer.send_message([GOODBYE, {}, "wamp.close.close_realm"])
        reply = await peer.receive_message()
        assert reply[0] == GOODBYE and reply[2] == "wamp.close.goodbye_and_out", reply
    finally:
        await peer.close()


# --- transport-level refusals ---------------------------------------------------------


@pytest.mark.parametrize(
    "subprotocols",
    [
        pytest.param(None, id="none"),
        pytest.param(["wamp.2.unknown"], id="unknown-wamp"),
        pytest.param(["chat", "mqtt"], id="foreign"),
    ],
)
async def test_websocket_without_a_wamp_subprotocol_is_refused_with_400(router, subprotocols):
    with pytest.raises(InvalidStatus) as raised:
        connection = await ws_connect(
            router.ws_url, subprotocols=subprotocols, open_timeout=TIMEOUT
        )
        await connection.close()
    assert raised.value.response.status_code == 400
    await assert_router_serves(router)


async def test_websocket_picks_a_wamp_subprotocol_among_others(router):
    connection = await ws_connect(
        router.ws_url, subprotocols=["chat", "wamp.2.json"], open_timeout=TIMEOUT
    )
    try:
        assert connection.subprotocol == "wamp.2.json"
        peer = RawWebSocket(connection, "json")
        await peer.join()
    finally:
        await connection.close()


@pytest.mark.parametrize(
    "first_octets",
    [b"GET / HTTP/1.1\r\n\r\n", b"\x00\x21\x00\x00", b"\x7e\xf1\x00\x00"],
    ids=["http", "zero", "7e"],
)
async def test_rawsocket_bad_magic_octet_closes_the_connection(router, first_octets):
    peer = await RawSocket.connect(router)
    try:
        peer.writer.write(first_octets)
        await peer.writer.drain()
        data = await peer.read_until_closed()
        # Nothing that looks like an accepting handshake reply.
        assert not (len(data) >= 2 and data[0] == RAWSOCKET_MAGIC and data[1] & 0x0F), data
    finally:
        await peer.close()
    await assert_router_serves(router)


async def test_rawsocket_unsupported_serializer_gets_error_reply(router):
    peer = await RawSocket.connect(router)
    try:
        # Serializer 15 is reserved: error 1, "serializer unsupported", then close.
        reply = await peer.handshake(bytes([RAWSOCKET_MAGIC, 0xFF, 0, 0]))
        assert reply.is_error, reply.octets.hex()
        assert reply.error_code == 1, reply.octets.hex()
        assert await peer.read_until_closed() == b""
    finally:
        await peer.close()
    await assert_router_serves(router)


async def test_rawsocket_ping_is_answered_with_pong(router):
    peer = await RawSocket.open(router)
    try:
        await peer.send_frame(1, b"are you there?")
        header = await within(peer.reader.readexactly(4))
        assert header[0] & 0x07 == 2, header.hex()
        length = int.from_bytes(header[1:], "big")
        assert await within(peer.reader.readexactly(length)) == b"are you there?"
        # The connection still carries WAMP afterwards.
        await peer.join()
    finally:
        await peer.close()


async def test_rawsocket_json_session_works(router):
    peer = await RawSocket.open(router)
    try:
        welcome = await peer.join()
        assert isinstance(welcome[1], int) and 1 <= welcome[1] <= 2**53
        assert "broker" in welcome[2]["roles"] and "dealer" in welcome[2]["roles"]
    finally:
        await peer.close()

