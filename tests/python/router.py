"""Start and stop the dev-router binary for a test.

The router is started with ``--port 0 --rawsocket-port 0`` so that the OS picks free ports;
it announces them on stdout, one line per listener:

    dev-router listening: ws://127.0.0.1:PORT/ws (realms: realm1)
    dev-router listening: rawsocket tcp://127.0.0.1:PORT
"""

from __future__ import annotations

import os
import queue
import re
import subprocess
import tempfile
import threading
import time
from dataclasses import dataclass, field
from pathlib import Path

REPO_ROOT = Path(__file__).resolve().parents[2]
STARTUP_TIMEOUT = 10.0
STOP_TIMEOUT = 5.0

WS_LINE = re.compile(r"dev-router listening: (ws://127\.0\.0\.1:(\d+)/ws)")
RS_LINE = re.compile(r"dev-router listening: rawsocket tcp://127\.0\.0\.1:(\d+)")


def router_binary() -> Path:
    """The binary under test: $DEV_ROUTER_BIN, else the workspace's release build."""
    configured = os.environ.get("DEV_ROUTER_BIN")
    binary = Path(configured) if configured else REPO_ROOT / "target/release/dev-router"
    if not binary.is_file():
        raise RuntimeError(
            f"router binary {binary} not found: build it with "
            "`cargo build --release -p dev-router` or set DEV_ROUTER_BIN"
        )
    return binary


@dataclass
class Router:
    """A running dev-router process and where it listens."""

    process: subprocess.Popen
    args: list[str]
    stderr_path: Path
    ws_url: str = ""
    ws_port: int = 0
    rs_port: int = 0
    stdout_lines: list[str] = field(default_factory=list)
    _stopped: bool = False
    _final_stderr: str | None = None
    _reader: threading.Thread | None = None

    @property
    def host(self) -> str:
        return "127.0.0.1"

    def stderr(self) -> str:
        if self._final_stderr is not None:
            return self._final_stderr
        return self.stderr_path.read_text(errors="replace")

    def problems(self) -> str | None:
        """Why this router is unhealthy, or None: it exited on its own, or a task panicked."""
        if not self._stopped and self.process.poll() is not None:
            return f"dev-router exited on its own with code {self.process.returncode}"
        if "panicked at" in self.stderr():
            return "dev-router panicked"
        return None

    def describe(self) -> str:
        tail = "\n".join(self.stderr().splitlines()[-40:])
        out = "\n".join(self.stdout_lines[-20:])
        return (
            f"command: {' '.join(self.args)}\n"
            f"--- stdout (last lines) ---\n{out}\n"
            f"--- stderr (last lines) ---\n{tail}"
        )

    def stop(self) -> None:
        """Terminates the process (SIGTERM, then SIGKILL after a grace period)."""
        if self.process.poll() is None:
            self._stopped = True
            self.process.terminate()
            try:
                self.process.wait(STOP_TIMEOUT)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait(STOP_TIMEOUT)
        # The process is gone, so its stdout reaches end-of-file and the reader ends.
        if self._reader is not None:
            self._reader.join(STOP_TIMEOUT)
        if self._final_stderr is None:
            self._final_stderr = self.stderr()
            self.stderr_path.unlink(missing_ok=True)


def start_router(*extra_args: str) -> Router:
    """Starts the router on free ports and waits until it has announced its listeners
    (both, unless ``--no-rawsocket`` is among ``extra_args``)."""
    args = [str(router_binary()), "--port", "0", "--rawsocket-port", "0", *extra_args]
    wants_rawsocket = "--no-rawsocket" not in extra_args
    stderr_file = tempfile.NamedTemporaryFile(
        prefix="dev-router-", suffix=".stderr", delete=False
    )
    process = subprocess.Popen(
        args,
        stdin=subprocess.DEVNULL,
        stdout=subprocess.PIPE,
        stderr=stderr_file,
        text=True,
        encoding="utf-8",
        errors="replace",
        env={**os.environ, "RUST_BACKTRACE": "1"},
    )
    stderr_file.close()
    router = Router(process=process, args=args, stderr_path=Path(stderr_file.name))

    # A reader thread keeps draining stdout for the whole run, so that a chatty router
    # never blocks on a full pipe.
    lines: queue.Queue[str | None] = queue.Queue()

    def drain() -> None:
        assert process.stdout is not None
        with process.stdout:
            for line in process.stdout:
                router.stdout_lines.append(line.rstrip("\n"))
                lines.put(line)
        lines.put(None)

    router._reader = threading.Thread(target=drain, name="dev-router-stdout", daemon=True)
    router._reader.start()

    deadline = time.monotonic() + STARTUP_TIMEOUT
    while not (router.ws_port and (router.rs_port or not wants_rawsocket)):
        remaining = deadline - time.monotonic()
        try:
            line = lines.get(timeout=max(remaining, 0.01)) if remaining > 0 else None
        except queue.Empty:
            line = None
        if line is None:
            router.stop()
            raise RuntimeError(
                "dev-router did not announce its listeners within "
                f"{STARTUP_TIMEOUT}s\n{router.describe()}"
            )
        if match := WS_LINE.search(line):
            router.ws_url, router.ws_port = match.group(1), int(match.group(2))
        elif match := RS_LINE.search(line):
            router.rs_port = int(match.group(1))
    return router
