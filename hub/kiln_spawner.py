"""DockerSpawner for Kiln's reference deployment.

- Containers run on the host network: the single-user server listens on a free port of the
  host's loopback, chosen before the container is created. No bridge network is ever used.
- The images a user may run are the ones Kiln says: their own library and shared images.
- The repository's files (/srv/repo in every Kiln image) are copied into a folder of the
  persistent home on each start, never overwriting what the user already has.
"""

import json
import os
import re
import socket
import time
import urllib.parse

from dockerspawner import DockerSpawner
from tornado import web
from tornado.httpclient import AsyncHTTPClient, HTTPClientError, HTTPRequest

# Copies without overwriting (cp -n), so edits made in the home always win.
COPY_REPO_SCRIPT = (
    'if [ -n "$KILN_REPO_DIR" ] && [ -d /srv/repo ]; then '
    'mkdir -p "$HOME/$KILN_REPO_DIR" && cp -Rn /srv/repo/. "$HOME/$KILN_REPO_DIR/"; fi'
)
COPY_REPO = f"sh -c '{COPY_REPO_SCRIPT}'"


def kiln_repo_dir(user_options):
    """The home folder the repository's files go to, when Kiln named a valid one."""
    folder = str((user_options or {}).get("kiln_repo_dir", ""))
    return folder if re.fullmatch(r"[a-z][a-z0-9-]{0,29}", folder) else None


def free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


# How long an image Kiln allowed stays allowed without asking again: a burst of starts costs
# Kiln one request, and an unshare or a ban reaches the Hub within this time.
ALLOWED_CACHE_SECONDS = float(os.environ.get("KILN_ALLOWED_IMAGES_CACHE_SECONDS", "5"))
_allowed_cache = {}  # user name -> (monotonic time of Kiln's answer, set of images)


def recently_allowed(user, image):
    """Whether Kiln allowed `image` to `user` within the last ALLOWED_CACHE_SECONDS."""
    cached = _allowed_cache.get(user)
    return bool(cached) and time.monotonic() - cached[0] < ALLOWED_CACHE_SECONDS and image in cached[1]


async def kiln_allowed_images(spawner):
    """The images Kiln lets this user run, asked without blocking the Hub's event loop (fails closed)."""
    user = spawner.user.name
    kiln = os.environ["KILN_URL"].rstrip("/")
    query = urllib.parse.urlencode({"user": user})
    request = HTTPRequest(
        f"{kiln}/services/kiln/api/hub/allowed-images?{query}",
        headers={"Authorization": f"token {os.environ['KILN_HUB_API_TOKEN']}"},
        request_timeout=5,
    )
    try:
        response = await AsyncHTTPClient().fetch(request)
        images = set(json.loads(response.body)["images"])
    except Exception as error:  # noqa: BLE001 - any failure means: allow nothing
        _allowed_cache.pop(user, None)
        spawner.log.error("Kiln could not say which images %s may run: %s", user, error)
        raise web.HTTPError(503, "Kiln is not answering, so no image can be started. Try again shortly.")
    _allowed_cache[user] = (time.monotonic(), images)
    return images


async def kiln_check_image(spawner, image):
    """The image, when Kiln lets this user run it; otherwise the start is refused."""
    # Only an allowed answer is reused: an image missing from it (built a moment ago) is asked again.
    if isinstance(image, str) and recently_allowed(spawner.user.name, image):
        return image
    if not isinstance(image, str) or image not in await kiln_allowed_images(spawner):
        raise web.HTTPError(403, f"Image {image!r} is not in the allowed list: Kiln does not let {spawner.user.name} run it.")
    return image


async def kiln_spawn_check(spawner):
    """pre_spawn_hook: Kiln checks every start of one of its images against its server quotas.

    A start Kiln made carries its ticket and passes at once; one asked of the Hub's API directly
    is counted now, so the API is no way around the quotas. Asynchronous, so the Hub's event loop
    (which Kiln calls back to count servers) never waits on it; fails closed.
    """
    kiln = os.environ["KILN_URL"].rstrip("/")
    options = spawner.user_options or {}
    body = {
        "user": spawner.user.name,
        "server": spawner.name or "",
        "image": options.get("image") if isinstance(options.get("image"), str) else None,
    }
    if isinstance(options.get("kiln_ticket"), str):
        body["ticket"] = options["kiln_ticket"]
    request = HTTPRequest(
        f"{kiln}/services/kiln/api/hub/spawn-check",
        method="POST",
        headers={"Authorization": f"token {os.environ['KILN_HUB_API_TOKEN']}", "Content-Type": "application/json"},
        body=json.dumps(body),
        request_timeout=30,
    )
    try:
        await AsyncHTTPClient().fetch(request)
    except HTTPClientError as error:
        detail = "Kiln refused to start this server."
        try:
            detail = json.loads(error.response.body)["detail"] if error.response is not None else detail
        except Exception:  # noqa: BLE001 - keep the generic message
            pass
        status = error.code if 400 <= error.code < 500 else 503
        raise web.HTTPError(status, detail)
    except Exception as error:  # noqa: BLE001 - Kiln unreachable: start nothing
        spawner.log.error("Kiln could not check the start of %s/%s: %s", spawner.user.name, spawner.name, error)
        raise web.HTTPError(503, "Kiln is not answering, so no server can be started from its images. Try again shortly.")


class KilnRepoDirMixin:
    """Tells the start-up copy (KILN_REPO_DIR) which folder of the home gets the repository's files."""

    def get_env(self):
        env = super().get_env()
        folder = kiln_repo_dir(self.user_options)
        if folder:
            env["KILN_REPO_DIR"] = folder
        return env


class HostNetworkDockerSpawner(KilnRepoDirMixin, DockerSpawner):
    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.network_name = "host"
        self.use_internal_ip = True
        self.remove = True
        self._kiln_default_image = self.image

    async def check_allowed(self, image):
        # DockerSpawner's allowed_images callable runs synchronously on the Hub's event loop;
        # this asks Kiln asynchronously instead, for the image the start asked for.
        return await kiln_check_image(self, image)

    async def start(self):
        # The spawner outlives one start: a start that names no image runs the default one, not
        # whatever an earlier start ran (which may have been unshared or banned since).
        if not (self.user_options or {}).get("image"):
            self.image = self._kiln_default_image
        # The port is part of the container's command line, so it must be known before create.
        self.port = free_port()
        self.ip = "127.0.0.1"
        return await super().start()

    async def post_start_exec(self):
        # A container that died at once cannot run the copy; let the Hub report why it died
        # (through the spawn's progress) instead of failing here with an unrelated error.
        try:
            await super().post_start_exec()
        except Exception as error:  # noqa: BLE001
            self.log.warning("Copying the repository into %s's home failed: %s", self.user.name, error)

    async def get_ip_and_port(self):
        return "127.0.0.1", self.port
