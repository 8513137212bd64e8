"""configure_kiln: Kiln added to a JupyterHub's configuration in one call.

It adds to what the admin configured rather than replacing it: their `user` role keeps its
scopes, their pre_spawn_hook still runs (Kiln's check is the spawner's own, see
KilnSpawnerMixin.run_pre_spawn_hook), their spawner's other volumes stay. It refuses (with a
ValueError) to redefine a service or a role of Kiln's that the config already has.
"""

from __future__ import annotations

import copy
from typing import Any, Callable, Iterable, Literal, Optional, Sequence

from traitlets.config import Config, LazyConfigValue


SpawnerKind = Literal["docker", "kubernetes"]

MODERATE_SCOPE = "custom:kiln:moderate"
WRITE_SCOPE = "custom:kiln:write"
SPAWNER_CLASSES = {"docker": "kiln_jupyterhub.KilnDockerSpawner", "kubernetes": "kiln_jupyterhub.KilnKubeSpawner"}
# The names DockerSpawner's documentation and Zero to JupyterHub use, so the homes users already have carry over.
DEFAULT_HOME_VOLUMES = {"docker": "jupyterhub-user-{username}", "kubernetes": "claim-{username}"}
# Config sections of each spawner, base class first: traitlets applies a subclass's section last, so it wins.
SPAWNER_SECTIONS = {"docker": ("DockerSpawner", "KilnDockerSpawner"), "kubernetes": ("KubeSpawner", "KilnKubeSpawner")}
KILN_SERVICE_SCOPES = ["list:users", "read:users", "read:groups", "servers", "delete:servers", "access:servers", "read:roles"]


def configure_kiln(
    c: Config,
    *,
    url: str,
    api_token: str,
    public_url: str,
    spawner: SpawnerKind = "docker",
    set_spawner_class: bool = True,
    service_name: str = "kiln",
    moderate_scope: str = MODERATE_SCOPE,
    write_scope: str = WRITE_SCOPE,
    home_volume: Optional[str] = None,
    home_mount_path: str = "/home/jovyan",
    moderator_users: Optional[Iterable[str]] = None,
    moderator_groups: Optional[Iterable[str]] = None,
    allowed_images_cache_seconds: float = 5.0,
) -> None:
    """Adds Kiln to the Hub configured by `c` (call it after the spawner's own settings).

    url: Kiln as the Hub reaches it (the service's url). api_token: the service's token, which
    Kiln has as JUPYTERHUB_API_TOKEN. public_url: Kiln as browsers reach it, with the service
    prefix (https://hub.example.org/services/kiln). spawner: "docker" or "kubernetes";
    set_spawner_class=False leaves c.JupyterHub.spawner_class to the admin (a subclass of
    KilnDockerSpawner or KilnKubeSpawner). home_volume: the one home of each user, in every
    image and every named server (default jupyterhub-user-{username} for Docker, the claim
    claim-{username} for Kubernetes). moderator_users/moderator_groups: members of the
    moderator role; None keeps the memberships the Hub's database has (given through its API).

    Sets: the custom scopes; the service (OAuth client service-<name>); the roles `user`
    (merged into the admin's), `<name>-service` and `<name>-moderator`; the spawner class and
    its Kiln settings (the spawner runs Kiln's start check after any pre_spawn_hook); the home
    volume at home_mount_path, which is also the servers' notebook_dir; named servers.
    """
    if spawner not in SPAWNER_CLASSES:
        raise ValueError(f"configure_kiln: spawner must be one of {sorted(SPAWNER_CLASSES)}, not {spawner!r}")
    for name, value in (("url", url), ("api_token", api_token), ("public_url", public_url)):
        if not value:
            raise ValueError(f"configure_kiln: {name} must be set")

    custom_scopes = dict(_configured(c.JupyterHub, "custom_scopes", {}))
    custom_scopes.setdefault(moderate_scope, {"description": "Moderate images shared in Kiln, ban repositories, set quotas."})
    custom_scopes.setdefault(write_scope, {"description": "Build, launch, share and delete in Kiln; a token without it may only read."})
    c.JupyterHub.custom_scopes = custom_scopes

    services = list(_configured(c.JupyterHub, "services", []))
    if any(service.get("name") == service_name for service in services):
        raise ValueError(f"configure_kiln: c.JupyterHub.services already has a service named {service_name!r}; configure_kiln defines it")
    services.append(
        {
            "name": service_name,
            "url": url,
            "api_token": api_token,
            "oauth_client_id": f"service-{service_name}",
            "oauth_redirect_uri": f"{public_url.rstrip('/')}/api/auth/callback/jupyterhub",
            "oauth_no_confirm": True,
            # What a signed-in user's token may carry to Kiln: who they are, their groups, and
            # the moderator and write scopes when they hold them.
            "oauth_client_allowed_scopes": ["read:users:groups!user", moderate_scope, write_scope],
            "display": True,
        }
    )
    c.JupyterHub.services = services

    c.JupyterHub.load_roles = kiln_roles(
        _configured(c.JupyterHub, "load_roles", []),
        service_name=service_name,
        moderate_scope=moderate_scope,
        write_scope=write_scope,
        moderator_users=moderator_users,
        moderator_groups=moderator_groups,
    )

    if set_spawner_class:
        c.JupyterHub.spawner_class = SPAWNER_CLASSES[spawner]
    c.KilnSpawnerMixin.kiln_url = url
    c.KilnSpawnerMixin.kiln_api_token = api_token
    c.KilnSpawnerMixin.kiln_service_name = service_name
    c.KilnSpawnerMixin.kiln_allowed_images_cache_seconds = allowed_images_cache_seconds

    sections = SPAWNER_SECTIONS[spawner]
    home_volume = home_volume or DEFAULT_HOME_VOLUMES[spawner]
    if spawner == "docker":
        _update(c, sections, "volumes", {}, lambda volumes: {**_without_mount_at(volumes, home_mount_path), home_volume: home_mount_path})
    else:
        _update(c, sections, "pvc_name_template", "", lambda _: home_volume)
        _update(c, sections, "storage_pvc_ensure", False, lambda _: True)
        volumes = list(_effective(c, sections, "volumes", [])[1])
        claim = next((v for v in volumes if (v.get("persistentVolumeClaim") or {}).get("claimName") == "{pvc_name}"), None)
        if claim is None:
            taken = {volume.get("name") for volume in volumes}
            claim = {"name": "home" if "home" not in taken else "kiln-home", "persistentVolumeClaim": {"claimName": "{pvc_name}"}}
            volumes.append(claim)
        _update(c, sections, "volumes", [], lambda _: volumes)
        _update(
            c,
            sections,
            "volume_mounts",
            [],
            lambda mounts: [m for m in mounts if m.get("mountPath") != home_mount_path] + [{"name": claim["name"], "mountPath": home_mount_path}],
        )
    # Kiln opens servers at paths inside the home (the repository's folder is there).
    _update(c, ("Spawner", *sections), "notebook_dir", "", lambda _: home_mount_path)
    c.JupyterHub.allow_named_servers = True


