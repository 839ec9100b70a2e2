"""The WAMP meta API (sessions, registrations, subscriptions, testaments) through
autobahn-python: every procedure's result shape and errors, and the meta events.

The router is shared with other tests, so assertions look at this test's own sessions,
registrations and subscriptions rather than at totals.
"""

from __future__ import annotations

import asyncio

import pytest
from autobahn.wamp.exception import ApplicationError
from autobahn.wamp.types import PublishOptions, RegisterOptions, SubscribeOptions

from peers import connect, joined, within
from test_pubsub import ACK, Inbox

SESSION_KEYS = {"session", "authid", "authrole", "authmethod", "authprovider", "authextra", "transport"}


async def meta_events(session, topic: str) -> Inbox:
    inbox = Inbox()
    await within(session.subscribe(inbox, topic, options=SubscribeOptions(details=True)))
    return inbox


async def test_session_count_list_and_get(router, transport):
    async with joined(router, transport) as me, joined(router, transport) as other:
        count = await within(me.call("wamp.session.count"))
        assert isinstance(count, int) and count >= 2
        sessions = await within(me.call("wamp.session.list"))
        assert {me.session_id, other.session_id} <= set(sessions)
        assert len(sessions) == count
        anonymous = await within(me.call("wamp.session.list", ["anonymous"]))
        assert other.session_id in anonymous
        assert await within(me.call("wamp.session.list", ["no-such-role"])) == []
        assert await within(me.call("wamp.session.count", ["no-such-role"])) == 0

        details = await within(me.call("wamp.session.get", other.session_id))
        assert SESSION_KEYS <= set(details)
        assert details["session"] == other.session_id
        assert details["authid"] == other.authid
        assert details["authrole"] == "anonymous"
        assert details["authmethod"] == "anonymous"
        transport_details = details["transport"]
        assert transport_details["type"] in ("websocket", "rawsocket")
        assert transport_details["serializer"] in ("json", "msgpack", "cbor")
        counters = details["dev_router"]
        assert counters["messages_in"] >= 0 and counters["messages_out"] >= 0
        assert counters["joined"].endswith("Z")


async def test_session_meta_errors(router, transport):
    async with joined(router, transport) as me:
        with pytest.raises(ApplicationError) as raised:
            await within(me.call("wamp.session.get", 1))
        assert raised.value.error == "wamp.error.no_such_session"
        with pytest.raises(ApplicationError) as raised:
            await within(me.call("wamp.session.get", "not an id"))
        assert raised.value.error == "wamp.error.invalid_argument"
        with pytest.raises(ApplicationError) as raised:
            await within(me.call("wamp.session.kill", me.session_id))
        assert raised.value.error == "wamp.error.no_such_session", "not itself"
        with pytest.raises(ApplicationError) as raised:
            await within(me.call("wamp.session.list", "anonymous"))
        assert raised.value.error == "wamp.error.invalid_argument"


async def test_on_join_and_on_leave(router, transport):
    async with joined(router, transport) as observer:
        joins = await meta_events(observer, "wamp.session.on_join")
        leaves = await meta_events(observer, "wamp.session.on_leave")
        async with joined(router, transport) as visitor:
            visitor_id, visitor_authid = visitor.session_id, visitor.authid
            while True:
                args, _, _ = await joins.next()
                if args[0]["session"] == visitor_id:
                    break
            assert SESSION_KEYS <= set(args[0])
            assert args[0]["authid"] == visitor_authid
        while True:
            args, _, _ = await leaves.next()
            if args[0] == visitor_id:
                break
        assert args == [visitor_id, visitor_authid, "anonymous"]


async def test_kill_closes_the_session(router, transport):
    async with joined(router, transport) as killer:
        leaves = await meta_events(killer, "wamp.session.on_leave")
        victim = await within(connect(router, transport))
        victim_id = victim.session_id
        await within(killer.call("wamp.session.kill", victim_id, reason="com.example.out", message="bye"))
        details = await within(victim.left)
        assert details.reason == "com.example.out"
        assert details.message == "bye"
        await within(victim.disconnected)
        args, _, _ = await leaves.next()
        assert args[0] == victim_id
        with pytest.raises(ApplicationError) as raised:
            await within(killer.call("wamp.session.get", victim_id))
        assert raised.value.error == "wamp.error.no_such_session"


async def test_kill_with_the_default_reason_and_bad_reasons(router, transport):
    async with joined(router, transport) as killer:
        victim = await within(connect(router, transport))
        with pytest.raises(ApplicationError) as raised:
            await within(killer.call("wamp.session.kill", victim.session_id, reason="not a uri"))
        assert raised.value.error == "wamp.error.invalid_uri"
        assert victim.is_attached()
        await within(killer.call("wamp.session.kill", victim.session_id))
        details = await within(victim.left)
        assert details.reason == "wamp.close.killed"


