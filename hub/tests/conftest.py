"""Real parts for the Hub side's tests: a JupyterHub initialised in memory with configure_kiln's
config, the running Kiln (KILN_URL, KILN_HUB_API_TOKEN, as scripts/config.sh sets them), and a
TCP proxy in front of it that can hold each connection back and counts them.
"""

from __future__ import annotations

import asyncio
import atexit
import os
import secrets
import shutil
import socket
import tempfile
import threading
import time
from pathlib import Path
from typing import Any, Awaitable, Callable, Iterator

import pytest

# Every file the tests write goes under one directory, removed when they end.
SCRATCH = Path(tempfile.mkdtemp(prefix="kiln-hub-tests-"))
atexit.register(shutil.rmtree, SCRATCH, ignore_errors=True)

# KubeSpawner reads a kubeconfig when made (never calling the API here); the client library
# takes the file's location from KUBECONFIG when it is imported, so this comes first.
_kubeconfig = SCRATCH / "kubeconfig"
_kubeconfig.write_text(
    """apiVersion: v1
kind: Config
clusters: [{name: none, cluster: {server: "https://127.0.0.1:1"}}]
users: [{name: none, user: {token: none}}]
contexts: [{name: none, context: {cluster: none, user: none, namespace: kiln-hub-tests}}]
current-context: none
"""
)
os.environ["KUBECONFIG"] = str(_kubeconfig)

from jupyterhub import orm, roles  # noqa: E402
from jupyterhub.app import JupyterHub  # noqa: E402
from jupyterhub.user import User  # noqa: E402
from traitlets.config import Config  # noqa: E402

from kiln_jupyterhub import configure_kiln  # noqa: E402

PUBLIC_URL = "https://hub.example.org/services/kiln"


def stack_setting(name: str) -> str:
    """A setting of the running stack (scripts/config.sh exports them); the tests need it."""
    value = os.environ.get(name)
    if not value:
        pytest.fail(f"{name} is not set: run these through scripts/hub-tests.sh, with the stack up")
    return value


@pytest.fixture(scope="session")
def kiln_url() -> str:
    return stack_setting("KILN_URL")


@pytest.fixture(scope="session")
def kiln_token() -> str:
    return stack_setting("KILN_HUB_API_TOKEN")


