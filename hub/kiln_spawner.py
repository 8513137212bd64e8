"""DockerSpawner for containers on the host network (Kiln's reference deployment).

No bridge network is ever used: the single-user server listens on a free port of
the host's loopback, chosen before the container is created.
"""

import socket

from dockerspawner import DockerSpawner


def free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


class HostNetworkDockerSpawner(DockerSpawner):
    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.network_name = "host"
        self.use_internal_ip = True
        self.remove = True

    async def start(self):
        # The port is part of the container's command line, so it must be known before create.
        self.port = free_port()
        self.ip = "127.0.0.1"
        return await super().start()

    async def get_ip_and_port(self):
        return "127.0.0.1", self.port
