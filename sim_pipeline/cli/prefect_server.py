"""A local Prefect server for `sim-pipeline serve` when no PREFECT_API_URL is configured.

`prefect server start` runs as a child process with PREFECT_HOME=<working folder>/.prefect (its SQLite
database, logs and settings stay beside the inventory) and analytics off; we wait until its health
endpoint answers. No Prefect import here: it is a process we start, ask over HTTP and stop.
"""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request
from dataclasses import dataclass
from pathlib import Path

from sim_pipeline.errors import SimPipelineError
from sim_pipeline.settings import Settings

DEFAULT_PORT = 4200
START_TIMEOUT = 120.0  # a fresh PREFECT_HOME migrates its database first (about 10 s here, more on slow disks)


@dataclass
class LocalServer:
    process: subprocess.Popen
    host: str
    port: int
    home: Path
    log: Path

    @property
    def ui_url(self) -> str:
        return f"http://{self.host}:{self.port}"

    @property
    def api_url(self) -> str:
        return f"{self.ui_url}/api"

    def stop(self, timeout: float = 20.0) -> None:
        if self.process.poll() is not None:
            return
        self.process.send_signal(signal.SIGINT)
        try:
            self.process.wait(timeout)
        except subprocess.TimeoutExpired:
            self.process.kill()
            self.process.wait()


def prefect_home(settings: Settings) -> Path:
    return settings.home / ".prefect"


def server_env(settings: Settings) -> dict[str, str]:
    """The environment of the server and of everything that talks to it from this process."""
    return {"PREFECT_HOME": str(prefect_home(settings)), "PREFECT_SERVER_ANALYTICS_ENABLED": "false"}


def port_free(host: str, port: int) -> bool:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        return sock.connect_ex((host, port)) != 0


def healthy(api_url: str, timeout: float = 2.0) -> bool:
    try:
        with urllib.request.urlopen(f"{api_url}/health", timeout=timeout) as resp:  # noqa: S310 (our own URL)
            return resp.status == 200
    except (urllib.error.URLError, OSError, ValueError):
        return False


def start(settings: Settings, host: str = "127.0.0.1", port: int = DEFAULT_PORT,
          timeout: float = START_TIMEOUT) -> LocalServer:
    """Start `prefect server start` and return once /api/health answers; SimPipelineError if it does not."""
    if not port_free(host, port):
        raise SimPipelineError(f"port {port} on {host} is in use: pass --port, or if a Prefect server runs "
                               f"there, export PREFECT_API_URL=http://{host}:{port}/api to use it")
    home = prefect_home(settings)
    home.mkdir(parents=True, exist_ok=True)
    log = home / "server.log"
    env = {**os.environ, **server_env(settings), "PREFECT_UI_ENABLED": "true"}  # serve prints the UI address
    env.pop("PREFECT_API_URL", None)
    prefect = Path(sys.executable).with_name("prefect")
    cmd = [str(prefect)] if prefect.exists() else [sys.executable, "-m", "prefect"]
    with log.open("ab") as out:
        process = subprocess.Popen([*cmd, "server", "start", "--host", host, "--port", str(port)],
                                   env=env, stdout=out, stderr=subprocess.STDOUT, stdin=subprocess.DEVNULL,
                                   start_new_session=True)  # Ctrl-C reaches serve, which stops the server
    server = LocalServer(process, host, port, home, log)
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise SimPipelineError(f"the Prefect server stopped at start (exit {process.returncode}); "
                                   f"see {log}:\n{_tail(log)}")
        if healthy(server.api_url):
            return server
        time.sleep(0.5)
    server.stop()
    raise SimPipelineError(f"the Prefect server did not answer within {timeout:.0f} s; see {log}")


def _tail(path: Path, lines: int = 15) -> str:
    try:
        return "\n".join(path.read_text(encoding="utf-8", errors="replace").splitlines()[-lines:])
    except OSError:
        return ""