def closed_port() -> int:
    """A loopback port nothing listens on: connecting is refused at once."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def hub_config(spawner: str = "docker", site: Callable[[Config], None] | None = None, **kiln: Any) -> Config:
    """What an admin's jupyterhub_config.py holds: their Hub's own settings (and `site`'s), then configure_kiln."""
    state = Path(tempfile.mkdtemp(prefix="state-", dir=SCRATCH))
    c = Config()
    c.JupyterHub.db_url = "sqlite://"
    c.JupyterHub.cookie_secret_file = str(state / "cookie_secret")
    c.JupyterHub.authenticator_class = "dummy"
    c.Authenticator.allow_all = True
    c.Authenticator.admin_users = {"hub-admin"}
    c.Application.log_level = "WARN"
    if spawner == "kubernetes":
        c.KubeSpawner.namespace = "kiln-hub-tests"
        c.KubeSpawner.image = "localhost/kiln-singleuser:default"
    else:
        c.DockerSpawner.image = "localhost/kiln-singleuser:default"
        # Nothing listens here: a start that gets as far as the engine fails there.
        c.DockerSpawner.client_kwargs = {"base_url": f"unix://{state / 'no-engine.sock'}"}
    if site:
        site(c)
    kiln.setdefault("url", "http://127.0.0.1:3030")
    kiln.setdefault("api_token", "a-token-kiln-does-not-know")
    configure_kiln(c, public_url=PUBLIC_URL, spawner=spawner, **kiln)
    return c


@pytest.fixture
async def make_hub() -> Any:
    """Initialises a JupyterHub (database in memory, nothing listening) from a config."""
    hubs: list[JupyterHub] = []
    cwd = os.getcwd()

    async def make(c: Config) -> JupyterHub:
        os.chdir(tempfile.mkdtemp(prefix="cwd-", dir=SCRATCH))  # no stray jupyterhub_config.py is read
        hub = JupyterHub(config=c)
        await hub.initialize([])
        hubs.append(hub)
        return hub

    yield make
    os.chdir(cwd)
    for hub in hubs:
        hub.db.close()


def new_user(hub: JupyterHub, prefix: str = "hubtest") -> User:
    """A user the Hub has never seen (and Kiln has never seen: nothing built, nothing shared)."""
    orm_user = orm.User(name=f"{prefix}-{secrets.token_hex(4)}")
    hub.db.add(orm_user)
    roles.assign_default_roles(hub.db, entity=orm_user)
    hub.db.commit()
    return hub.users[orm_user]


class DelayingProxy:
    """A TCP proxy to `upstream` on its own thread and event loop: holds each connection back
    `delay` seconds before forwarding it, and counts connections (the Hub's client opens one per request)."""

    def __init__(self, upstream: str, delay: float = 0.0) -> None:
        host_port = upstream.split("://", 1)[1].split("/", 1)[0]
        self.upstream_host, _, port = host_port.partition(":")
        self.upstream_port = int(port or 80)
        self.delay = delay
        self.connections = 0
        self._loop = asyncio.new_event_loop()
        self._ready = threading.Event()
        self._thread = threading.Thread(target=self._run, daemon=True)
        self.port = 0

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def _run(self) -> None:
        asyncio.set_event_loop(self._loop)
        server = self._loop.run_until_complete(asyncio.start_server(self._forward, "127.0.0.1", 0))
        self.port = server.sockets[0].getsockname()[1]
        self._ready.set()
        self._loop.run_forever()
        server.close()
        self._loop.run_until_complete(server.wait_closed())

    async def _forward(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        self.connections += 1
        await asyncio.sleep(self.delay)
        upstream_reader, upstream_writer = await asyncio.open_connection(self.upstream_host, self.upstream_port)

        async def pipe(source: asyncio.StreamReader, sink: asyncio.StreamWriter) -> None:
            try:
                while chunk := await source.read(65536):
                    sink.write(chunk)
                    await sink.drain()
            except ConnectionError:
                pass
            finally:
                sink.close()

        await asyncio.gather(pipe(reader, upstream_writer), pipe(upstream_reader, writer))

    def __enter__(self) -> "DelayingProxy":
        self._thread.start()
        self._ready.wait(5)
        return self

    def __exit__(self, *exc: object) -> None:
        self._loop.call_soon_threadsafe(self._loop.stop)
        self._thread.join(5)


@pytest.fixture
def kiln_proxy(kiln_url: str) -> Iterator[Callable[..., DelayingProxy]]:
    proxies: list[DelayingProxy] = []

    def start(delay: float = 0.0) -> DelayingProxy:
        proxy = DelayingProxy(kiln_url, delay).__enter__()
        proxies.append(proxy)
        return proxy

    yield start
    for proxy in proxies:
        proxy.__exit__()


async def while_ticking(work: Awaitable[Any]) -> tuple[Any, BaseException | None, int, float]:
    """Runs `work` beside a coroutine ticking every 10 ms: (result, error, ticks, seconds)."""
    ticks = 0
    finished = asyncio.Event()

    async def ticker() -> None:
        nonlocal ticks
        while not finished.is_set():
            await asyncio.sleep(0.01)
            ticks += 1

    ticking = asyncio.create_task(ticker())
    started = time.monotonic()
    result, error = None, None
    try:
        result = await work
    except BaseException as caught:  # noqa: BLE001 - the caller asserts on it
        error = caught
    elapsed = time.monotonic() - started
    finished.set()
    await ticking
    return result, error, ticks, elapsed
