"""The advanced RPC profile with autobahn-python peers: progressive results, canceling,
timeouts, caller identification, shared and pattern-based registrations.

What autobahn cannot send (cancel modes other than its default, ``disclose_me``,
``disclose_caller``, progressive call invocations) is sent by a hand-made peer from ``raw``.
"""

from __future__ import annotations

import asyncio
import collections

import pytest
from autobahn.wamp.exception import ApplicationError
from autobahn.wamp.types import CallOptions, RegisterOptions

from peers import WS_JSON, joined, within
from raw import ERROR, REGISTER, REGISTERED, RawWebSocket

CALL, CANCEL, RESULT, INVOCATION, INTERRUPT, YIELD = 48, 49, 50, 68, 69, 70


def raw_hello(caller_features: dict | None = None, callee_features: dict | None = None) -> list:
    roles = {
        "caller": {"features": caller_features or {}},
        "callee": {"features": callee_features or {}},
        "publisher": {},
        "subscriber": {},
    }
    return [1, "realm1", {"roles": roles}]


async def raw_join(router, **features) -> tuple[RawWebSocket, int]:
    peer = await RawWebSocket.open(router)
    await peer.send_message(raw_hello(**features))
    welcome = await peer.receive_message()
    assert welcome[0] == 2, welcome
    return peer, welcome[1]


class Hanging:
    """A procedure that waits until released, and records whether it was interrupted."""

    def __init__(self) -> None:
        loop = asyncio.get_running_loop()
        self.invoked = loop.create_future()
        self.interrupted = loop.create_future()
        self.release = asyncio.Event()

    async def __call__(self, *args, details=None):
        if not self.invoked.done():
            self.invoked.set_result(details)
        try:
            await self.release.wait()
        except asyncio.CancelledError:
            if not self.interrupted.done():
                self.interrupted.set_result(None)
            raise
        return "finished"


async def test_progressive_call_results(router, transport, prefix):
    async def count(n, details=None):
        # details.progress is set only when the caller asked for progressive results.
        for i in range(n):
            if details.progress:
                details.progress(i)
            await asyncio.sleep(0)
        return "done" if details.progress else "done quietly"

    progress = []
    async with joined(router, transport) as callee, joined(router, transport) as caller:
        await within(callee.register(count, f"{prefix}.count", RegisterOptions(details=True)))
        options = CallOptions(on_progress=progress.append)
        result = await within(caller.call(f"{prefix}.count", 4, options=options))
        assert result == "done"
        assert progress == [0, 1, 2, 3]
        # Without on_progress the caller gets the final result only.
        assert await within(caller.call(f"{prefix}.count", 2)) == "done quietly"


async def test_cancel_interrupts_the_callee(router, transport, prefix):
    hanging = Hanging()
    async with joined(router, transport) as callee, joined(router, transport) as caller:
        await within(callee.register(hanging, f"{prefix}.hang", RegisterOptions(details=True)))
        call = caller.call(f"{prefix}.hang")
        await within(hanging.invoked)
        call.cancel()
        with pytest.raises(asyncio.CancelledError):
            await within(call)
        # autobahn sends CANCEL without a mode: killnowait, so the callee is interrupted.
        await within(hanging.interrupted)
        # Both sessions carry on.
        hanging.release.set()
        assert await within(caller.call(f"{prefix}.hang")) == "finished"


@pytest.mark.parametrize("mode", ["skip", "kill", "killnowait"])
async def test_cancel_modes(router, prefix, mode):
    hanging = Hanging()
    async with joined(router, WS_JSON) as callee:
        await within(callee.register(hanging, f"{prefix}.hang", RegisterOptions(details=True)))
        caller, _ = await raw_join(router)
        try:
            await caller.send_message([CALL, 1, {}, f"{prefix}.hang", []])
            await within(hanging.invoked)
            await caller.send_message([CANCEL, 1, {"mode": mode}])
            error = await caller.receive_message()
            assert error[:3] == [ERROR, CALL, 1], error
            assert error[4] == "wamp.error.canceled"
            if mode == "skip":
                # Not interrupted: it finishes, and its result is dropped.
                assert not hanging.interrupted.done()
                hanging.release.set()
            else:
                await within(hanging.interrupted)
            # Exactly one answer: the next message is for the next call.
            await caller.send_message([CALL, 2, {}, f"{prefix}.nothing", []])
            reply = await caller.receive_message()
            assert reply[:3] == [ERROR, CALL, 2] and reply[4] == "wamp.error.no_such_procedure"
        finally:
            hanging.release.set()
            await caller.close()


