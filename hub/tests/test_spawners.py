"""KilnDockerSpawner and KilnKubeSpawner as the Hub makes them from configure_kiln's config: the
home every server of a user shares, the start-up copy's folder, and the host-network option."""

from __future__ import annotations

import pytest
from conftest import hub_config, new_user
from tornado import web

from kiln_jupyterhub import COPY_REPO_COMMAND, COPY_REPO_SCRIPT


def host_network(section: str):
    def site(c):
        c[section].kiln_host_network = True

    return site


@pytest.mark.parametrize(
    ("kiln_repo_dir", "expected"),
    [
        ("my-analysis", "my-analysis"),
        ("a", "a"),
        ("a" * 30, "a" * 30),
        ("a" * 31, None),
        ("../etc", None),
        ("My-Repo", None),
        ("1st", None),
        ("x; rm -rf ~", None),
        ("", None),
        (42, None),
    ],
)
@pytest.mark.parametrize("kind", ["docker", "kubernetes"])
async def test_the_copy_gets_a_folder_only_when_kiln_named_a_valid_one(make_hub, kind, kiln_repo_dir, expected):
    hub = await make_hub(hub_config(kind))
    spawner = new_user(hub).spawners["analysis"]
    spawner.user_options = {"image": "any", "kiln_repo_dir": kiln_repo_dir}
    assert spawner.get_env().get("KILN_REPO_DIR") == expected


async def test_docker_servers_share_one_home_and_copy_the_repository(make_hub):
    hub = await make_hub(hub_config("docker"))
    user = new_user(hub)
    default, named = user.spawners[""], user.spawners["analysis"]

    # DockerSpawner escapes the name ("-" is "-2d"), as it always has for volumes.
    home = {f"jupyterhub-user-{default.escaped_name}": {"bind": "/home/jovyan", "mode": "rw"}}
    assert default.volume_binds == home
    assert named.volume_binds == home
    assert default.notebook_dir == "/home/jovyan"
    assert default.post_start_cmd == COPY_REPO_COMMAND
    assert default.remove is True  # a kept container would start again with its old image
    assert default.options_form == ""
    # Without the opt-in, DockerSpawner's own networking is untouched.
    assert default.kiln_host_network is False
    assert default.network_name == "bridge"
    assert default.use_internal_ip is False


async def test_docker_host_network_is_opt_in(make_hub):
    hub = await make_hub(hub_config("docker", site=host_network("KilnDockerSpawner")))
    spawner = new_user(hub).spawners[""]
    assert spawner.network_name == "host"
    assert spawner.use_internal_ip is True

    # The start reaches the engine (none listens in these tests) with a port chosen before it.
    with pytest.raises(Exception) as no_engine:
        await spawner.start()
    assert not isinstance(no_engine.value, web.HTTPError)
    assert spawner.port != 8888
    assert (spawner.ip, spawner.port) == await spawner.get_ip_and_port() == ("127.0.0.1", spawner.port)


async def test_a_docker_start_without_an_image_runs_the_default_again(make_hub):
    hub = await make_hub(hub_config("docker"))
    spawner = new_user(hub).spawners[""]
    spawner.image = "127.0.0.1:5000/kiln-earlier-start:abc"  # what an earlier start ran
    spawner.user_options = {}

    with pytest.raises(Exception):
        await spawner.start()  # fails at the engine, after choosing the image
    assert spawner.image == "localhost/kiln-singleuser:default"


async def test_kubernetes_servers_share_one_claim_and_copy_the_repository(make_hub):
    hub = await make_hub(hub_config("kubernetes"))
    user = new_user(hub)
    default, named = user.spawners[""], user.spawners["analysis"]

    assert default.pvc_name == named.pvc_name == f"claim-{user.name}"
    assert default.storage_pvc_ensure is True
    assert {"name": "home", "persistentVolumeClaim": {"claimName": "{pvc_name}"}} in named.volumes
    assert {"name": "home", "mountPath": "/home/jovyan"} in named.volume_mounts
    command = default.lifecycle_hooks["postStart"]["exec"]["command"]
    assert command[:2] == ["sh", "-c"]
    assert COPY_REPO_SCRIPT in command[2]
    assert command[2].endswith("|| true")  # a failed copy must not kill the server
    assert default.kiln_host_network is False
    assert "hostNetwork" not in default.extra_pod_config


async def test_kubernetes_host_network_is_opt_in_and_picks_a_port(make_hub, kiln_url, kiln_token):
    hub = await make_hub(hub_config("kubernetes", site=host_network("KilnKubeSpawner"), url=kiln_url, api_token=kiln_token))
    spawner = new_user(hub).spawners[""]
    assert spawner.extra_pod_config["hostNetwork"] is True
    assert spawner.pod_connect_ip == "127.0.0.1"

    spawner.image = "127.0.0.1:5000/kiln-earlier-start:abc"
    spawner.user_options = {}
    await spawner.load_user_options()
    assert spawner.image == "localhost/kiln-singleuser:default"
    assert spawner.port != 8888


async def test_kubernetes_refuses_an_image_kiln_does_not_allow(make_hub, kiln_url, kiln_token):
    hub = await make_hub(hub_config("kubernetes", url=kiln_url, api_token=kiln_token))
    spawner = new_user(hub).spawners[""]
    spawner.user_options = {"image": "127.0.0.1:5000/kiln-never-built:latest"}
    with pytest.raises(web.HTTPError) as refused:
        await spawner.load_user_options()
    assert refused.value.status_code == 403
    assert spawner.image == "localhost/kiln-singleuser:default"