def kiln_roles(
    roles: Sequence[dict[str, Any]],
    *,
    service_name: str = "kiln",
    moderate_scope: str = MODERATE_SCOPE,
    write_scope: str = WRITE_SCOPE,
    moderator_users: Optional[Iterable[str]] = None,
    moderator_groups: Optional[Iterable[str]] = None,
) -> list[dict[str, Any]]:
    """`roles` (c.JupyterHub.load_roles) with Kiln's: every user reaches Kiln, Kiln acts on servers, moderators moderate."""
    roles = [dict(role) for role in roles]
    for name in (f"{service_name}-service", f"{service_name}-moderator"):
        if any(role.get("name") == name for role in roles):
            raise ValueError(f"configure_kiln: c.JupyterHub.load_roles already has a role named {name!r}; configure_kiln defines it")
    kiln_user_scopes = [f"access:services!service={service_name}", write_scope]
    user_role = next((role for role in roles if role.get("name") == "user"), None)
    if user_role is None:
        roles.append({"name": "user", "description": "Every user: their own things, and Kiln.", "scopes": ["self", *kiln_user_scopes]})
    else:
        # JupyterHub overlays a configured role on its default key by key: one without scopes has "self".
        scopes = list(user_role.get("scopes", ["self"]))
        user_role["scopes"] = scopes + [scope for scope in kiln_user_scopes if scope not in scopes]
    roles.append(
        {
            "name": f"{service_name}-service",
            "description": "Kiln reads users and starts, stops and removes their servers.",
            "scopes": list(KILN_SERVICE_SCOPES),
            "services": [service_name],
        }
    )
    moderator: dict[str, Any] = {"name": f"{service_name}-moderator", "description": "Moderates Kiln's shared images.", "scopes": [moderate_scope]}
    # A listed membership is exact (JupyterHub revokes the rest at each start); an absent one is left alone.
    if moderator_users is not None:
        moderator["users"] = sorted(moderator_users)
    if moderator_groups is not None:
        moderator["groups"] = sorted(moderator_groups)
    roles.append(moderator)
    return roles


def _configured(section: Config, key: str, empty: Any) -> Any:
    """What the admin set for `key` (their .append()/.update() applied to `empty`), else `empty`."""
    if key not in section:
        return copy.deepcopy(empty)
    value = section[key]
    if isinstance(value, LazyConfigValue):
        return value.get_value(copy.deepcopy(empty))
    return value


def _effective(c: Config, sections: Sequence[str], key: str, empty: Any) -> tuple[str, Any]:
    """The most specific of `sections` setting `key` (else the least) and its value there."""
    found = [name for name in sections if key in c[name]]
    name = found[-1] if found else sections[0]
    return name, _configured(c[name], key, empty)


def _update(c: Config, sections: Sequence[str], key: str, empty: Any, change: Callable[[Any], Any]) -> None:
    """Changes `key` where it takes effect, so the admin's later edits of that section still apply."""
    name, value = _effective(c, sections, key, empty)
    c[name][key] = change(value)


def _without_mount_at(volumes: dict[str, Any], path: str) -> dict[str, Any]:
    """DockerSpawner's volumes without the one mounted at `path` (a bind is a path or {"bind": path, ...})."""
    return {source: bind for source, bind in volumes.items() if (bind.get("bind") if isinstance(bind, dict) else bind) != path}
