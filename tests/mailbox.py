"""A real SMTP server (aiosmtpd) on a free loopback port, collecting what it receives."""

import socket
from collections.abc import Iterator
from dataclasses import dataclass, field
from email.message import EmailMessage, Message
from typing import Any

import pytest
from aiosmtpd.controller import Controller
from aiosmtpd.handlers import Message as MessageHandler


class Collector(MessageHandler):
    def __init__(self) -> None:
        super().__init__(message_class=EmailMessage)
        self.messages: list[Message] = []

    def handle_message(self, message: Message) -> None:
        self.messages.append(message)


@dataclass
class Mailbox:
    port: int
    collector: Collector = field(repr=False)

    @property
    def messages(self) -> list[Message]:
        return self.collector.messages

    def texts(self) -> list[str]:
        """Every message as one string: headers, text parts and attachments, decoded."""
        out = []
        for message in self.messages:
            parts = [f"{k}: {v}" for k, v in message.items()]
            for part in message.walk():
                payload: Any = part.get_payload(decode=True)
                if isinstance(payload, bytes):
                    parts.append(payload.decode(part.get_content_charset() or "utf-8", "replace"))
            out.append("\n".join(parts))
        return out


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


@pytest.fixture
def mailbox() -> Iterator[Mailbox]:
    collector = Collector()
    port = _free_port()
    controller = Controller(collector, hostname="127.0.0.1", port=port)
    controller.start()
    try:
        yield Mailbox(port=port, collector=collector)
    finally:
        controller.stop()