async def test_kill_by_authid_spares_the_caller(router, transport):
    async with joined(router, transport) as killer:
        victim = await within(connect(router, transport))
        victim_id = victim.session_id
        killed = await within(killer.call("wamp.session.kill_by_authid", victim.authid))
        assert killed == [victim_id]
        await within(victim.left)
        assert await within(killer.call("wamp.session.kill_by_authid", killer.authid)) == []
        assert killer.is_attached()
        assert await within(killer.call("wamp.session.kill_by_authrole", "no-such-role")) == 0


async def test_registration_meta_procedures(router, transport, prefix):
    async with joined(router, transport) as callee, joined(router, transport) as inspector:
        exact = await within(callee.register(lambda: 1, f"{prefix}.add"))
        pattern = await within(callee.register(lambda: 2, f"{prefix}.api.", RegisterOptions(match="prefix")))
        lists = await within(inspector.call("wamp.registration.list"))
        assert set(lists) == {"exact", "prefix", "wildcard"}
        assert exact.id in lists["exact"] and pattern.id in lists["prefix"]
        mine = await within(inspector.call("wamp.registration.list", callee.session_id))
        assert mine == {"exact": [exact.id], "prefix": [pattern.id], "wildcard": []}

        assert await within(inspector.call("wamp.registration.lookup", f"{prefix}.add")) == exact.id
        assert await within(inspector.call("wamp.registration.lookup", f"{prefix}.api.", {"match": "prefix"})) == pattern.id
        assert await within(inspector.call("wamp.registration.lookup", f"{prefix}.api.")) is None
        assert await within(inspector.call("wamp.registration.match", f"{prefix}.api.users")) == pattern.id
        assert await within(inspector.call("wamp.registration.match", f"{prefix}.nothing")) is None

        await within(inspector.call(f"{prefix}.add"))
        details = await within(inspector.call("wamp.registration.get", exact.id))
        assert {k: details[k] for k in ("id", "uri", "match", "invoke")} == {
            "id": exact.id,
            "uri": f"{prefix}.add",
            "match": "exact",
            "invoke": "single",
        }
        assert details["created"].endswith("Z")
        assert details["dev_router"] == {"calls": 1}
        assert await within(inspector.call("wamp.registration.list_callees", exact.id)) == [callee.session_id]
        assert await within(inspector.call("wamp.registration.count_callees", exact.id)) == 1
        for procedure in ("get", "list_callees", "count_callees"):
            with pytest.raises(ApplicationError) as raised:
                await within(inspector.call(f"wamp.registration.{procedure}", 2**53))
            assert raised.value.error == "wamp.error.no_such_registration", procedure


async def test_registration_meta_events(router, transport, prefix):
    procedure = f"{prefix}.watched"
    async with joined(router, transport) as observer:
        inbox = Inbox()
        options = SubscribeOptions(match="prefix", details=True)
        await within(observer.subscribe(inbox, "wamp.registration.", options=options))

        async def next_for_us():
            # Other tests' registrations may come and go on the shared router.
            while True:
                args, _, details = await inbox.next()
                if details.topic.endswith("on_create") and args[1]["uri"] != procedure:
                    continue
                return details.topic.rsplit(".", 1)[1], args

        async with joined(router, transport) as callee:
            registration = await within(callee.register(lambda: 1, procedure))
            kind, args = await next_for_us()
            assert kind == "on_create"
            assert args[0] == callee.session_id
            assert {k: args[1][k] for k in ("id", "uri", "match", "invoke")} == {
                "id": registration.id,
                "uri": procedure,
                "match": "exact",
                "invoke": "single",
            }
            assert await next_for_us() == ("on_register", [callee.session_id, registration.id])
            callee_id = callee.session_id
            await within(registration.unregister())
            assert await next_for_us() == ("on_unregister", [callee_id, registration.id])
            assert await next_for_us() == ("on_delete", [callee_id, registration.id])


async def test_subscription_meta_procedures_and_events(router, transport, prefix):
    topic = f"{prefix}.watched"
    async with joined(router, transport) as observer, joined(router, transport) as subscriber:
        creates = await meta_events(observer, "wamp.subscription.on_create")
        subscription = await within(subscriber.subscribe(lambda *a: None, topic))
        while True:
            args, _, _ = await creates.next()
            if args[1]["uri"] == topic:
                break
        assert args[0] == subscriber.session_id
        assert args[1]["id"] == subscription.id and args[1]["match"] == "exact"

        lists = await within(observer.call("wamp.subscription.list"))
        assert subscription.id in lists["exact"]
        assert await within(observer.call("wamp.subscription.lookup", topic)) == subscription.id
        assert subscription.id in await within(observer.call("wamp.subscription.match", topic))
        assert await within(observer.call("wamp.subscription.match", f"{prefix}.nothing")) is None
        await within(observer.publish(topic, 1, options=ACK))
        details = await within(observer.call("wamp.subscription.get", subscription.id))
        assert {k: details[k] for k in ("id", "uri", "match")} == {"id": subscription.id, "uri": topic, "match": "exact"}
        assert details["dev_router"]["events"] >= 1
        assert await within(observer.call("wamp.subscription.list_subscribers", subscription.id)) == [subscriber.session_id]
        assert await within(observer.call("wamp.subscription.count_subscribers", subscription.id)) == 1
        with pytest.raises(ApplicationError) as raised:
            await within(observer.call("wamp.subscription.get", 2**53))
        assert raised.value.error == "wamp.error.no_such_subscription"


