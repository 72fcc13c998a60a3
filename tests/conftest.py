from emulator.fixtures import emulator  # noqa: F401
from harness import bot, world  # noqa: F401
from postgres import any_store_url, postgres_server, postgres_url  # noqa: F401
