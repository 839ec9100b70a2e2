"""The router's message trace (``dev_router.trace.*``) through autobahn-python: filtered
batches on ``dev_router.trace.on_message``, the history, the trace's own traffic kept out,
and secrets redacted.

The router is shared with other tests, so every assertion looks at this test's own
sessions (filters by session ID), never at totals.
"""

from __future__ import annotations

import asyncio
import time

import pytest
from autobahn.wamp.exception import ApplicationError
from autobahn.wamp.types import PublishOptions, SubscribeOptions

from peers import joined, within
from test_auth import NOT_AUTHORIZED, alice, bob

ON_MESSAGE = "dev_router.trace.on_message"
SET_FILTER = "dev_router.trace.set_filter"
HISTORY = "dev_router.trace.history"
BATCH_INTERVAL = 0.1
RECORD_KEYS = {
    "seq", "time_ms", "realm", "session", "direction", "type", "uri", "size", "serializer",
    "message",
}


class Batches:
    """A handler for ``on_message`` that queues each batch's records and dropped count, and
    when the batch arrived."""

    def __init__(self) -> None:
        self.queue: asyncio.Queue = asyncio.Queue()

    def __call__(self, records, dropped=0, details=None) -> None:
        self.queue.put_nowait((records, dropped, time.monotonic()))

    async def next(self):
        return await within(self.queue.get())

    async def records(self, count: int) -> tuple[list[dict], list[float]]:
        """At least ``count`` records, and the arrival time of each batch that brought them."""
        records, arrivals = [], []
        while len(records) < count:
            batch, dropped, arrived = await self.next()
            assert dropped == 0
            assert batch, "an empty batch without drops"
            records.extend(batch)
            arrivals.append(arrived)
        return records, arrivals


async def watch(session) -> Batches:
    batches = Batches()
    await within(session.subscribe(batches, ON_MESSAGE, options=SubscribeOptions(details=True)))
    return batches


async def start_recording(session) -> None:
    """Makes sure the router records: it does while somebody watches the trace, and for
    10 minutes after a history call."""
    assert await within(session.call(HISTORY, limit=0)) == []


def kinds(records: list[dict]) -> list[tuple[str, str]]:
    return [(record["direction"], record["type"]) for record in records]


async def test_a_watcher_gets_batches_that_pass_its_filter(router, transport, prefix):
    procedure = f"{prefix}.add"
    async with (
        joined(router, transport) as watcher,
        joined(router, transport) as callee,
        joined(router, transport) as caller,
    ):
        applied = await within(
            watcher.call(SET_FILTER, session=caller.session_id, types=["call", "RESULT"])
        )
        assert applied == {"session": caller.session_id, "types": ["CALL", "RESULT"]}
        batches = await watch(watcher)
        await within(callee.register(lambda a, b: a + b, procedure))
        for n in range(3):
            assert await within(caller.call(procedure, n, 1)) == n + 1

        records, arrivals = await batches.records(6)
        assert len(records) == 6, "only the caller's CALLs and RESULTs pass"
        assert kinds(records) == [("in", "CALL"), ("out", "RESULT")] * 3
        for earlier, later in zip(arrivals, arrivals[1:]):
            assert later - earlier >= BATCH_INTERVAL * 0.8, "batches come at most every 100 ms"
        seqs = [record["seq"] for record in records]
        assert seqs == sorted(seqs) and len(set(seqs)) == 6
        serializer = transport.id.split("-")[1]
        for n, call in enumerate(records[0::2]):
            assert set(call) == RECORD_KEYS
            assert call["session"] == caller.session_id
            assert call["realm"] == "realm1"
            assert call["uri"] == procedure
            assert call["serializer"] == serializer
            assert call["size"] > len(procedure)
            assert isinstance(call["time_ms"], float)
            assert abs(call["time_ms"] / 1000 - time.time()) < 60
            code, _request, _options, uri, args = call["message"]
            assert (code, uri, args) == (48, procedure, [n, 1])
        for n, result in enumerate(records[1::2]):
            assert result["uri"] == procedure, "a RESULT is named by its call's procedure"
            assert result["message"][0] == 50
            assert result["message"][3] == [n + 1]


async def test_history_is_oldest_first_and_filtered(router, transport, prefix):
    topic = f"{prefix}.news"
    async with joined(router, transport) as reader:
        await start_recording(reader)
        async with joined(router, transport) as publisher:
            for n in range(5):
                publisher.publish(topic, n)  # not acknowledged: nothing to await
            await within(publisher.call("wamp.session.count"))
            mine = await within(reader.call(HISTORY, session=publisher.session_id))
            assert kinds(mine) == [
                ("in", "HELLO"),
                ("out", "WELCOME"),
                *[("in", "PUBLISH")] * 5,
                ("in", "CALL"),
                ("out", "RESULT"),
            ]
            assert [record["message"][4] for record in mine[2:7]] == [[n] for n in range(5)]
            last_two = await within(
                reader.call(HISTORY, session=publisher.session_id, types=["PUBLISH"], limit=2)
            )
            assert [record["message"][4] for record in last_two] == [[3], [4]]
            by_uri = await within(reader.call(HISTORY, uri=f"{prefix}.ne", limit=10))
            assert len(by_uri) == 5 and {record["uri"] for record in by_uri} == {topic}
            assert await within(reader.call(HISTORY, session=publisher.session_id, limit=0)) == []


