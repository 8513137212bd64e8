"""Kiln's reference JupyterHub: DockerSpawner on the host network (or KubeSpawner in Kubernetes
mode), Kiln as a Hub service, added by the kiln_jupyterhub package as any admin would add it.

Everything comes from the environment that scripts/hub.sh sets (see .env.example); what follows
configure_kiln is the local stack's own: demo accounts, loopback addresses, the host network.
"""

import os
import re
from pathlib import Path

from kiln_jupyterhub import configure_kiln

c = get_config()  # noqa: F821 (injected by JupyterHub)


def env(name, default=None):
    value = os.environ.get(name, default)
    if value is None:
        raise SystemExit(f"jupyterhub_config.py: set {name} (see .env.example)")
    return value


state_dir = Path(env("KILN_HUB_STATE", "/var/lib/kiln/hub"))
state_dir.mkdir(parents=True, exist_ok=True)
public_url = env("KILN_HUB_PUBLIC_URL", "http://127.0.0.1:8000").rstrip("/")
kiln_url = env("KILN_URL", "http://127.0.0.1:3030")
service_prefix = "/services/kiln"
# With subdomains (JupyterHub's advice for isolating user servers from each other and from
# services), users are at <user>.<domain> and Kiln at kiln--service.<domain>.
subdomain_host = os.environ.get("KILN_SUBDOMAIN_HOST", "").rstrip("/")
kiln_public_url = env("KILN_PUBLIC_URL", f"{public_url}{service_prefix}").rstrip("/")

# --- the Hub and its proxy, on loopback only -------------------------------------------
c.JupyterHub.bind_url = env("KILN_HUB_BIND_URL", public_url).rstrip("/") + "/"
c.JupyterHub.hub_bind_url = env("KILN_HUB_API_BIND_URL", "http://127.0.0.1:8081")
c.JupyterHub.hub_connect_url = c.JupyterHub.hub_bind_url
c.JupyterHub.db_url = f"sqlite:///{state_dir / 'jupyterhub.sqlite'}"
c.JupyterHub.cookie_secret_file = str(state_dir / "jupyterhub_cookie_secret")
c.JupyterHub.pid_file = str(state_dir / "jupyterhub.pid")
c.ConfigurableHTTPProxy.command = [env("KILN_CHP_COMMAND", "configurable-http-proxy")]
c.ConfigurableHTTPProxy.api_url = env("KILN_CHP_API_URL", "http://127.0.0.1:8001")
c.ConfigurableHTTPProxy.pid_file = str(state_dir / "proxy.pid")
c.JupyterHub.template_paths = [str(Path(__file__).parent / "templates")]
c.JupyterHub.template_vars = {"kiln_url": f"{kiln_public_url}/"}
if subdomain_host:
    c.JupyterHub.subdomain_host = subdomain_host
    c.JupyterHub.public_url = public_url + "/"

# --- who may sign in --------------------------------------------------------------------
# The local stack's demo accounts; production swaps in its real authenticator.
c.JupyterHub.authenticator_class = "dummy"
c.DummyAuthenticator.password = env("KILN_DEMO_PASSWORD", "kiln-demo")
c.Authenticator.allow_all = True
c.Authenticator.admin_users = {env("KILN_DEMO_ADMIN", "admin")}
c.Authenticator.allowed_users = set(env("KILN_DEMO_USERS", "alice,bob").split(","))
c.JupyterHub.load_groups = {
    "researchers": {"users": sorted(c.Authenticator.allowed_users)},
    "kiln-moderators": {"users": []},
}

# --- servers ----------------------------------------------------------------------------
c.JupyterHub.named_server_limit_per_user = int(env("KILN_NAMED_SERVER_LIMIT", "3"))
singleuser_image = env("KILN_SINGLEUSER_IMAGE", "localhost/kiln-singleuser:5.5.4")
kiln_mode = env("KILN_MODE", "docker")
if kiln_mode not in ("docker", "kubernetes"):
    raise SystemExit(f"jupyterhub_config.py: KILN_MODE must be docker or kubernetes, not {kiln_mode!r}")
