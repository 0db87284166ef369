"""Logging set-up: our lines carry no medical data, and neither may the libraries'.

Two rules, both here so no door or job sets a level of its own:

- The service's own loggers (``practice``, ``scheduling``, ``reporting``) log at LOG_LEVEL.
  Libraries log at WARNING, or at LOG_LEVEL when that is stricter or DEBUG: a start of
  ``practice serve --demo`` used to print ~190 lines of SMTP, queue and server chatter that
  buried the URL and the logins. An operator hunting a library's problem sets
  LOG_LEVEL=DEBUG and sees it.
- Loggers that would copy client data into the logs are pinned to WARNING whatever the
  level: aiosqlite logs every SQL statement *with its parameters* at DEBUG, the HTTP
  libraries log headers and bodies, and aiosmtpd's ``mail.log`` (the quick start's mail
  catcher) logs the envelope and, at DEBUG, the message with its text.
"""

import logging

# Libraries that log query parameters, request or message contents at DEBUG/INFO.
_PINNED = (
    "aiosqlite",
    "asyncpg",
    "piccolo",
    "httpcore",
    "httpx",
    "hpack",
    "multipart",
    "mail.log",  # aiosmtpd
    "aiosmtplib",
    "uvicorn.access",  # query strings; the app logs method, path and status itself
)
# The service's own packages: these follow LOG_LEVEL.
OWN = ("practice", "scheduling", "reporting")
# uvicorn configures its own loggers (with their own handlers), so it is told separately.
_UVICORN = ("uvicorn", "uvicorn.error")


def pin_library_loggers() -> None:
    for name in _PINNED:
        logging.getLogger(name).setLevel(logging.WARNING)


def library_level(level: str) -> str:
    """The level of every library's logger under LOG_LEVEL ``level``: WARNING unless
    LOG_LEVEL is stricter (ERROR) or asks for everything (DEBUG)."""
    return level if level in {"DEBUG", "ERROR"} else "WARNING"


def configure_logging(level: str) -> None:
    # The root logger carries every library's records (arq, weasyprint, fontTools, asyncio,
    # redis, ...): set to the library level, our packages below it to LOG_LEVEL.
    logging.basicConfig(
        level=library_level(level), format="%(asctime)s %(levelname)s %(name)s: %(message)s"
    )
    logging.getLogger().setLevel(library_level(level))
    for name in OWN:
        logging.getLogger(name).setLevel(level)
    for name in _UVICORN:
        logging.getLogger(name).setLevel(library_level(level))
    pin_library_loggers()
