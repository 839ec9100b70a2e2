"""Publish/subscribe between autobahn-python peers, on every transport and serializer.

To prove that an event was *not* delivered without sleeping, each test ends with a marker
event that the subscriber does receive: a router delivers one publisher's events to one
subscriber in order, so anything published before the marker would have arrived first.
"""

from __future__ import annotations

import asyncio

from autobahn.wamp.types import PublishOptions, SubscribeOptions

from payloads import ARGS, KWARGS
from peers import WS_JSON, canonical, joined, within

ACK = PublishOptions(acknowledge=True)


class Inbox:
    """An event handler that queues what it receives."""

    def __init__(self) -> None:
        self.queue: asyncio.Queue = asyncio.Queue()

    def __call__(self, *args, details=None, **kwargs) -> None:
        self.queue.put_nowait((list(args), kwargs, details))

    async def next(self):
        return await within(self.queue.get())

    async def topics_until(self, marker: str) -> list[str]:
        """The concrete topics of the events received, up to and including ``marker``."""
        topics = []
        while not topics or topics[-1] != marker:
            _, _, details = await self.next()
            topics.append(details.topic)
        return topics

    def is_empty(self) -> bool:
        return self.queue.empty()


async def subscribe(session, topic: str, match: str | None = None) -> tuple[Inbox, object]:
    inbox = Inbox()
    options = SubscribeOptions(match=match, details=True)
    subscription = await within(session.subscribe(inbox, topic, options=options))
    return inbox, subscription


async def test_acknowledged_publish_returns_a_publication_id(router, transport, prefix):
    async with joined(router, transport) as publisher:
        publication = await within(publisher.publish(f"{prefix}.nobody.listens", 1, options=ACK))
        assert isinstance(publication.id, int)
        assert 1 <= publication.id <= 2**53


async def test_event_round_trips_args_and_kwargs(router, transport, prefix):
    topic = f"{prefix}.payload"
    async with joined(router, transport) as subscriber, joined(router, transport) as publisher:
        inbox, _ = await subscribe(subscriber, topic)
        publication = await within(publisher.publish(topic, *ARGS, options=ACK, **KWARGS))
        args, kwargs, details = await inbox.next()
        assert canonical(args) == canonical(ARGS)
        assert canonical(kwargs) == canonical(KWARGS)
        assert details.publication == publication.id


async def test_events_cross_serializers(router, transport, prefix):
    """Subscribers on the parametrized transport and on WebSocket JSON get the same event."""
    topic = f"{prefix}.mixed"
    async with (
        joined(router, transport) as subscriber,
        joined(router, WS_JSON) as json_subscriber,
        joined(router, transport) as publisher,
    ):
        inbox, _ = await subscribe(subscriber, topic)
        json_inbox, _ = await subscribe(json_subscriber, topic)
        await within(publisher.publish(topic, *ARGS, options=ACK, **KWARGS))
        for box in (inbox, json_inbox):
            args, kwargs, _ = await box.next()
            assert canonical(args) == canonical(ARGS)
            assert canonical(kwargs) == canonical(KWARGS)


async def test_unacknowledged_publish_is_delivered(router, transport, prefix):
    topic = f"{prefix}.fire.and.forget"
    async with joined(router, transport) as subscriber, joined(router, transport) as publisher:
        inbox, _ = await subscribe(subscriber, topic)
        assert publisher.publish(topic, "hi") is None
        args, _, _ = await inbox.next()
        assert args == ["hi"]


async def test_publisher_is_excluded_from_its_own_event_by_default(router, transport, prefix):
    topic = f"{prefix}.chat"
    async with joined(router, transport) as publisher, joined(router, transport) as other:
        own_inbox, _ = await subscribe(publisher, topic)
        other_inbox, _ = await subscribe(other, topic)
        await within(publisher.publish(topic, "first", options=ACK))
        assert (await other_inbox.next())[0] == ["first"]
        # The marker is sent to the publisher too; "first" would have arrived before it.
        marker = PublishOptions(acknowledge=True, exclude_me=False)
        await within(publisher.publish(topic, "marker", options=marker))
        assert (await own_inbox.next())[0] == ["marker"]


async def test_publisher_receives_its_own_event_with_exclude_me_false(router, transport, prefix):
    topic = f"{prefix}.echo"
    async with joined(router, transport) as publisher:
        inbox, _ = await subscribe(publisher, topic)
        options = PublishOptions(acknowledge=True, exclude_me=False)
        publication = await within(publisher.publish(topic, "to myself", options=options))
        args, _, details = await inbox.next()
        assert args == ["to myself"]
        assert details.publication == publication.id


async def test_every_subscriber_receives_the_event(router, transport, prefix):
    topic = f"{prefix}.fanout"
    async with (
        joined(router, transport) as first,
        joined(router, transport) as second,
        joined(router, transport) as third,
        joined(router, transport) as publisher,
    ):
        inboxes = [(await subscribe(session, topic))[0] for session in (first, second, third)]
        publication = await within(publisher.publish(topic, 7, options=ACK))
        for inbox in inboxes:
            args, _, details = await inbox.next()
            assert args == [7]
            assert details.publication == publication.id


async def test_prefix_subscription_matches_topics_starting_with_it(router, transport, prefix):
    async with joined(router, transport) as subscriber, joined(router, transport) as publisher:
        inbox, _ = await subscribe(subscriber, f"{prefix}.news", match="prefix")
        for topic in ("news.sports", "weather", "news", "new", "news.end"):
            await within(publisher.publish(f"{prefix}.{topic}", topic, options=ACK))
        topics = await inbox.topics_until(f"{prefix}.news.end")
        # The spec requires the concrete topic in EVENT.Details for pattern subscriptions.
        assert topics == [f"{prefix}.news.sports", f"{prefix}.news", f"{prefix}.news.end"]


async def test_wildcard_subscription_matches_whole_components(router, transport, prefix):
    async with joined(router, transport) as subscriber, joined(router, transport) as publisher:
        inbox, _ = await subscribe(subscriber, f"{prefix}..update", match="wildcard")
        for topic in ("a.update", "a.b.update", "update", "b.updated", "c.update"):
            await within(publisher.publish(f"{prefix}.{topic}", topic, options=ACK))
        topics = await inbox.topics_until(f"{prefix}.c.update")
        assert topics == [f"{prefix}.a.update", f"{prefix}.c.update"]


async def test_event_matching_two_subscriptions_is_delivered_for_each(router, transport, prefix):
    topic = f"{prefix}.both"
    async with joined(router, transport) as subscriber, joined(router, transport) as publisher:
        exact, exact_subscription = await subscribe(subscriber, topic)
        by_prefix, prefix_subscription = await subscribe(subscriber, prefix, match="prefix")
        assert exact_subscription.id != prefix_subscription.id
        publication = await within(publisher.publish(topic, "x", options=ACK))
        for inbox in (exact, by_prefix):
            _, _, details = await inbox.next()
            assert details.publication == publication.id


async def test_unsubscribed_topic_is_no_longer_delivered(router, transport, prefix):
    async with joined(router, transport) as subscriber, joined(router, transport) as publisher:
        gone, subscription = await subscribe(subscriber, f"{prefix}.gone")
        kept, _ = await subscribe(subscriber, f"{prefix}.kept")
        await within(subscription.unsubscribe())
        await within(publisher.publish(f"{prefix}.gone", "lost", options=ACK))
        await within(publisher.publish(f"{prefix}.kept", "marker", options=ACK))
        assert (await kept.next())[0] == ["marker"]
        assert gone.is_empty()
