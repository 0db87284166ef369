"""The quick start's outgoing mail: a local SMTP server that keeps every message in a maildir.

``practice serve`` on the embedded default has no mail server to talk to. Rather than have
every confirmation and reminder fail (and be retried, and logged), it starts this one on a
free loopback port and points ``SMTP_HOST``/``SMTP_PORT`` at it: nothing leaves the machine,
and a newcomer can read in ``var/mail/new`` what the practice would have sent. Production
sets ``SMTP_HOST`` and never starts it.
"""

import mailbox
import socket
from pathlib import Path

from aiosmtpd.controller import Controller
from aiosmtpd.handlers import Mailbox


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def start(mail_dir: Path) -> Controller:
    """A running SMTP server on 127.0.0.1 that stores what it receives under ``mail_dir``."""
    mailbox.Maildir(mail_dir, create=True)  # its new/, cur/ and tmp/ folders
    controller = Controller(Mailbox(mail_dir), hostname="127.0.0.1", port=_free_port())
    controller.start()
    return controller
