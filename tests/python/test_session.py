"""Opening and closing sessions with autobahn-python, on every transport and serializer."""

from __future__ import annotations

import asyncio

import pytest

from peers import JoinRefused, connect, joined, within


async def test_join_realm1_gets_a_session_id(router, transport):
    async with joined(router, transport) as session:
        details = await session.joined
        assert isinstance(details.session, int)
        assert 1 <= details.session <= 2**53
        assert details.realm == "realm1"


async def test_concurrent_sessions_get_distinct_ids(router, transport):
    sessions = await within(asyncio.gather(*(connect(router, transport) for _ in range(20))))
    try:
        ids = {(await session.joined).session for session in sessions}
        assert len(ids) == len(sessions)
    finally:
        await within(asyncio.gather(*(session.close() for session in sessions)))


async def test_join_unknown_realm_is_aborted_with_no_such_realm(router, transport):
    with pytest.raises(JoinRefused) as refused:
        await connect(router, transport, realm="com.example.no.such.realm")
    assert refused.value.reason == "wamp.error.no_such_realm"


async def test_leave_gets_goodbye_back(router, transport):
    session = await connect(router, transport)
    session.leave()
    details = await within(asyncio.shield(session.left))
    # autobahn reports the reason of the router's GOODBYE reply.
    assert details.reason == "wamp.close.goodbye_and_out"
    await session.close()