async def test_the_traces_own_traffic_is_not_traced(router, transport):
    async with joined(router, transport) as auditor:
        await start_recording(auditor)
        async with joined(router, transport) as watcher:
            batches = await watch(watcher)
            await within(watcher.call(SET_FILTER, types=["EVENT"]))
            await within(watcher.call(HISTORY, limit=1))
            await within(watcher.call(SET_FILTER))
            # Something to batch, so that the watcher receives EVENTs on the trace topic.
            await within(auditor.call("wamp.session.count"))
            await batches.next()
            own = await within(auditor.call(HISTORY, session=watcher.session_id))
            assert kinds(own) == [
                ("in", "HELLO"),
                ("out", "WELCOME"),
                ("in", "SUBSCRIBE"),
                ("out", "SUBSCRIBED"),
            ]


async def test_bad_filters_are_refused(router, transport):
    async with joined(router, transport) as session:
        for kwargs in ({"types": ["CALLS"]}, {"session": "me"}, {"uri": 5}, {"type": ["CALL"]}):
            with pytest.raises(ApplicationError) as raised:
                await within(session.call(SET_FILTER, **kwargs))
            assert raised.value.error == "wamp.error.invalid_argument", kwargs
        with pytest.raises(ApplicationError) as raised:
            await within(session.call(HISTORY, limit=-1))
        assert raised.value.error == "wamp.error.invalid_argument"
        with pytest.raises(ApplicationError) as raised:
            await within(session.call(HISTORY, 10))
        assert raised.value.error == "wamp.error.invalid_argument"
        with pytest.raises(ApplicationError) as raised:
            await within(session.call("dev_router.trace.everything"))
        assert raised.value.error == "wamp.error.no_such_procedure"
        with pytest.raises(ApplicationError) as raised:
            await within(session.register(lambda: 0, HISTORY))
        assert raised.value.error == "wamp.error.invalid_uri"


async def test_secrets_are_redacted_and_permissions_apply(auth_router, transport):
    watcher = await bob(auth_router, transport)
    try:
        batches = await watch(watcher)
        frontend = await alice(auth_router, transport)
        try:
            with pytest.raises(ApplicationError) as raised:
                await within(frontend.call(HISTORY))
            assert raised.value.error == NOT_AUTHORIZED
            with pytest.raises(ApplicationError) as raised:
                await within(frontend.subscribe(lambda *a, **k: None, ON_MESSAGE))
            assert raised.value.error == NOT_AUTHORIZED
            alices = await within(watcher.call(HISTORY, session=frontend.session_id))
        finally:
            await frontend.close()
        assert kinds(alices)[:4] == [
            ("in", "HELLO"),
            ("out", "CHALLENGE"),
            ("in", "AUTHENTICATE"),
            ("out", "WELCOME"),
        ]
        assert alices[2]["message"] == [5, "<redacted>", "<redacted>"]
        batched = []
        while not any(record["type"] == "AUTHENTICATE" for record in batched):
            records, _, _ = await batches.next()
            batched.extend(records)
        assert "alice-ticket" not in repr(alices) + repr(batched)
    finally:
        await watcher.close()


async def test_messages_that_carry_only_ids_are_named_by_their_uri(router, transport, prefix):
    """EVENT, INVOCATION, YIELD, RESULT and the acknowledgements carry IDs, not URIs: the
    trace names them by their subscription's topic or registration's procedure, so that a
    URI filter shows a whole exchange, and still does once the subscription is gone."""
    procedure, topic = f"{prefix}.add", f"{prefix}.news"
    async with (
        joined(router, transport) as reader,
        joined(router, transport) as callee,
        joined(router, transport) as peer,
    ):
        await start_recording(reader)
        registration = await within(callee.register(lambda a, b: a + b, procedure))
        assert await within(peer.call(procedure, 2, 3)) == 5
        await within(registration.unregister())
        received = asyncio.Queue()
        subscription = await within(callee.subscribe(received.put_nowait, topic))
        await within(peer.publish(topic, "hello", options=PublishOptions(acknowledge=True)))
        assert await within(received.get()) == "hello"
        await within(subscription.unsubscribe())

        flow = await within(reader.call(HISTORY, uri=procedure, limit=20))
        assert kinds(flow) == [
            ("in", "REGISTER"),
            ("out", "REGISTERED"),
            ("in", "CALL"),
            ("out", "INVOCATION"),
            ("in", "YIELD"),
            ("out", "RESULT"),
            ("in", "UNREGISTER"),
        ]
        assert {record["uri"] for record in flow} == {procedure}
        news = await within(reader.call(HISTORY, uri=topic, limit=20))
        assert kinds(news) == [
            ("in", "SUBSCRIBE"),
            ("out", "SUBSCRIBED"),
            ("in", "PUBLISH"),
            ("out", "EVENT"),
            ("in", "UNSUBSCRIBE"),
        ]
        assert {record["uri"] for record in news} == {topic}
