"""What every Kiln spawner shares, whatever starts its servers.

Where Kiln is and the token to ask it with come from configuration (traits of this mixin), so
an admin sets them once: `configure_kiln` does, or `c.KilnSpawnerMixin.kiln_url = ...` by hand.
"""

from __future__ import annotations

import inspect
from typing import Any

from traitlets import Float, Unicode
from traitlets.config import Configurable

from .hooks import KilnAPI, kiln_repo_dir


class KilnSpawnerMixin(Configurable):
    """Mixed in before a spawner class: the Kiln to ask, and the start-up copy's folder."""

    kiln_url = Unicode(
        "",
        config=True,
        help="Kiln as the Hub reaches it (the kiln service's url), e.g. http://kiln:3030. Unset, every Kiln image is refused.",
    )
    kiln_api_token = Unicode("", config=True, help="The kiln service's api_token: Kiln accepts the Hub's questions only with it.")
    kiln_service_name = Unicode("kiln", config=True, help="The service's name in c.JupyterHub.services: Kiln's path is /services/<name>/.")
    kiln_allowed_images_cache_seconds = Float(
        5.0,
        config=True,
        help="How long an image Kiln allowed stays allowed without asking again: a burst of starts asks once, "
        "and an unshare or a ban reaches the Hub within this time.",
    )

    @property
    def kiln_api(self) -> KilnAPI:
        return KilnAPI(
            url=self.kiln_url,
            api_token=self.kiln_api_token,
            service_name=self.kiln_service_name,
            allowed_images_cache_seconds=self.kiln_allowed_images_cache_seconds,
        )

    async def run_pre_spawn_hook(self) -> None:
        """The admin's pre_spawn_hook, then Kiln's start check (its server quotas).

        The check belongs to the spawner rather than to c.Spawner.pre_spawn_hook, so no hook set
        later in the config (a Zero to JupyterHub extraConfig sorting after Kiln's) can drop it.
        It comes last: it sees the user_options the admin's hook may have changed.
        """
        result = super().run_pre_spawn_hook()  # type: ignore[misc]
        if inspect.isawaitable(result):
            await result
        await self.kiln_api.spawn_check(self)

    def get_env(self) -> dict[str, Any]:
        # Tells the start-up copy which folder of the home gets the repository's files.
        env = super().get_env()  # type: ignore[misc]
        folder = kiln_repo_dir(getattr(self, "user_options", None))
        if folder:
            env["KILN_REPO_DIR"] = folder
        return env