async def test_call_timeout(router, transport, prefix):
    hanging = Hanging()
    async with joined(router, transport) as callee, joined(router, transport) as caller:
        await within(callee.register(hanging, f"{prefix}.slow", RegisterOptions(details=True)))
        loop = asyncio.get_running_loop()
        started = loop.time()
        with pytest.raises(ApplicationError) as raised:
            # autobahn passes the number on as is: milliseconds on the wire.
            await within(caller.call(f"{prefix}.slow", options=CallOptions(timeout=300)))
        assert raised.value.error == "wamp.error.timeout"
        assert loop.time() - started >= 0.29
        await within(hanging.interrupted)
        # A call that completes in time is not affected.
        hanging.release.set()
        result = await within(caller.call(f"{prefix}.slow", options=CallOptions(timeout=5000)))
        assert result == "finished"


async def test_a_caller_leaving_interrupts_the_callee(router, transport, prefix):
    hanging = Hanging()
    async with joined(router, transport) as callee:
        await within(callee.register(hanging, f"{prefix}.hang", RegisterOptions(details=True)))
        async with joined(router, transport) as caller:
            asyncio.ensure_future(caller.call(f"{prefix}.hang"))
            await within(hanging.invoked)
            caller.drop_connection()
        await within(hanging.interrupted)
        hanging.release.set()


async def test_disclose_me_identifies_the_caller(router, prefix):
    async def who(details=None):
        return [details.caller, details.caller_authid, details.caller_authrole]

    async with joined(router, WS_JSON) as callee:
        await within(callee.register(who, f"{prefix}.who", RegisterOptions(details=True)))
        caller, caller_id = await raw_join(router)
        try:
            await caller.send_message([CALL, 1, {"disclose_me": True}, f"{prefix}.who", []])
            result = await caller.receive_message()
            assert result[:2] == [RESULT, 1], result
            session, authid, authrole = result[3][0]
            assert session == caller_id
            assert isinstance(authid, str) and authid
            assert authrole == "anonymous"
            await caller.send_message([CALL, 2, {}, f"{prefix}.who", []])
            result = await caller.receive_message()
            assert result[3][0] == [None, None, None], "undisclosed by default"
        finally:
            await caller.close()


async def test_disclose_caller_on_the_registration(router, prefix):
    callee, _ = await raw_join(router)
    try:
        await callee.send_message([REGISTER, 1, {"disclose_caller": True}, f"{prefix}.who"])
        registered = await callee.receive_message()
        assert registered[:2] == [REGISTERED, 1], registered
        async with joined(router, WS_JSON) as caller:
            call = asyncio.ensure_future(caller.call(f"{prefix}.who"))
            invocation = await callee.receive_message()
            assert invocation[0] == INVOCATION, invocation
            assert invocation[3]["caller"] == caller.session_id
            assert invocation[3]["caller_authrole"] == "anonymous"
            await callee.send_message([YIELD, invocation[1], {}, ["ok"]])
            assert await within(call) == "ok"
    finally:
        await callee.close()


