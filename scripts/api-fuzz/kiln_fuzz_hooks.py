"""Schemathesis hooks for fuzzing Kiln's API (scripts/api-fuzz.sh).

Each request is made as the next of several fuzz users, in turn: Kiln limits each person to
KILN_REQUESTS_PER_MINUTE, and one user would see most of the fuzzer's requests refused with 429
before Kiln looked at them. Schemathesis knows this is the authentication, so its checks that
drop or spoil it (ignored_auth, missing_required_header) still run.
"""

import itertools
import os

import schemathesis

_tokens = itertools.cycle(os.environ["KILN_FUZZ_TOKENS"].split())


@schemathesis.auth(refresh_interval=None)
class RotatingHubTokens:
    def get(self, case, context):
        return next(_tokens)

    def set(self, case, data, context):
        case.headers = case.headers or {}
        case.headers["Authorization"] = f"token {data}"
