"""A strict, stateful GitHub REST API emulator for testing perfbot without github.com.

`Emulator` serves real HTTP, validates every request against GitHub's OpenAPI description
(`emulator.spec`) and GitHub's documented rules, and records what GitHub would have rejected
in `Emulator.violations` (the `emulator` fixture fails the test if any remain)::

    keys = app_keys()
    emu.register_app(keys.public_pem, app_id=1)
    emu.add_installation(7, "octo-org")
    repo = emu.add_repo("octo-org/service", installation_id=7)
    repo.create_branch("feature")
    repo.commit("feature", {"src/a.py": "x = 1\n"})
    pr = emu.open_pull_request(repo, head="feature", base="main")
    headers, body = emu.sign("pull_request", emu.webhook_payload("pull_request", "opened",
                             pr=pr), secret)
    # ... deliver to the bot (configured with base_url=emu.api), then inspect:
    assert emu.check_runs(repo, pr.head_sha)[0].conclusion == "success"
"""

from .core import Emulator
from .keys import AppKeys, app_jwt, app_keys
from .state import (
                    App,
                    CheckOutput,
                    CheckRun,
                    Comment,
                    Fault,
                    Installation,
                    Issue,
                    Label,
                    PullRequest,
                    Recorded,
                    Repo,
                    Token,
)

__all__ = [
    "App", "AppKeys", "CheckOutput", "CheckRun", "Comment", "Emulator", "Fault", "Installation",
    "Issue", "Label", "PullRequest", "Recorded", "Repo", "Token", "app_jwt", "app_keys",
]
