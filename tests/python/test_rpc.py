"""Routed RPC between autobahn-python peers, on every transport and serializer."""

from __future__ import annotations

import asyncio

import pytest
from autobahn.wamp.exception import ApplicationError
from autobahn.wamp.types import CallResult

from payloads import ARGS, KWARGS
from peers import WS_JSON, canonical, joined, within


def echo(*args, **kwargs):
    return CallResult(*args, **kwargs)


async def test_call_round_trips_args_and_kwargs(router, transport, prefix):
    async with joined(router, transport) as callee, joined(router, transport) as caller:
        await within(callee.register(echo, f"{prefix}.echo"))
        result = await within(caller.call(f"{prefix}.echo", *ARGS, **KWARGS))
        assert isinstance(result, CallResult)
        assert canonical(list(result.results)) == canonical(ARGS)
        assert canonical(result.kwresults) == canonical(KWARGS)


async def test_call_with_a_single_result_and_no_arguments(router, transport, prefix):
    async with joined(router, transport) as callee, joined(router, transport) as caller:
        await within(callee.register(lambda: "pong", f"{prefix}.ping"))
        assert await within(caller.call(f"{prefix}.ping")) == "pong"


async def test_calls_between_different_serializers(router, transport, prefix):
    """The callee speaks the parametrized transport; the caller always WebSocket JSON."""
    async with joined(router, transport) as callee, joined(router, WS_JSON) as caller:
        await within(callee.register(echo, f"{prefix}.echo.mixed"))
        result = await within(caller.call(f"{prefix}.echo.mixed", *ARGS, **KWARGS))
        assert canonical(list(result.results)) == canonical(ARGS)
        assert canonical(result.kwresults) == canonical(KWARGS)


async def test_many_concurrent_calls_are_matched_to_their_results(router, transport, prefix):
    async def slow_double(x):
        await asyncio.sleep(0.001 * (x % 7))
        return 2 * x

    async with joined(router, transport) as callee, joined(router, transport) as caller:
        await within(callee.register(slow_double, f"{prefix}.double"))
        calls = [caller.call(f"{prefix}.double", x) for x in range(200)]
        results = await within(asyncio.gather(*calls))
        assert results == [2 * x for x in range(200)]


async def test_application_error_reaches_the_caller(router, transport, prefix):
    def oops():
        raise ApplicationError("com.example.oops", 1, "two", x=3, nested={"k": ["v"]})

    async with joined(router, transport) as callee, joined(router, transport) as caller:
        await within(callee.register(oops, f"{prefix}.oops"))
        with pytest.raises(ApplicationError) as raised:
            await within(caller.call(f"{prefix}.oops"))
        assert raised.value.error == "com.example.oops"
        assert list(raised.value.args) == [1, "two"]
        assert raised.value.kwargs == {"x": 3, "nested": {"k": ["v"]}}


async def test_call_to_unknown_procedure_fails_with_no_such_procedure(router, transport, prefix):
    async with joined(router, transport) as caller:
        with pytest.raises(ApplicationError) as raised:
            await within(caller.call(f"{prefix}.nobody.home"))
        assert raised.value.error == "wamp.error.no_such_procedure"


async def test_second_registration_fails_with_procedure_already_exists(router, transport, prefix):
    async with joined(router, transport) as first, joined(router, transport) as second:
        await within(first.register(lambda: 1, f"{prefix}.taken"))
        with pytest.raises(ApplicationError) as raised:
            await within(second.register(lambda: 2, f"{prefix}.taken"))
        assert raised.value.error == "wamp.error.procedure_already_exists"
        # The first registration is untouched.
        assert await within(second.call(f"{prefix}.taken")) == 1


async def test_unregistered_procedure_is_gone(router, transport, prefix):
    async with joined(router, transport) as callee, joined(router, transport) as caller:
        registration = await within(callee.register(lambda: 1, f"{prefix}.shortlived"))
        assert await within(caller.call(f"{prefix}.shortlived")) == 1
        await within(registration.unregister())
        with pytest.raises(ApplicationError) as raised:
            await within(caller.call(f"{prefix}.shortlived"))
        assert raised.value.error == "wamp.error.no_such_procedure"
        # The URI is free again.
        await within(caller.register(lambda: 2, f"{prefix}.shortlived"))


async def test_registrations_end_with_their_session(router, transport, prefix):
    async with joined(router, transport) as caller:
        async with joined(router, transport) as callee:
            await within(callee.register(lambda: 1, f"{prefix}.session.scoped"))
        with pytest.raises(ApplicationError) as raised:
            await within(caller.call(f"{prefix}.session.scoped"))
        assert raised.value.error == "wamp.error.no_such_procedure"


@pytest.mark.parametrize("how", ["goodbye", "dropped"])
async def test_callee_leaving_mid_call_fails_the_call(router, transport, prefix, how):
    invoked = asyncio.get_running_loop().create_future()
    release = asyncio.Event()

    async def hang():
        invoked.set_result(None)
        await release.wait()

    async with joined(router, transport) as caller, joined(router, transport) as callee:
        try:
            await within(callee.register(hang, f"{prefix}.hang"))
            call = asyncio.ensure_future(caller.call(f"{prefix}.hang"))
            await within(invoked)
            if how == "goodbye":
                callee.leave()
            else:
                callee.drop_connection()
            with pytest.raises(ApplicationError) as raised:
                await within(call)
            assert raised.value.error.startswith("wamp.error.")
            # The caller's own session is fine: it was the callee that went away.
            assert caller.is_attached()
            # And the procedure went with its callee.
            with pytest.raises(ApplicationError) as raised:
                await within(caller.call(f"{prefix}.hang"))
            assert raised.value.error == "wamp.error.no_such_procedure"
        finally:
            release.set()
