"""configure_kiln as an admin would check it: what it adds to a config, that it keeps what the
admin had, and that JupyterHub itself accepts the result."""

from __future__ import annotations

import subprocess
import sys

import pytest
from conftest import PUBLIC_URL, closed_port, hub_config, new_user
from jupyterhub import orm, scopes
from tornado import web
from traitlets.config import Config

from kiln_jupyterhub import configure_kiln

KILN = {"url": "http://kiln.internal:3030", "api_token": "a-service-token", "public_url": PUBLIC_URL}


def roles_by_name(c: Config) -> dict[str, dict]:
    return {role["name"]: role for role in c.JupyterHub.load_roles}


def test_a_fresh_config_gets_kilns_scopes_service_roles_and_spawner():
    c = Config()
    configure_kiln(c, **KILN)

    assert c.JupyterHub.custom_scopes == {
        "custom:kiln:moderate": {"description": "Moderate images shared in Kiln, ban repositories, set quotas."},
        "custom:kiln:write": {"description": "Build, launch, share and delete in Kiln; a token without it may only read."},
    }
    assert c.JupyterHub.services == [
        {
            "name": "kiln",
            "url": "http://kiln.internal:3030",
            "api_token": "a-service-token",
            "oauth_client_id": "service-kiln",
            "oauth_redirect_uri": f"{PUBLIC_URL}/api/auth/callback/jupyterhub",
            "oauth_no_confirm": True,
            "oauth_client_allowed_scopes": ["read:users:groups!user", "custom:kiln:moderate", "custom:kiln:write"],
            "display": True,
        }
    ]
    roles = roles_by_name(c)
    assert roles["user"]["scopes"] == ["self", "access:services!service=kiln", "custom:kiln:write"]
    assert roles["kiln-service"]["services"] == ["kiln"]
    assert roles["kiln-service"]["scopes"] == ["list:users", "read:users", "read:groups", "servers", "delete:servers", "access:servers", "read:roles"]
    # No members listed: JupyterHub keeps the ones given through its API.
    assert roles["kiln-moderator"] == {"name": "kiln-moderator", "description": "Moderates Kiln's shared images.", "scopes": ["custom:kiln:moderate"]}
    assert c.JupyterHub.spawner_class == "kiln_jupyterhub.KilnDockerSpawner"
    assert c.DockerSpawner.volumes == {"jupyterhub-user-{username}": "/home/jovyan"}
    assert c.Spawner.notebook_dir == "/home/jovyan"
    assert c.JupyterHub.allow_named_servers is True
    assert c.KilnSpawnerMixin.kiln_url == "http://kiln.internal:3030"
    assert c.KilnSpawnerMixin.kiln_api_token == "a-service-token"
    # Kiln's start check is the spawner's own (run_pre_spawn_hook): the admin's hook slot stays theirs.
    assert c.Spawner.get("pre_spawn_hook") is None


def test_names_are_the_admins_to_choose():
    c = Config()
    configure_kiln(
        c,
        **KILN,
        spawner="kubernetes",
        service_name="binder",
        moderate_scope="custom:binder:moderate",
        write_scope="custom:binder:write",
        home_volume="home-{username}",
        home_mount_path="/home/researcher",
        moderator_users=["carol", "ann"],
        moderator_groups=["curators"],
    )
    roles = roles_by_name(c)
    assert set(c.JupyterHub.custom_scopes) == {"custom:binder:moderate", "custom:binder:write"}
    assert c.JupyterHub.services[0]["oauth_client_id"] == "service-binder"
    assert roles["user"]["scopes"] == ["self", "access:services!service=binder", "custom:binder:write"]
    assert roles["binder-service"]["services"] == ["binder"]
    assert roles["binder-moderator"]["users"] == ["ann", "carol"]
    assert roles["binder-moderator"]["groups"] == ["curators"]
    assert c.JupyterHub.spawner_class == "kiln_jupyterhub.KilnKubeSpawner"
    assert c.KubeSpawner.pvc_name_template == "home-{username}"
    assert c.KubeSpawner.storage_pvc_ensure is True
    assert c.KubeSpawner.volumes == [{"name": "home", "persistentVolumeClaim": {"claimName": "{pvc_name}"}}]
    assert c.KubeSpawner.volume_mounts == [{"name": "home", "mountPath": "/home/researcher"}]
    assert c.KilnSpawnerMixin.kiln_service_name == "binder"


def test_kubernetes_homes_default_to_zero_to_jupyterhubs_claims():
    c = Config()
    configure_kiln(c, **KILN, spawner="kubernetes")
    assert c.KubeSpawner.pvc_name_template == "claim-{username}"


