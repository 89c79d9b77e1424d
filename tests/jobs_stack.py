"""Real Redis servers and Celery workers as subprocesses, for tests and the fault scripts."""

from __future__ import annotations

import os
import shutil
import signal
import socket
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
CELERY = str(Path(sys.executable).with_name("celery"))


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def wait_for(predicate, *, timeout: float, what: str, step: float = 0.1):
    """Poll `predicate` until it returns something truthy; fail loudly (never hang) after `timeout`."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        value = predicate()
        if value:
            return value
        time.sleep(step)
    raise AssertionError(f"gave up waiting for {what}")


class RedisServer:
    """redis-server on `port`, in memory only, owned by this process."""

    def __init__(self, port: int | None = None):
        self.port = port or free_port()
        self.url = f"redis://127.0.0.1:{self.port}/0"
        self.proc: subprocess.Popen | None = None

    @staticmethod
    def available() -> bool:
        return shutil.which("redis-server") is not None

    def start(self) -> RedisServer:
        self.proc = subprocess.Popen(
            ["redis-server", "--port", str(self.port), "--bind", "127.0.0.1", "--save", "", "--appendonly", "no"],
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )
        wait_for(self._answers, timeout=20, what="redis-server")
        return self

    def _answers(self) -> bool:
        try:
            with socket.create_connection(("127.0.0.1", self.port), timeout=0.5) as s:
                s.sendall(b"PING\r\n")
                return s.recv(16).startswith(b"+PONG")
        except OSError:
            return False

    def stop(self) -> None:
        if self.proc and self.proc.poll() is None:
            self.proc.terminate()
            self.proc.wait(timeout=20)
        self.proc = None


class Worker:
    """`celery worker` (prefork, one child) for this project, logging to `log`."""

    def __init__(self, env: dict[str, str], log: Path, *, beat: bool = False):
        self.env = {**os.environ, **env}
        self.log = log
        self.beat = beat
        self.proc: subprocess.Popen | None = None

    def start(self) -> Worker:
        args = [
            CELERY,
            "-A",
            "reportsite",
            "worker",
            "-P",
            "prefork",
            "-c",
            "1",
            "-l",
            "info",
            "--without-gossip",
            "--without-mingle",
            "-n",
            f"test-{os.getpid()}@%h",
        ]
        if self.beat:
            args += ["-B", "-s", str(self.log.with_suffix(".beat"))]
        self._out = open(self.log, "ab")
        self.proc = subprocess.Popen(
            args, cwd=ROOT, env=self.env, stdout=self._out, stderr=subprocess.STDOUT, start_new_session=True
        )
        wait_for(
            lambda: b"ready." in self.log.read_bytes() or self.proc.poll() is not None,
            timeout=60,
            what="the celery worker to start",
        )
        if self.proc.poll() is not None:
            raise AssertionError("celery worker exited:\n" + self.log.read_text(errors="replace")[-3000:])
        return self

    def stop(self) -> None:
        if self.proc and self.proc.poll() is None:
            os.killpg(self.proc.pid, signal.SIGTERM)
            try:
                self.proc.wait(timeout=30)
            except subprocess.TimeoutExpired:
                os.killpg(self.proc.pid, signal.SIGKILL)
                self.proc.wait(timeout=10)
        self.proc = None
        if getattr(self, "_out", None):
            self._out.close()


def use_broker(url: str | None) -> None:
    """Point this process's Celery app at `url` (None: back to the settings), dropping pooled connections.

    Celery reads CELERY_BROKER_URL from the environment before its configuration, so this is
    what a process started with that variable sees.
    """
    from reportsite.celery import app

    if url is None:
        os.environ.pop("CELERY_BROKER_URL", None)
    else:
        os.environ["CELERY_BROKER_URL"] = url
    if app._pool is not None:
        app._pool.force_close_all()
    app._pool = None
    app.amqp._producer_pool = None