async def test_testament_is_published_when_the_session_is_lost(router, transport, prefix):
    topic = f"{prefix}.gone"
    async with joined(router, transport) as watcher:
        inbox = Inbox()
        await within(watcher.subscribe(inbox, topic, options=SubscribeOptions(details=True)))
        async with joined(router, transport) as mortal:
            await within(mortal.call("wamp.session.add_testament", topic, ["see you"], {"who": "mortal"}))
            await within(
                mortal.call(
                    "wamp.session.add_testament",
                    topic,
                    ["first"],
                    {},
                    scope="detached",
                )
            )
            mortal.drop_connection()
        args, kwargs, _ = await inbox.next()
        assert args == ["first"], "detached testaments first"
        args, kwargs, _ = await inbox.next()
        assert (args, kwargs) == (["see you"], {"who": "mortal"})


async def test_flushed_testaments_are_not_published(router, transport, prefix):
    topic = f"{prefix}.flushed"
    async with joined(router, transport) as watcher:
        inbox = Inbox()
        await within(watcher.subscribe(inbox, topic, options=SubscribeOptions(details=True)))
        async with joined(router, transport) as mortal:
            for _ in range(2):
                await within(mortal.call("wamp.session.add_testament", topic, ["never"], {}))
            assert await within(mortal.call("wamp.session.flush_testaments")) == 2
            assert await within(mortal.call("wamp.session.flush_testaments", scope="detached")) == 0
            with pytest.raises(ApplicationError) as raised:
                await within(mortal.call("wamp.session.flush_testaments", scope="sometime"))
            assert raised.value.error == "wamp.error.invalid_argument"
        await within(watcher.publish(topic, "marker", options=PublishOptions(acknowledge=True, exclude_me=False)))
        args, _, _ = await inbox.next()
        assert args == ["marker"]


async def test_meta_topics_are_reserved_for_the_router(router, transport):
    async with joined(router, transport) as session:
        with pytest.raises(ApplicationError) as raised:
            await within(session.publish("wamp.session.on_join", {}, options=ACK))
        assert raised.value.error == "wamp.error.invalid_uri"
        with pytest.raises(ApplicationError) as raised:
            await within(session.register(lambda: 0, "wamp.session.count"))
        assert raised.value.error == "wamp.error.invalid_uri"


async def test_session_stats_are_pushed_without_polling(router, transport, prefix):
    """``dev_router.session.on_stats``: once a second, the counters that changed (messages
    per session, calls per registration, events per subscription), the same numbers
    ``wamp.*.get`` gives."""
    procedure = f"{prefix}.add"
    async with (
        joined(router, transport) as watcher,
        joined(router, transport) as busy,
        joined(router, transport) as callee,
    ):
        registration = await within(callee.register(lambda a, b: a + b, procedure))
        inbox = await meta_events(watcher, "dev_router.session.on_stats")
        for n in range(3):
            assert await within(busy.call(procedure, n, 1)) == n + 1

        def busy_counters(kwargs):
            records = kwargs["sessions"]
            assert all(set(r) == {"session", "messages_in", "messages_out"} for r in records)
            return next(
                ((r["messages_in"], r["messages_out"]) for r in records if r["session"] == busy.session_id),
                None,
            )

        def calls(kwargs):
            return next(
                (r["calls"] for r in kwargs["registrations"] if r["registration"] == registration.id),
                None,
            )

        counters, seen_calls = None, None
        while counters != (3, 3) or seen_calls != 3:
            args, kwargs, _ = await inbox.next()
            assert args == [] and set(kwargs) == {"sessions", "registrations", "subscriptions"}
            counters = busy_counters(kwargs) or counters
            seen_calls = calls(kwargs) or seen_calls
        details = await within(watcher.call("wamp.session.get", busy.session_id))
        assert (details["dev_router"]["messages_in"], details["dev_router"]["messages_out"]) == (3, 3)
        details = await within(watcher.call("wamp.registration.get", registration.id))
        assert details["dev_router"]["calls"] == 3
        # Nothing changed since: no news of them (other tests' sessions may show up).
        await asyncio.sleep(1.2)
        while not inbox.is_empty():
            _, kwargs, _ = await inbox.next()
            assert busy_counters(kwargs) is None and calls(kwargs) is None
        with pytest.raises(ApplicationError) as raised:
            await within(busy.publish("dev_router.session.on_stats", [], options=ACK))
        assert raised.value.error == "wamp.error.invalid_uri"
