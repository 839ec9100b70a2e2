"""The advanced publish/subscribe profile with autobahn-python peers: event retention,
subscriber black- and whitelisting, publisher identification, pattern-based subscriptions.

As in test_pubsub, an event that must *not* arrive is proven absent by a marker event
published after it, which the subscriber does receive.
"""

from __future__ import annotations

from autobahn.wamp.types import PublishOptions, SubscribeOptions

from peers import WS_JSON, joined, within
from raw import RawWebSocket
from test_pubsub import ACK, Inbox, subscribe

PUBLISH, PUBLISHED = 16, 17


async def test_retained_event_is_delivered_on_subscribe(router, transport, prefix):
    topic = f"{prefix}.temperature"
    async with joined(router, transport) as publisher, joined(router, transport) as subscriber:
        await within(publisher.publish(topic, 20, options=PublishOptions(acknowledge=True, retain=True)))
        retained = await within(
            publisher.publish(topic, 21, unit="C", options=PublishOptions(acknowledge=True, retain=True))
        )
        await within(publisher.publish(topic, 22, options=ACK))  # not retained

        inbox = Inbox()
        options = SubscribeOptions(get_retained=True, details=True)
        await within(subscriber.subscribe(inbox, topic, options=options))
        args, kwargs, details = await inbox.next()
        assert (args, kwargs) == ([21], {"unit": "C"}), "the last retained one"
        assert details.retained is True
        assert details.publication == retained.id

        # A later publication arrives as usual, not marked retained.
        await within(publisher.publish(topic, 23, options=ACK))
        args, _, details = await inbox.next()
        assert args == [23]
        assert not details.retained


async def test_retained_event_needs_get_retained(router, transport, prefix):
    topic = f"{prefix}.status"
    async with joined(router, transport) as publisher, joined(router, transport) as subscriber:
        await within(publisher.publish(topic, "old", options=PublishOptions(acknowledge=True, retain=True)))
        inbox, _ = await subscribe(subscriber, topic)
        await within(publisher.publish(topic, "marker", options=ACK))
        args, _, _ = await inbox.next()
        assert args == ["marker"], "the retained event was not asked for"


async def test_pattern_subscription_gets_matching_retained_events(router, transport, prefix):
    async with joined(router, transport) as publisher, joined(router, transport) as subscriber:
        for room in ("kitchen", "hall"):
            options = PublishOptions(acknowledge=True, retain=True)
            await within(publisher.publish(f"{prefix}.sensor.{room}", room, options=options))
        inbox = Inbox()
        options = SubscribeOptions(match="prefix", get_retained=True, details=True)
        await within(subscriber.subscribe(inbox, f"{prefix}.sensor.", options=options))
        received = {}
        for _ in range(2):
            args, _, details = await inbox.next()
            assert details.retained is True
            received[details.topic] = args
        assert received == {f"{prefix}.sensor.hall": ["hall"], f"{prefix}.sensor.kitchen": ["kitchen"]}


async def test_retained_events_respect_the_blacklist(router, transport, prefix):
    topic = f"{prefix}.secret"
    async with joined(router, transport) as publisher, joined(router, transport) as excluded:
        options = PublishOptions(acknowledge=True, retain=True, exclude=[excluded.session_id])
        await within(publisher.publish(topic, "not for you", options=options))
        inbox = Inbox()
        await within(excluded.subscribe(inbox, topic, options=SubscribeOptions(get_retained=True, details=True)))
        await within(publisher.publish(topic, "marker", options=ACK))
        args, _, details = await inbox.next()
        assert args == ["marker"]
        assert not details.retained


async def test_black_and_white_lists_by_session(router, transport, prefix):
    topic = f"{prefix}.lists"
    async with (
        joined(router, transport) as publisher,
        joined(router, transport) as first,
        joined(router, transport) as second,
    ):
        inboxes = {session.session_id: (await subscribe(session, topic))[0] for session in (first, second)}
        await within(publisher.publish(topic, "not first", options=PublishOptions(acknowledge=True, exclude=[first.session_id])))
        await within(publisher.publish(topic, "only first", options=PublishOptions(acknowledge=True, eligible=[first.session_id])))
        await within(publisher.publish(topic, "marker", options=ACK))
        received = {}
        for session_id, inbox in inboxes.items():
            got = []
            while not got or got[-1] != "marker":
                args, _, _ = await inbox.next()
                got.append(args[0])
            received[session_id] = got
        assert received[first.session_id] == ["only first", "marker"]
        assert received[second.session_id] == ["not first", "marker"]


async def test_black_and_white_lists_by_authid_and_authrole(router, transport, prefix):
    topic = f"{prefix}.auth_lists"
    async with joined(router, transport) as publisher, joined(router, transport) as subscriber:
        inbox, _ = await subscribe(subscriber, topic)
        authid = subscriber.authid
        authrole = subscriber.authrole
        for options in (
            PublishOptions(acknowledge=True, exclude_authid=[authid]),
            PublishOptions(acknowledge=True, exclude_authrole=[authrole]),
            PublishOptions(acknowledge=True, eligible_authid=["somebody-else"]),
            PublishOptions(acknowledge=True, eligible_authrole=["some-other-role"]),
        ):
            await within(publisher.publish(topic, "filtered out", options=options))
        await within(publisher.publish(topic, "eligible", options=PublishOptions(acknowledge=True, eligible_authid=[authid], eligible_authrole=[authrole])))
        args, _, _ = await inbox.next()
        assert args == ["eligible"]


async def test_publisher_identification(router, prefix):
    topic = f"{prefix}.who"
    async with joined(router, WS_JSON) as subscriber:
        inbox, _ = await subscribe(subscriber, topic)
        publisher = await RawWebSocket.open(router)
        try:
            welcome = await publisher.join()
            await publisher.send_message([PUBLISH, 1, {"disclose_me": True, "acknowledge": True}, topic, ["hi"]])
            assert (await publisher.receive_message())[0] == PUBLISHED
            _, _, details = await inbox.next()
            assert details.publisher == welcome[1]
            assert details.publisher_authrole == "anonymous"
            assert isinstance(details.publisher_authid, str)
            await publisher.send_message([PUBLISH, 2, {"acknowledge": True}, topic, ["anonymous"]])
            assert (await publisher.receive_message())[0] == PUBLISHED
            _, _, details = await inbox.next()
            assert details.publisher is None, "undisclosed by default"
        finally:
            await publisher.close()


async def test_pattern_subscription_event_carries_the_topic(router, transport, prefix):
    async with joined(router, transport) as publisher, joined(router, transport) as subscriber:
        inbox, _ = await subscribe(subscriber, f"{prefix}..created", match="wildcard")
        await within(publisher.publish(f"{prefix}.order.created", 1, options=ACK))
        _, _, details = await inbox.next()
        assert details.topic == f"{prefix}.order.created"
