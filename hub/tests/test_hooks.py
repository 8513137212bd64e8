"""The Hub asks the running Kiln, as a Hub with configure_kiln's config does: which images a user
may run (cached briefly, failing closed) and whether a start is within Kiln's quotas, without
ever holding up the Hub's event loop."""

from __future__ import annotations

import asyncio
import json
import os
import secrets
import time

import pytest
from conftest import closed_port, hub_config, new_user, while_ticking
from tornado import web
from tornado.httpclient import AsyncHTTPClient, HTTPClientError, HTTPRequest

from kiln_jupyterhub import KilnAPI

NOT_ANSWERING = "Kiln is not answering"


def never_built_image() -> str:
    return f"127.0.0.1:5000/kiln-never-built-{secrets.token_hex(4)}:latest"


async def test_a_new_user_is_refused_an_image_kiln_does_not_share(make_hub, kiln_url, kiln_token):
    hub = await make_hub(hub_config(url=kiln_url, api_token=kiln_token))
    spawner = new_user(hub).spawners[""]
    image = never_built_image()

    assert image not in await spawner.kiln_api.allowed_images(spawner)
    with pytest.raises(web.HTTPError) as refused:
        await spawner.check_allowed(image)
    assert refused.value.status_code == 403
    assert spawner.user.name in refused.value.log_message


async def test_a_start_naming_a_refused_image_stops_before_the_engine(make_hub, kiln_url, kiln_token):
    hub = await make_hub(hub_config(url=kiln_url, api_token=kiln_token))
    spawner = new_user(hub).spawners[""]
    spawner.user_options = {"image": never_built_image()}

    with pytest.raises(web.HTTPError) as refused:
        await spawner.start()
    assert refused.value.status_code == 403


async def test_kiln_refusing_the_token_fails_closed(make_hub, kiln_url):
    hub = await make_hub(hub_config(url=kiln_url, api_token="not-the-service-token"))
    spawner = new_user(hub).spawners[""]

    with pytest.raises(web.HTTPError) as refused:
        await spawner.check_allowed(never_built_image())
    assert refused.value.status_code == 503


async def test_kiln_down_refuses_at_once(make_hub):
    hub = await make_hub(hub_config(url=f"http://127.0.0.1:{closed_port()}"))
    spawner = new_user(hub).spawners[""]
    spawner.user_options = {"image": never_built_image()}

    started = time.monotonic()
    with pytest.raises(web.HTTPError) as images_refused:
        await spawner.check_allowed(spawner.user_options["image"])
    with pytest.raises(web.HTTPError) as start_refused:
        await spawner.run_pre_spawn_hook()
    # A refused connection is an answer: well within the 5 s the Hub would wait for a reply.
    assert time.monotonic() - started < 3
    assert images_refused.value.status_code == 503
    assert start_refused.value.status_code == 503
    assert NOT_ANSWERING in start_refused.value.log_message


async def test_a_slow_kiln_leaves_the_hubs_event_loop_running(make_hub, kiln_proxy, kiln_token):
    proxy = kiln_proxy(delay=2)
    hub = await make_hub(hub_config(url=proxy.url, api_token=kiln_token))
    spawner = new_user(hub).spawners[""]

    _, error, ticks, seconds = await while_ticking(spawner.check_allowed(never_built_image()))
    assert isinstance(error, web.HTTPError) and error.status_code == 403  # Kiln's answer, late
    assert seconds >= 2
    assert ticks >= 50

    _, error, ticks, seconds = await while_ticking(spawner.run_pre_spawn_hook())
    assert error is None  # a start without an image passes Kiln's check
    assert seconds >= 2
    assert ticks >= 50
    assert proxy.connections == 2


async def test_a_kiln_that_never_answers_is_refused_after_the_timeout(make_hub, kiln_proxy, kiln_token):
    proxy = kiln_proxy(delay=3)
    hub = await make_hub(hub_config(url=proxy.url, api_token=kiln_token))
    spawner = new_user(hub).spawners[""]
    impatient = KilnAPI(url=proxy.url, api_token=kiln_token, allowed_images_timeout_seconds=0.5)

    started = time.monotonic()
    with pytest.raises(web.HTTPError) as refused:
        await impatient.check_image(spawner, never_built_image())
    assert refused.value.status_code == 503
    assert time.monotonic() - started < 2


async def test_an_image_missing_from_kilns_answer_is_asked_again(make_hub, kiln_proxy, kiln_token):
    proxy = kiln_proxy()
    hub = await make_hub(hub_config(url=proxy.url, api_token=kiln_token, allowed_images_cache_seconds=60))
    spawner = new_user(hub).spawners[""]
    image = never_built_image()

    for asked in (1, 2):
        with pytest.raises(web.HTTPError):
            await spawner.check_allowed(image)
        assert proxy.connections == asked


async def test_an_allowed_image_is_not_asked_again_within_the_cache_time(make_hub, kiln_proxy, kiln_token):
    proxy = kiln_proxy()
    hub = await make_hub(hub_config(url=proxy.url, api_token=kiln_token, allowed_images_cache_seconds=1))
    user = new_user(hub)
    spawner = user.spawners[""]
    shared = await spawner.kiln_api.allowed_images(spawner)
    if not shared:
        # npm test runs these after the end-to-end suite, which shares images: there it must not skip.
        if os.environ.get("KILN_HUB_TESTS_AFTER_E2E") == "1":
            pytest.fail("the running Kiln shares no image, though the end-to-end suite ran before and shares some")
        pytest.skip("the running Kiln shares no image yet, so it allows a new user none (the end-to-end suite shares some)")
    image = sorted(shared)[0]
    assert proxy.connections == 1

    assert await spawner.check_allowed(image) == image
    # Another server of the same user (a named one) uses the same answer.
    assert await user.spawners["second"].check_allowed(image) == image
    assert proxy.connections == 1

    await asyncio.sleep(1.1)
    assert await spawner.check_allowed(image) == image
    assert proxy.connections == 2


async def test_the_start_check_passes_kilns_refusal_on(make_hub, kiln_url):
    hub = await make_hub(hub_config(url=kiln_url, api_token="not-the-service-token"))
    spawner = new_user(hub).spawners[""]
    # What Kiln itself answers that request.
    request = HTTPRequest(
        f"{kiln_url}/services/kiln/api/hub/spawn-check",
        method="POST",
        headers={"Authorization": "token not-the-service-token", "Content-Type": "application/json"},
        body=json.dumps({"user": spawner.user.name, "server": "", "image": None}),
    )
    with pytest.raises(HTTPClientError) as kiln_said:
        await AsyncHTTPClient().fetch(request)

    with pytest.raises(web.HTTPError) as refused:
        await spawner.run_pre_spawn_hook()
    assert refused.value.status_code == kiln_said.value.code
    assert refused.value.log_message == json.loads(kiln_said.value.response.body)["detail"]


@pytest.mark.parametrize("image", [None, "localhost/kiln-singleuser:not-a-kiln-build"])
async def test_the_start_check_lets_kiln_pass_a_start(make_hub, kiln_url, kiln_token, image):
    hub = await make_hub(hub_config(url=kiln_url, api_token=kiln_token))
    spawner = new_user(hub).spawners["named"]
    spawner.user_options = {"image": image} if image else {}

    await spawner.run_pre_spawn_hook()
