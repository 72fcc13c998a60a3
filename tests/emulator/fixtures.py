"""pytest fixture: a started Emulator per test that fails the test on any GitHub violation.

Use from tests/conftest.py with `from emulator.fixtures import emulator  # noqa: F401`.
"""

from __future__ import annotations

from collections.abc import AsyncIterator

import pytest
import pytest_asyncio

from .core import Emulator


@pytest_asyncio.fixture
async def emulator() -> AsyncIterator[Emulator]:
    """Function-scoped and cheap: the OpenAPI description is parsed once per process.

    It also checks the emulator's own answers against the description (about 1 ms a request),
    so a test never passes on a response shape GitHub could not send.
    """
    emu = Emulator(check_responses=True)
    await emu.start()
    try:
        yield emu
    finally:
        await emu.close()
    if emu.violations:
        listing = "\n".join(f"  - {v}" for v in emu.violations)
        pytest.fail(f"GitHub would have rejected {len(emu.violations)} request(s):\n{listing}",
                    pytrace=False)
