"""An autobahn-python peer for the interop test, driven through JSON lines.

It joins the router, registers and subscribes under ``PREFIX.py.``, prints
``{"ready": true, "session": ID}`` and then runs commands read from stdin, one JSON object
per line, answering each on stdout with the same ``id``:

- ``{"id": 1, "cmd": "call", "procedure": URI, "args": [...], "kwargs": {...},
  "progress": true}`` answers ``{"id": 1, "ok": true, "value": {"args", "kwargs",
  "progress"}}`` or ``{"id": 1, "ok": false, "error": {"uri", "args", "kwargs"}}``;
- ``{"id": 2, "cmd": "publish", "topic": URI, "args": [...], "kwargs": {...}}``;
- ``{"id": 3, "cmd": "leave"}``.

Events it receives are printed as ``{"event": TOPIC, "args": [...], "kwargs": {...}}``.
Integers beyond +-2^53 and bytes travel in JSON as ``{"$bigint": "..."}`` and
``{"$bytes": [...]}`` both ways.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import sys

import txaio

txaio.use_asyncio()

from autobahn.asyncio.wamp import ApplicationRunner, ApplicationSession  # noqa: E402
from autobahn.wamp.exception import ApplicationError  # noqa: E402
from autobahn.wamp.serializer import (  # noqa: E402
    CBORSerializer,
    JsonSerializer,
    MsgPackSerializer,
)
from autobahn.wamp.types import (  # noqa: E402
    CallOptions,
    CallResult,
    PublishOptions,
    RegisterOptions,
    SubscribeOptions,
)

SERIALIZERS = {"json": JsonSerializer, "msgpack": MsgPackSerializer, "cbor": CBORSerializer}
LIMIT = 2**53


def tag(value):
    """``value`` as JSON: big integers and bytes tagged, as the browser side does."""
    if value is None or isinstance(value, (bool, float, str)):
        return value
    if isinstance(value, int):
        return value if -LIMIT <= value <= LIMIT else {"$bigint": str(value)}
    if isinstance(value, (bytes, bytearray)):
        return {"$bytes": list(value)}
    if isinstance(value, (list, tuple)):
        return [tag(item) for item in value]
    if isinstance(value, dict):
        return {key: tag(item) for key, item in value.items()}
    return {"$repr": repr(value)}


def untag(value):
    if isinstance(value, list):
        return [untag(item) for item in value]
    if isinstance(value, dict):
        if set(value) == {"$bigint"}:
            return int(value["$bigint"])
        if set(value) == {"$bytes"}:
            return bytes(value["$bytes"])
        return {key: untag(item) for key, item in value.items()}
    return value


def emit(message: dict) -> None:
    sys.stdout.write(json.dumps(message) + "\n")
    sys.stdout.flush()


def result_of(value) -> dict:
    if isinstance(value, CallResult):
        return {"args": list(value.results), "kwargs": dict(value.kwresults)}
    if value is None:
        return {"args": [], "kwargs": {}}
    return {"args": [value], "kwargs": {}}


class Peer(ApplicationSession):
    prefix = "interop"

    async def onJoin(self, details):
        p = f"{self.prefix}.py"
        await self.register(lambda a, b: a + b, f"{p}.add")
        await self.register(lambda *args, **kwargs: CallResult(*args, **kwargs), f"{p}.echo")
        await self.register(
            lambda *args, **kwargs: CallResult(
                [type(arg).__name__ for arg in args],
                **{key: type(value).__name__ for key, value in kwargs.items()},
            ),
            f"{p}.describe",
        )
        await self.register(self.fail, f"{p}.fail")
        await self.register(
            self.count, f"{p}.progress", options=RegisterOptions(details_arg="details")
        )
        await self.register(
            lambda: CallResult(
                b"\x00\x01\xfe\xff", 2**63 - 1, -(2**63), 2**64 - 1, "Grüße 🚀", 1.5, None,
                [True, {"nested": [2**53]}],
                raw=b"kw", big=2**60,
            ),
            f"{p}.sample",
        )
        await self.subscribe(
            self.on_event, f"{p}.topic", options=SubscribeOptions(details_arg="details")
        )
        emit({"ready": True, "session": details.session})

        loop = asyncio.get_running_loop()
        while True:
            line = await loop.run_in_executor(None, sys.stdin.readline)
            if not line:
                break
            command = json.loads(line)
            if command.get("cmd") == "leave":
                emit({"id": command["id"], "ok": True, "value": None})
                break
            try:
                value = await self.perform(command)
                emit({"id": command["id"], "ok": True, "value": tag(value)})
            except ApplicationError as error:
                emit(
                    {
                        "id": command["id"],
                        "ok": False,
                        "error": {
                            "uri": error.error,
                            "args": tag(list(error.args)),
                            "kwargs": tag(error.kwargs or {}),
                        },
                    }
                )
            except Exception as error:  # noqa: BLE001 - reported to the test as is
                emit({"id": command["id"], "ok": False, "error": {"exception": repr(error)}})
        self.leave()

    async def perform(self, command: dict):
        args = untag(command.get("args") or [])
        kwargs = untag(command.get("kwargs") or {})
        if command["cmd"] == "call":
            progress = []
            options = None
            if command.get("progress"):
                options = CallOptions(
                    on_progress=lambda *a, **kw: progress.append({"args": list(a), "kwargs": kw})
                )
            value = await self.call(command["procedure"], *args, options=options, **kwargs)
            return {**result_of(value), "progress": progress}
        if command["cmd"] == "publish":
            publication = await self.publish(
                command["topic"], *args, options=PublishOptions(acknowledge=True), **kwargs
            )
            return {"publication": publication.id}
        raise ValueError(f"unknown command {command['cmd']!r}")

    def fail(self, *args, **kwargs):
        raise ApplicationError("com.example.error.py_failed", "from python", code=7)

    async def count(self, n, details=None):
        if details is not None and details.progress:
            for step in range(1, n + 1):
                details.progress(step, step=step)
                await asyncio.sleep(0.02)
        return CallResult("done", total=n)

    def on_event(self, *args, details=None, **kwargs):
        emit({"event": details.topic, "args": tag(list(args)), "kwargs": tag(kwargs)})
        # Echo it back, so that the publisher sees that it arrived and how.
        self.publish(f"{self.prefix}.py.received", *args, **kwargs)

    def onDisconnect(self):
        asyncio.get_event_loop().stop()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--url", required=True)
    parser.add_argument("--realm", default="realm1")
    parser.add_argument("--serializer", choices=sorted(SERIALIZERS), default="json")
    parser.add_argument("--prefix", default="interop")
    options = parser.parse_args()
    Peer.prefix = options.prefix
    runner = ApplicationRunner(
        options.url, options.realm, serializers=[SERIALIZERS[options.serializer]()]
    )
    runner.run(Peer, log_level="warn")


if __name__ == "__main__":
    main()
