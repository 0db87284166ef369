"""Logging set-up: our lines carry no medical data, and neither may the libraries'.

aiosqlite logs every SQL statement *with its parameters* at DEBUG, which would copy client
data into the logs whenever someone turns on debugging; such loggers are pinned to WARNING
whatever the configured level.
"""

import logging

# Libraries that log query parameters or request contents at DEBUG/INFO.
_PINNED = ("aiosqlite", "asyncpg", "piccolo", "httpcore", "httpx", "hpack", "multipart")


def pin_library_loggers() -> None:
    for name in _PINNED:
        logging.getLogger(name).setLevel(logging.WARNING)


def configure_logging(level: str) -> None:
    logging.basicConfig(level=level, format="%(asctime)s %(levelname)s %(name)s: %(message)s")
    pin_library_loggers()