if kiln_mode == "kubernetes":
    # Servers are pods (KubeSpawner); configure_kiln gives each user one claim (claim-{username}).
    c.KubeSpawner.namespace = env("KILN_K8S_NAMESPACE")
    c.KubeSpawner.image = singleuser_image
    c.KubeSpawner.image_pull_policy = env("KILN_K8S_IMAGE_PULL_POLICY", "IfNotPresent")
    pull_secret = os.environ.get("KILN_K8S_SERVER_PULL_SECRET")
    if pull_secret:
        c.KubeSpawner.image_pull_secrets = [pull_secret]
    c.KubeSpawner.uid = 1000
    c.KubeSpawner.gid = 1000
    # Unset: the cluster's default StorageClass ("" would ask for none, turning off provisioning).
    c.KubeSpawner.storage_class = os.environ.get("KILN_K8S_STORAGE_CLASS") or None
    c.KubeSpawner.storage_capacity = env("KILN_K8S_STORAGE_CAPACITY", "1Gi")
    c.KubeSpawner.node_selector = dict(
        pair.split("=", 1) for pair in os.environ.get("KILN_K8S_NODE_SELECTOR", "").split(",") if "=" in pair
    )
    # The local cluster has no pod network and no volume provisioner.
    c.KilnKubeSpawner.kiln_host_network = os.environ.get("KILN_K8S_HOST_NETWORK", "") in ("true", "1")
    c.KilnKubeSpawner.kiln_local_home_root = os.environ.get("KILN_K8S_LOCAL_HOME_ROOT", "")
else:
    c.DockerSpawner.client_kwargs = {"base_url": env("DOCKER_HOST", "unix:///var/run/docker.sock")}
    c.DockerSpawner.image = singleuser_image
    # Kiln images may live only in the registry (the engine pulls them); the base image is local.
    c.DockerSpawner.pull_policy = "ifnotpresent"
    c.DockerSpawner.name_template = "kiln-{username}-{servername}"
    # This machine's containers have no network of their own: servers listen on the host's loopback.
    c.KilnDockerSpawner.kiln_host_network = True
c.Spawner.start_timeout = 120
# A single-user server answering within a minute of its container starting: under the test suite's
# load (three specs at once on two cores) Jupyter took over 30 s to start, and the Hub gave up.
c.Spawner.http_timeout = 60
# Sites Kiln lets call its build API (Thebe on a Jupyter Book) then talk to the server it
# launched, with the server token: the server must allow their origin too (BinderHub's
# cors_allow_origin does the same for its servers).
cors_origins = [o.strip() for o in os.environ.get("KILN_CORS_ALLOW_ORIGINS", "").split(",") if o.strip()]
if "*" in cors_origins:
    c.Spawner.args = ["--ServerApp.allow_origin=*"]
elif cors_origins:
    pattern = "^(" + "|".join(re.escape(o) for o in cors_origins) + ")$"
    c.Spawner.args = [f"--ServerApp.allow_origin_pat={pattern}"]

# --- Kiln as a service ------------------------------------------------------------------
configure_kiln(
    c,
    url=kiln_url,
    api_token=env("KILN_HUB_API_TOKEN"),
    public_url=kiln_public_url,
    spawner=kiln_mode,
    moderator_users=c.Authenticator.admin_users,
    moderator_groups=["kiln-moderators"],
    # scripts/bench-hub.ts reads the same variable to know how long the Hub keeps an answer.
    allowed_images_cache_seconds=float(env("KILN_ALLOWED_IMAGES_CACHE_SECONDS", "5")),
)
test_token = os.environ.get("KILN_TEST_HUB_TOKEN")
if test_token:
    # The local stack only: the test suite makes its own users (an admin, a moderator, people)
    # with this service's token, so it never touches the demo accounts. Only an admin may make
    # an admin, hence the (deprecated, still supported) admin flag.
    c.JupyterHub.services.append({"name": "kiln-tests", "api_token": test_token, "admin": True})
