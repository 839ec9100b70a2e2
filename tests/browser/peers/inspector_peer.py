"""An autobahn-python peer that gives the inspector's end-to-end test something to see.

It joins the router, registers ``PREFIX.add`` (returns ``a + b``) and ``PREFIX.fail``
(raises ``com.example.error.inspector_test``), subscribes to ``PREFIX.topic``, then prints
``{"ready": true, "session": ID, "registrations": {"add": ID, "fail": ID},
"subscriptions": {"topic": ID}}``. It writes one JSON object per line on stdout:

- ``{"event": TOPIC, "args": [...], "kwargs": {...}, "publisher": ID}`` for each event;
- ``{"left": REASON, "message": TEXT}`` when the session ends (``wamp.close.killed`` when
  the router killed it), then ``{"disconnected": true}``, and the process exits.

Commands come on stdin, one JSON object per line, each answered with the same ``id``:
``{"id": 1, "cmd": "publish", "topic": URI, "args": [...]}``,
``{"id": 2, "cmd": "call", "procedure": URI, "args": [...]}``,
``{"id": 3, "cmd": "leave"}``. The end of stdin also makes it leave.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import sys
import threading

import txaio

txaio.use_asyncio()

from autobahn.asyncio.wamp import ApplicationRunner, ApplicationSession  # noqa: E402
from autobahn.wamp.exception import ApplicationError  # noqa: E402
from autobahn.wamp.types import PublishOptions, SubscribeOptions  # noqa: E402

ERROR_URI = "com.example.error.inspector_test"


def emit(message: dict) -> None:
    sys.stdout.write(json.dumps(message) + "\n")
    sys.stdout.flush()


def fail(*args, **kwargs):
    raise ApplicationError(ERROR_URI, "refused on purpose", reason="test")


class Peer(ApplicationSession):
    prefix = "e2e"

    async def onJoin(self, details):
        add = await self.register(lambda a, b: a + b, f"{self.prefix}.add")
        refuse = await self.register(fail, f"{self.prefix}.fail")
        topic = await self.subscribe(
            self.on_event,
            f"{self.prefix}.topic",
            options=SubscribeOptions(details_arg="details"),
        )
        emit(
            {
                "ready": True,
                "session": details.session,
                "registrations": {"add": add.id, "fail": refuse.id},
                "subscriptions": {"topic": topic.id},
            }
        )
        loop = asyncio.get_running_loop()
        commands: asyncio.Queue = asyncio.Queue()

        # A daemon thread, so that a blocked read never keeps the process alive.
        def read_stdin():
            for line in sys.stdin:
                loop.call_soon_threadsafe(commands.put_nowait, line)
            loop.call_soon_threadsafe(commands.put_nowait, None)

        threading.Thread(target=read_stdin, daemon=True).start()
        while True:
            line = await commands.get()
            if line is None:
                break
            if not line.strip():
                continue
            command = json.loads(line)
            if command.get("cmd") == "leave":
                emit({"id": command.get("id"), "ok": True})
                break
            try:
                value = await self.perform(command)
                emit({"id": command.get("id"), "ok": True, "value": value})
            except ApplicationError as error:
                emit({"id": command.get("id"), "ok": False, "error": error.error})
            except Exception as error:  # noqa: BLE001 - reported to the test as is
                emit({"id": command.get("id"), "ok": False, "error": repr(error)})
        if self.is_attached():
            self.leave()

    async def perform(self, command: dict):
        args = command.get("args") or []
        kwargs = command.get("kwargs") or {}
        if command["cmd"] == "publish":
            await self.publish(
                command["topic"], *args, options=PublishOptions(acknowledge=True), **kwargs
            )
            return None
        if command["cmd"] == "call":
            return await self.call(command["procedure"], *args, **kwargs)
        raise ValueError(f"unknown command {command['cmd']!r}")

    def on_event(self, *args, details=None, **kwargs):
        emit(
            {
                "event": details.topic,
                "args": list(args),
                "kwargs": kwargs,
                "publisher": details.publisher,
            }
        )

    def onLeave(self, details):
        emit({"left": details.reason, "message": details.message})
        super().onLeave(details)

    def onDisconnect(self):
        emit({"disconnected": True})
        asyncio.get_event_loop().stop()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--url", required=True)
    parser.add_argument("--realm", default="realm1")
    parser.add_argument("--prefix", default="e2e")
    options = parser.parse_args()
    Peer.prefix = options.prefix
    runner = ApplicationRunner(options.url, options.realm)
    runner.run(Peer, log_level="warn")


if __name__ == "__main__":
    main()