def test_the_admins_user_role_is_merged_not_replaced():
    c = Config()
    c.JupyterHub.load_roles = [
        {"name": "user", "description": "Ours.", "scopes": ["self", "read:groups", "access:services!service=kiln"]},
        {"name": "teachers", "scopes": ["admin:users"], "groups": ["teachers"]},
    ]
    configure_kiln(c, **KILN)
    roles = roles_by_name(c)
    assert roles["user"] == {"name": "user", "description": "Ours.", "scopes": ["self", "read:groups", "access:services!service=kiln", "custom:kiln:write"]}
    assert roles["teachers"] == {"name": "teachers", "scopes": ["admin:users"], "groups": ["teachers"]}
    assert [role["name"] for role in c.JupyterHub.load_roles].count("user") == 1


def test_a_user_role_without_scopes_keeps_jupyterhubs_self():
    c = Config()
    c.JupyterHub.load_roles = [{"name": "user", "users": ["ann"]}]
    configure_kiln(c, **KILN)
    assert roles_by_name(c)["user"] == {"name": "user", "users": ["ann"], "scopes": ["self", "access:services!service=kiln", "custom:kiln:write"]}


def test_a_service_or_role_of_kilns_already_defined_is_refused():
    c = Config()
    c.JupyterHub.services = [{"name": "kiln", "url": "http://elsewhere"}]
    with pytest.raises(ValueError, match="service named 'kiln'"):
        configure_kiln(c, **KILN)
    c = Config()
    c.JupyterHub.load_roles = [{"name": "kiln-moderator", "scopes": []}]
    with pytest.raises(ValueError, match="role named 'kiln-moderator'"):
        configure_kiln(c, **KILN)


def test_other_volumes_stay_and_the_home_is_kilns():
    c = Config()
    c.DockerSpawner.volumes = {"jupyterhub-user-{username}{servername}": "/home/jovyan", "/srv/data": {"bind": "/data", "mode": "ro"}}
    configure_kiln(c, **KILN)
    assert c.DockerSpawner.volumes == {"/srv/data": {"bind": "/data", "mode": "ro"}, "jupyterhub-user-{username}": "/home/jovyan"}

    appended = Config()
    appended.DockerSpawner.volumes.update({"/srv/scratch": "/scratch"})  # traitlets' lazy form
    configure_kiln(appended, **KILN)
    assert appended.DockerSpawner.volumes == {"/srv/scratch": "/scratch", "jupyterhub-user-{username}": "/home/jovyan"}


def test_a_zero_to_jupyterhub_home_volume_is_reused():
    c = Config()
    # What Zero to JupyterHub's chart sets for singleuser.storage.type=dynamic, plus a data volume.
    c.KubeSpawner.pvc_name_template = "claim-{username}{servername}"
    c.KubeSpawner.volumes = [
        {"name": "volume-{username}{servername}", "persistentVolumeClaim": {"claimName": "{pvc_name}"}},
        {"name": "data", "persistentVolumeClaim": {"claimName": "shared-data"}},
    ]
    c.KubeSpawner.volume_mounts = [
        {"mountPath": "/home/jovyan", "name": "volume-{username}{servername}"},
        {"mountPath": "/data", "name": "data"},
    ]
    configure_kiln(c, **KILN, spawner="kubernetes")
    assert c.KubeSpawner.pvc_name_template == "claim-{username}"
    assert [volume["name"] for volume in c.KubeSpawner.volumes] == ["volume-{username}{servername}", "data"]
    assert c.KubeSpawner.volume_mounts == [
        {"mountPath": "/data", "name": "data"},
        {"name": "volume-{username}{servername}", "mountPath": "/home/jovyan"},
    ]


def test_settings_are_changed_where_the_admin_put_them():
    c = Config()
    c.KilnDockerSpawner.volumes = {"/srv/data": "/data"}
    c.DockerSpawner.volumes = {"/ignored": "/ignored"}  # overridden by the more specific section above
    configure_kiln(c, **KILN)
    assert c.KilnDockerSpawner.volumes == {"/srv/data": "/data", "jupyterhub-user-{username}": "/home/jovyan"}
    assert c.DockerSpawner.volumes == {"/ignored": "/ignored"}


def test_set_spawner_class_false_leaves_the_admins_class():
    c = Config()
    c.JupyterHub.spawner_class = "mysite.SiteKilnSpawner"
    configure_kiln(c, **KILN, set_spawner_class=False)
    assert c.JupyterHub.spawner_class == "mysite.SiteKilnSpawner"


def test_a_bad_spawner_kind_or_a_missing_token_is_refused():
    with pytest.raises(ValueError, match="spawner"):
        configure_kiln(Config(), **KILN, spawner="slurm")
    with pytest.raises(ValueError, match="api_token"):
        configure_kiln(Config(), **{**KILN, "api_token": ""})


