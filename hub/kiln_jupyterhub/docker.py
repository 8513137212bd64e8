"""DockerSpawner that runs only the images Kiln allows.

- The image comes from user_options["image"], and only when Kiln lists it for this user (asked
  without blocking the Hub's event loop, refusing when Kiln does not answer); DockerSpawner's
  own allowed_images is not consulted. A start without an image runs the configured default.
- The repository's files (/srv/repo in every Kiln image) are copied into a folder of the
  persistent home on each start, never overwriting what the user already has.
- `kiln_host_network` (off by default): servers on the host's network, each listening on a free
  port of 127.0.0.1 chosen before its container is made, for hosts where containers get no
  network of their own (Kiln's local stack).
"""

from __future__ import annotations

from typing import Any

from dockerspawner import DockerSpawner
from traitlets import Bool, default

from .hooks import COPY_REPO_COMMAND, free_loopback_port
from .spawner import KilnSpawnerMixin


class KilnDockerSpawner(KilnSpawnerMixin, DockerSpawner):
    kiln_host_network = Bool(
        False,
        config=True,
        help="Run servers on the host's network, each on a free port of 127.0.0.1 (no bridge network is used).",
    )

    @default("remove")
    def _default_remove(self) -> bool:
        # A stopped container that is kept would start again with its old image, not the one asked for.
        return True

    @default("options_form")
    def _default_options_form(self) -> str:
        # Kiln chooses the image; the Hub offers no form of its own.
        return ""

    @default("post_start_cmd")
    def _default_post_start_cmd(self) -> str:
        return COPY_REPO_COMMAND

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self._kiln_default_image = self.image
        if self.kiln_host_network:
            self.network_name = "host"
            # No port mapping on the host's network: the Hub reaches the server where it listens.
            self.use_internal_ip = True

    async def check_allowed(self, image: str) -> str:
        # DockerSpawner's allowed_images callable runs synchronously on the Hub's event loop;
        # this asks Kiln asynchronously instead, for the image the start asked for.
        return await self.kiln_api.check_image(self, image)

    async def start(self) -> Any:
        # The spawner outlives one start: a start that names no image runs the default one, not
        # whatever an earlier start ran (which may have been unshared or banned since).
        if not (self.user_options or {}).get("image"):
            self.image = self._kiln_default_image
        if self.kiln_host_network:
            # The port is part of the container's command line, so it must be known before create.
            self.port = free_loopback_port()
            self.ip = "127.0.0.1"
        return await super().start()

    async def post_start_exec(self) -> Any:
        # A container that died at once cannot run the copy; let the Hub report why it died
        # (through the spawn's progress) instead of failing here with an unrelated error.
        try:
            await super().post_start_exec()
        except Exception as error:  # noqa: BLE001
            self.log.warning("Copying the repository into %s's home failed: %s", self.user.name, error)

    async def get_ip_and_port(self) -> tuple[str, int]:
        if self.kiln_host_network:
            return "127.0.0.1", self.port
        return await super().get_ip_and_port()