async def test_progressive_call_invocations(router, prefix):
    features = {"progressive_call_invocations": True, "call_canceling": True}
    callee, _ = await raw_join(router, callee_features=features)
    caller, _ = await raw_join(router, caller_features=features)
    try:
        await callee.send_message([REGISTER, 1, {}, f"{prefix}.upload"])
        assert (await callee.receive_message())[0] == REGISTERED
        chunks = [("a", True), ("b", True), ("c", False)]
        invocation_ids = set()
        for chunk, progress in chunks:
            options = {"progress": True} if progress else {}
            await caller.send_message([CALL, 7, options, f"{prefix}.upload", [chunk]])
            invocation = await callee.receive_message()
            assert invocation[0] == INVOCATION, invocation
            assert invocation[3].get("progress", False) == progress
            assert invocation[4] == [chunk]
            invocation_ids.add(invocation[1])
        assert len(invocation_ids) == 1, "one INVOCATION request ID for the whole call"
        await callee.send_message([YIELD, invocation_ids.pop(), {}, ["abc"]])
        result = await caller.receive_message()
        assert result[:2] == [RESULT, 7] and result[3] == ["abc"], result
    finally:
        await caller.close()
        await callee.close()


async def test_progressive_call_invocations_need_a_capable_callee(router, transport, prefix):
    features = {"progressive_call_invocations": True}
    async with joined(router, transport) as callee:
        await within(callee.register(lambda *args: None, f"{prefix}.upload"))
        caller, _ = await raw_join(router, caller_features=features)
        try:
            await caller.send_message([CALL, 1, {"progress": True}, f"{prefix}.upload", []])
            error = await caller.receive_message()
            assert error[:3] == [ERROR, CALL, 1] and error[4] == "wamp.error.feature_not_supported"
        finally:
            await caller.close()


@pytest.mark.parametrize(
    "invoke, expected",
    [
        ("roundrobin", [0, 1, 2, 0, 1, 2]),
        ("first", [0, 0, 0, 0, 0, 0]),
        ("last", [2, 2, 2, 2, 2, 2]),
    ],
)
async def test_shared_registration_policies(router, transport, prefix, invoke, expected):
    procedure = f"{prefix}.shared"
    async with (
        joined(router, transport) as first,
        joined(router, transport) as second,
        joined(router, transport) as third,
        joined(router, transport) as caller,
    ):
        registrations = []
        for index, callee in enumerate((first, second, third)):
            options = RegisterOptions(invoke=invoke)
            registrations.append(
                await within(callee.register(lambda i=index: i, procedure, options))
            )
        assert len({registration.id for registration in registrations}) == 1, "one registration"
        answers = [await within(caller.call(procedure)) for _ in expected]
        assert answers == expected


async def test_random_shared_registration_stays_within_its_callees(router, transport, prefix):
    procedure = f"{prefix}.random"
    async with (
        joined(router, transport) as first,
        joined(router, transport) as second,
        joined(router, transport) as caller,
    ):
        for index, callee in enumerate((first, second)):
            await within(callee.register(lambda i=index: i, procedure, RegisterOptions(invoke="random")))
        counts = collections.Counter([await within(caller.call(procedure)) for _ in range(40)])
        assert set(counts) == {0, 1}, counts


async def test_shared_registration_needs_the_same_policy(router, transport, prefix):
    procedure = f"{prefix}.policy"
    async with joined(router, transport) as first, joined(router, transport) as second:
        await within(first.register(lambda: 1, procedure, RegisterOptions(invoke="roundrobin")))
        for invoke in ("random", "single", None):
            with pytest.raises(ApplicationError) as raised:
                await within(second.register(lambda: 2, procedure, RegisterOptions(invoke=invoke)))
            assert raised.value.error == "wamp.error.procedure_already_exists", invoke


async def test_pattern_registration_tells_the_concrete_procedure(router, transport, prefix):
    async def which(details=None):
        return details.procedure

    async with joined(router, transport) as callee, joined(router, transport) as caller:
        options = RegisterOptions(match="prefix", details=True)
        await within(callee.register(which, f"{prefix}.api.", options))
        options = RegisterOptions(match="wildcard", details=True)
        await within(callee.register(which, f"{prefix}.other..get", options))
        assert await within(caller.call(f"{prefix}.api.users.list")) == f"{prefix}.api.users.list"
        assert await within(caller.call(f"{prefix}.other.user.get")) == f"{prefix}.other.user.get"
