"""Kiln's side of JupyterHub: add Kiln to a Hub with a few lines of jupyterhub_config.py.

    from kiln_jupyterhub import configure_kiln
    configure_kiln(c, url="http://kiln:3030", api_token=..., public_url="https://hub.example.org/services/kiln")

The spawner classes are imported only when asked for, so a Hub needs DockerSpawner or
KubeSpawner installed only for the one it uses.
"""

from __future__ import annotations

from importlib import import_module
from typing import TYPE_CHECKING, Any

from .config import configure_kiln, kiln_roles
from .hooks import COPY_REPO_COMMAND, COPY_REPO_SCRIPT, KilnAPI, kiln_repo_dir
from .spawner import KilnSpawnerMixin

if TYPE_CHECKING:
    from .docker import KilnDockerSpawner
    from .kubernetes import KilnKubeSpawner

__version__ = "0.1.0"

_LAZY_SPAWNERS = {"KilnDockerSpawner": ".docker", "KilnKubeSpawner": ".kubernetes"}

__all__ = [
    "COPY_REPO_COMMAND",
    "COPY_REPO_SCRIPT",
    "KilnAPI",
    "KilnDockerSpawner",
    "KilnKubeSpawner",
    "KilnSpawnerMixin",
    "configure_kiln",
    "kiln_repo_dir",
    "kiln_roles",
]


def __getattr__(name: str) -> Any:
    if name in _LAZY_SPAWNERS:
        return getattr(import_module(_LAZY_SPAWNERS[name], __name__), name)
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
