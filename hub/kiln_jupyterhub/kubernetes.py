"""KubeSpawner that runs only the images Kiln allows, behaving as KilnDockerSpawner does.

- The image comes from user_options["image"], and only when Kiln allows it to this user
  (asked asynchronously, failing closed); without one, the configured default image runs.
- The repository's files are copied into a folder of the home on each start, without
  overwriting (a postStart hook; KILN_REPO_DIR names the folder).
- `kiln_host_network`: on a cluster without pod networking (Kiln's local one), pods use the
  node's network: the server listens on a free port of the node's loopback, chosen before the
  pod is made.
- `kiln_local_home_root`: on a cluster with no volume provisioner (the local one), each
  user's claim is pre-bound to a hostPath volume under that directory of this machine.

Imported only when asked for (kiln_jupyterhub.KilnKubeSpawner), so a Hub without KubeSpawner
installed can use the rest of the package.
"""

from __future__ import annotations

import asyncio
import os
from pathlib import Path
from typing import Any

from kubernetes_asyncio.client.rest import ApiException
from kubespawner import KubeSpawner
from traitlets import Bool, Unicode

from .hooks import COPY_REPO_SCRIPT, free_loopback_port
from .spawner import KilnSpawnerMixin


class KilnKubeSpawner(KilnSpawnerMixin, KubeSpawner):
    kiln_host_network = Bool(False, config=True, help="Run servers on the node's network (no pod networking).")
    kiln_local_home_root = Unicode("", config=True, help="Pre-bind each user's claim to a hostPath volume here.")

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self._kiln_default_image = self.image
        # A failed copy must not fail the start (a postStart failure kills the container), as with Docker.
        copy_repo = {"exec": {"command": ["sh", "-c", f"{{ {COPY_REPO_SCRIPT}; }} || true"]}}
        if "postStart" in self.lifecycle_hooks:
            self.log.warning("Kiln's repository copy replaces the configured postStart lifecycle hook")
        self.lifecycle_hooks = {**self.lifecycle_hooks, "postStart": copy_repo}
        if self.kiln_host_network:
            self.extra_pod_config = {**self.extra_pod_config, "hostNetwork": True, "dnsPolicy": "Default"}
            self.pod_connect_ip = "127.0.0.1"

    async def load_user_options(self) -> None:
        await super().load_user_options()
        image = (self.user_options or {}).get("image")
        if image is None:
            # The spawner outlives one start: an earlier start's image must not stick.
            self.image = self._kiln_default_image
        else:
            self.image = await self.kiln_api.check_image(self, image)
        if self.kiln_host_network:
            self.port = free_loopback_port()
        if self.kiln_local_home_root:
            await self._kiln_local_home()

    async def _kiln_local_home(self) -> None:
        """A hostPath volume bound to this user's claim before KubeSpawner makes the claim."""
        root = Path(self.kiln_local_home_root)
        root.mkdir(parents=True, exist_ok=True)
        root.chmod(0o700)  # homes are their owners' business, as Docker's volumes are root's only
        path = root / self.pvc_name
        if not path.exists():
            path.mkdir(mode=0o700)
            os.chown(path, int(self.uid or 1000), int(self.gid or self.uid or 1000))
        volume = {
            "apiVersion": "v1",
            "kind": "PersistentVolume",
            "metadata": {"name": f"kiln-home-{self.pvc_name}", "labels": {"app.kubernetes.io/part-of": "kiln"}},
            "spec": {
                "capacity": {"storage": self.storage_capacity or "1Gi"},
                "accessModes": self.storage_access_modes,
                "persistentVolumeReclaimPolicy": "Retain",
                "storageClassName": self.storage_class,
                "hostPath": {"path": str(path), "type": "Directory"},
                "claimRef": {"namespace": self.namespace, "name": self.pvc_name},
            },
        }
        create = self.api.create_persistent_volume
        try:
            await asyncio.wait_for(create(volume), self.k8s_api_request_timeout)
        except ApiException as error:
            if error.status != 409:
                raise
            # A volume whose claim was deleted (its user was) stays Released and binds no new
            # claim: it is made again, with the same directory and the files in it.
            existing = await self.api.read_persistent_volume(volume["metadata"]["name"])
            if existing.status.phase == "Released":
                await self.api.delete_persistent_volume(volume["metadata"]["name"])
                for _ in range(50):
                    try:
                        await create(volume)
                        break
                    except ApiException as again:
                        if again.status != 409:
                            raise
                        await asyncio.sleep(0.2)