async def test_the_admins_pre_spawn_hooks_run_before_kilns_check(make_hub, kiln_url, kiln_token):
    calls: list[str] = []

    def site_hook(spawner):
        calls.append(f"Spawner:{spawner.user.name}")

    async def kube_hook(spawner):
        calls.append(f"KubeSpawner:{spawner.user.name}")

    def site(c: Config) -> None:
        c.Spawner.pre_spawn_hook = site_hook
        c.KubeSpawner.pre_spawn_hook = kube_hook  # the one a KubeSpawner runs: more specific

    c = hub_config("kubernetes", site=site, url=kiln_url, api_token=kiln_token)
    assert c.KubeSpawner.pre_spawn_hook is kube_hook  # left as the admin set it
    hub = await make_hub(c)
    spawner = new_user(hub).spawners[""]
    await spawner.run_pre_spawn_hook()  # Kiln lets a start without an image pass
    assert calls == [f"KubeSpawner:{spawner.user.name}"]

    calls.clear()
    down = await make_hub(hub_config("kubernetes", site=site, url=f"http://127.0.0.1:{closed_port()}", api_token=kiln_token))
    spawner = new_user(down).spawners[""]
    with pytest.raises(web.HTTPError) as refused:
        await spawner.run_pre_spawn_hook()
    assert refused.value.status_code == 503
    assert calls == [f"KubeSpawner:{spawner.user.name}"]  # the admin's hook ran, then Kiln refused


async def test_a_hook_set_after_configure_kiln_does_not_drop_kilns_check(make_hub, kiln_token):
    calls: list[str] = []
    c = hub_config("kubernetes", url=f"http://127.0.0.1:{closed_port()}", api_token=kiln_token)
    # As a Zero to JupyterHub extraConfig that sorts after Kiln's would.
    c.KubeSpawner.pre_spawn_hook = lambda spawner: calls.append(spawner.user.name)
    down = await make_hub(c)
    spawner = new_user(down).spawners[""]
    with pytest.raises(web.HTTPError) as refused:
        await spawner.run_pre_spawn_hook()
    assert refused.value.status_code == 503  # Kiln's check still ran (and failed closed)
    assert calls == [spawner.user.name]


def test_configuring_twice_asks_the_last_kiln():
    c = Config()
    configure_kiln(c, **KILN)
    c.JupyterHub.services = []
    c.JupyterHub.load_roles = []
    configure_kiln(c, **{**KILN, "url": "http://kiln-2.internal:3030"})
    assert c.KilnSpawnerMixin.kiln_url == "http://kiln-2.internal:3030"
    assert c.Spawner.get("pre_spawn_hook") is None


async def test_jupyterhub_accepts_the_config_and_users_get_kilns_scopes(make_hub):
    hub = await make_hub(hub_config(moderator_users=["hub-admin"], moderator_groups=["kiln-moderators"]))

    assert {"custom:kiln:moderate", "custom:kiln:write"} <= set(scopes.scope_definitions)
    service = orm.Service.find(hub.db, "kiln")
    assert set(service.oauth_client.allowed_scopes) == {
        "access:services!service=kiln",
        "read:users:groups!user",
        "custom:kiln:moderate",
        "custom:kiln:write",
    }
    assert "servers" in scopes.get_scopes_for(service)
    moderator = orm.Role.find(hub.db, "kiln-moderator")
    assert [user.name for user in moderator.users] == ["hub-admin"]
    assert [group.name for group in moderator.groups] == ["kiln-moderators"]

    user = new_user(hub)
    user_scopes = scopes.get_scopes_for(user.orm_user)
    assert "custom:kiln:write" in user_scopes
    assert "access:services!service=kiln" in user_scopes
    assert "custom:kiln:moderate" not in user_scopes
    assert type(user.spawners[""]).__name__ == "KilnDockerSpawner"


async def test_jupyterhub_refuses_a_scope_name_it_would_not_define(make_hub):
    # Proves the check above is JupyterHub's own: an invalid custom scope fails its start.
    with pytest.raises(ValueError, match="Invalid scope name"):
        await make_hub(hub_config(write_scope="custom:Kiln:Write"))


async def test_the_installed_entry_points_name_the_spawners(make_hub):
    for name, expected in (("kiln-docker", "KilnDockerSpawner"), ("kiln-kubernetes", "KilnKubeSpawner")):
        c = hub_config("kubernetes" if name == "kiln-kubernetes" else "docker")
        c.JupyterHub.spawner_class = name
        hub = await make_hub(c)
        assert type(new_user(hub).spawners[""]).__name__ == expected


def test_the_package_imports_without_either_spawner_library(tmp_path):
    probe = "import sys, kiln_jupyterhub; print(sorted(m for m in ('dockerspawner', 'kubespawner') if m in sys.modules))"
    # Run outside hub/, whose sources `-c` would import before the installed package.
    imported = subprocess.run([sys.executable, "-c", probe], capture_output=True, text=True, check=True, cwd=tmp_path).stdout.strip()
    assert imported == "[]"
