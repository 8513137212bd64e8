"""What the Hub asks Kiln before a start, and what every Kiln server runs once started.

The Hub enforces Kiln's decisions even for starts asked of its own API: an image runs only when
Kiln lists it for the user, and every start is held to Kiln's server quotas. Both questions go
over HTTP without blocking the Hub's event loop (Kiln calls the Hub back while answering), and
no answer means no (fail closed).
"""

from __future__ import annotations

import json
import re
import socket
import time
import urllib.parse
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any, Mapping, Optional

from tornado import web
from tornado.httpclient import AsyncHTTPClient, HTTPClientError, HTTPRequest

if TYPE_CHECKING:
    from jupyterhub.spawner import Spawner

# Copies without overwriting (cp -n), so edits made in the home always win.
COPY_REPO_SCRIPT = (
    'if [ -n "$KILN_REPO_DIR" ] && [ -d /srv/repo ]; then '
    'mkdir -p "$HOME/$KILN_REPO_DIR" && cp -Rn /srv/repo/. "$HOME/$KILN_REPO_DIR/"; fi'
)
COPY_REPO_COMMAND = f"sh -c '{COPY_REPO_SCRIPT}'"

# Kiln names the folder after the repository; anything else could escape the home or the shell.
REPO_DIR_PATTERN = re.compile(r"[a-z][a-z0-9-]{0,29}")


def kiln_repo_dir(user_options: Optional[Mapping[str, Any]]) -> Optional[str]:
    """The home folder the repository's files go to, when Kiln named a valid one."""
    folder = str((user_options or {}).get("kiln_repo_dir", ""))
    return folder if REPO_DIR_PATTERN.fullmatch(folder) else None


def free_loopback_port() -> int:
    """A port free on 127.0.0.1 now: a server on the host's network needs its own."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


# Kiln's last answer per (allowed-images URL, user): (monotonic time it came, the images).
# Shared by every spawner of the Hub, so a burst of one user's starts costs Kiln one request.
_allowed_answers: dict[tuple[str, str], tuple[float, frozenset[str]]] = {}


@dataclass(frozen=True)
class KilnAPI:
    """The two questions the Hub asks Kiln, with the service's token."""

    url: str  # Kiln as the Hub reaches it: the service's url, without the service prefix
    api_token: str = field(repr=False)  # kept out of logs and tracebacks
    service_name: str = "kiln"
    # How long an image Kiln allowed stays allowed without asking again: an unshare or a ban
    # reaches the Hub within this time.
    allowed_images_cache_seconds: float = 5.0
    allowed_images_timeout_seconds: float = 5.0
    # Kiln counts the user's servers through the Hub's API before answering.
    spawn_check_timeout_seconds: float = 30.0

    @property
    def hub_api_url(self) -> str:
        """Kiln's endpoints for the Hub: the proxy does not strip the service prefix, nor does Kiln."""
        return f"{self.url.rstrip('/')}/services/{self.service_name}/api/hub"

    def _headers(self) -> dict[str, str]:
        return {"Authorization": f"token {self.api_token}"}

    def recently_allowed(self, user: str, image: str) -> bool:
        """Whether Kiln allowed `image` to `user` within the last allowed_images_cache_seconds."""
        answer = _allowed_answers.get((self.hub_api_url, user))
        return bool(answer) and time.monotonic() - answer[0] < self.allowed_images_cache_seconds and image in answer[1]

    async def allowed_images(self, spawner: Spawner) -> frozenset[str]:
        """The images Kiln lets this user run, asked without blocking the Hub's event loop (fails closed)."""
        user = spawner.user.name
        query = urllib.parse.urlencode({"user": user})
        request = HTTPRequest(
            f"{self.hub_api_url}/allowed-images?{query}",
            headers=self._headers(),
            request_timeout=self.allowed_images_timeout_seconds,
        )
        try:
            response = await AsyncHTTPClient().fetch(request)
            images = frozenset(json.loads(response.body)["images"])
        except Exception as error:  # noqa: BLE001 - any failure means: allow nothing
            _allowed_answers.pop((self.hub_api_url, user), None)
            spawner.log.error("Kiln could not say which images %s may run: %s", user, error)
            raise web.HTTPError(503, "Kiln is not answering, so no image can be started. Try again shortly.")
        _allowed_answers[(self.hub_api_url, user)] = (time.monotonic(), images)
        return images

    async def check_image(self, spawner: Spawner, image: object) -> str:
        """The image, when Kiln lets this user run it; otherwise the start is refused."""
        # Only an allowed answer is reused: an image missing from it (built a moment ago) is asked again.
        if isinstance(image, str) and self.recently_allowed(spawner.user.name, image):
            return image
        if not isinstance(image, str) or image not in await self.allowed_images(spawner):
            raise web.HTTPError(403, f"Image {image!r} is not in the allowed list: Kiln does not let {spawner.user.name} run it.")
        return image

    async def spawn_check(self, spawner: Spawner) -> None:
        """Kiln checks every start of one of its images against its server quotas (the spawner runs it after any pre_spawn_hook).

        A start Kiln made carries its ticket and passes at once; one asked of the Hub's API directly
        is counted now, so the API is no way around the quotas. Asynchronous, so the Hub's event loop
        (which Kiln calls back to count servers) never waits on it; fails closed.
        """
        options = spawner.user_options or {}
        body: dict[str, Any] = {
            "user": spawner.user.name,
            "server": spawner.name or "",
            "image": options.get("image") if isinstance(options.get("image"), str) else None,
        }
        if isinstance(options.get("kiln_ticket"), str):
            body["ticket"] = options["kiln_ticket"]
        request = HTTPRequest(
            f"{self.hub_api_url}/spawn-check",
            method="POST",
            headers={**self._headers(), "Content-Type": "application/json"},
            body=json.dumps(body),
            request_timeout=self.spawn_check_timeout_seconds,
        )
        try:
            await AsyncHTTPClient().fetch(request)
        except HTTPClientError as error:
            if error.response is None:  # timed out: Kiln did not answer at all
                spawner.log.error("Kiln did not answer the start check of %s/%s: %s", spawner.user.name, spawner.name, error)
                raise web.HTTPError(503, "Kiln is not answering, so no server can be started from its images. Try again shortly.")
            detail = "Kiln refused to start this server."
            try:
                detail = json.loads(error.response.body)["detail"]
            except Exception:  # noqa: BLE001 - keep the generic message
                pass
            status = error.code if 400 <= error.code < 500 else 503
            raise web.HTTPError(status, detail)
        except Exception as error:  # noqa: BLE001 - Kiln unreachable: start nothing
            spawner.log.error("Kiln could not check the start of %s/%s: %s", spawner.user.name, spawner.name, error)
            raise web.HTTPError(503, "Kiln is not answering, so no server can be started from its images. Try again shortly.")
