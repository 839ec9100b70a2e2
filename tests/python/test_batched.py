"""The batched WebSocket subprotocols (``wamp.2.json.batched``, ``wamp.2.msgpack.batched``,
``wamp.2.cbor.batched``: several WAMP messages per WebSocket message) with autobahn-python,
whose serializers speak them when made with ``batched=True``."""

from __future__ import annotations

import asyncio

import pytest
from autobahn.wamp.serializer import CBORSerializer, JsonSerializer, MsgPackSerializer
from autobahn.wamp.types import PublishOptions

from peers import WS_JSON, Transport, joined, within

BATCHED = [
    # autobahn separates batched JSON messages with b"\30", a Python octal escape: 0x18,
    # not the spec's 0x1E (decimal 30); the router reads either and answers in kind.
    Transport("ws-json-batched", "ws", lambda: JsonSerializer(batched=True)),
    Transport("ws-msgpack-batched", "ws", lambda: MsgPackSerializer(batched=True)),
    Transport("ws-cbor-batched", "ws", lambda: CBORSerializer(batched=True)),
]
PROTOCOLS = {
    "ws-json-batched": "wamp.2.json.batched",
    "ws-msgpack-batched": "wamp.2.msgpack.batched",
    "ws-cbor-batched": "wamp.2.cbor.batched",
}


@pytest.fixture(params=BATCHED, ids=str)
def batched(request) -> Transport:
    return request.param


async def test_the_session_reports_its_batched_subprotocol(router, batched):
    async with joined(router, batched) as session:
        details = await within(session.call("wamp.session.get", session.session_id))
        protocol = details["transport"]["protocol"]
        assert protocol.endswith(".batched")
        assert protocol == PROTOCOLS[batched.id]


async def test_calls_and_concurrent_calls(router, batched, prefix):
    async def slow_double(x):
        await asyncio.sleep(0.001 * (x % 5))
        return 2 * x

    async with joined(router, batched) as callee, joined(router, batched) as caller:
        await within(callee.register(slow_double, f"{prefix}.double"))
        assert await within(caller.call(f"{prefix}.double", 21)) == 42
        # Answers and invocations that wait together leave the router in batches.
        calls = [caller.call(f"{prefix}.double", x) for x in range(300)]
        assert await within(asyncio.gather(*calls)) == [2 * x for x in range(300)]


async def test_calls_between_batched_and_unbatched_peers(router, batched, prefix):
    async with joined(router, batched) as callee, joined(router, WS_JSON) as caller:
        await within(callee.register(lambda x, y: x + y, f"{prefix}.add"))
        results = await within(
            asyncio.gather(*(caller.call(f"{prefix}.add", x, 1) for x in range(50)))
        )
        assert results == [x + 1 for x in range(50)]


async def test_publish_with_acknowledge_reaches_subscribers(router, batched, prefix):
    topic = f"{prefix}.topic"
    async with joined(router, batched) as subscriber, joined(router, batched) as publisher:
        received: list[int] = []
        all_arrived = asyncio.get_running_loop().create_future()

        def on_event(n):
            received.append(n)
            if len(received) == 100 and not all_arrived.done():
                all_arrived.set_result(None)

        await within(subscriber.subscribe(on_event, topic))
        acknowledge = PublishOptions(acknowledge=True)
        publications = await within(
            asyncio.gather(*(publisher.publish(topic, n, options=acknowledge) for n in range(100)))
        )
        assert len({publication.id for publication in publications}) == 100
        await within(all_arrived)
        assert received == list(range(100))
