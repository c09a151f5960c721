"""Shared fixtures: a running `python -m webapp` server for the serving and browser tests."""

import os
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest

# the shared helper modules assert too: pytest explains their failures as it does the tests' own
pytest.register_assert_rewrite("browser_helpers", "grading_helpers")

REPO_ROOT = Path(__file__).resolve().parent.parent
SERVER_START_TIMEOUT_S = 180  # the app is ready in ~10 s on an idle laptop; a machine shared by many jobs needs longer


def free_port() -> int:
    """A TCP port on 127.0.0.1 that nothing listens on right now."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def wait_until_serving(url: str, process: subprocess.Popen, log: Path) -> None:
    """Poll `url` until it answers 200; fail with the server's output if it dies or takes too long."""
    deadline = time.monotonic() + SERVER_START_TIMEOUT_S
    while time.monotonic() < deadline:
        if process.poll() is not None:
            pytest.fail(f"python -m webapp exited with {process.returncode}:\n{log.read_text()}")
        try:
            if httpx.get(url, timeout=2, trust_env=False).status_code == 200:
                return
        except httpx.TransportError:
            pass
        time.sleep(0.25)
    pytest.fail(f"python -m webapp did not serve {url} within {SERVER_START_TIMEOUT_S} s:\n{log.read_text()}")


@pytest.fixture(scope="session")
def webapp_url(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    """Start `python -m webapp` on a free port for the session; yield its URL; stop it afterwards."""
    log = tmp_path_factory.mktemp("webapp") / "server.log"
    port = free_port()
    url = f"http://127.0.0.1:{port}/"
    env = {**os.environ, "NO_PROXY": "127.0.0.1,localhost"}  # Gradio's start-up self-check goes to localhost
    command = [sys.executable, "-m", "webapp", "--host", "127.0.0.1", "--port", str(port)]
    with log.open("w") as output:
        process = subprocess.Popen(command, cwd=REPO_ROOT, env=env, stdout=output, stderr=subprocess.STDOUT)
    try:
        wait_until_serving(url, process, log)
        yield url
    finally:
        process.terminate()
        try:
            process.wait(timeout=10)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()
