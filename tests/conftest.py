from emulator.fixtures import emulator  # noqa: F401
from harness import bot, world  # noqa: F401
