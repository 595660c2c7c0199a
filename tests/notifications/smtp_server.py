"""A real SMTP server on this machine (aiosmtpd), for the notification tests and the latency
benchmark: it takes what Visible sends through Django's SMTP backend and keeps each message,
parsed, with the moment it arrived. It can refuse an address for good (550) or for now (451).
"""

from __future__ import annotations

import email
import email.policy
import socket
import threading
import time
from dataclasses import dataclass, field
from email.message import EmailMessage

from aiosmtpd.controller import Controller


@dataclass
class Received:
    sender: str
    to: list[str]
    message: EmailMessage
    at: float  # time.time() when the server accepted it

    @property
    def subject(self) -> str:
        return str(self.message["Subject"] or "")

    @property
    def body(self) -> str:
        part = self.message.get_body(preferencelist=("plain",))
        return part.get_content() if part is not None else ""


@dataclass
class _Handler:
    received: list[Received] = field(default_factory=list)
    refuse_for_good: set[str] = field(default_factory=set)
    refuse_for_now: set[str] = field(default_factory=set)
    arrived: threading.Condition = field(default_factory=threading.Condition)

    async def handle_RCPT(self, server, session, envelope, address, rcpt_options):
        if address.lower() in self.refuse_for_good:
            return "550 5.1.1 No such mailbox here"
        if address.lower() in self.refuse_for_now:
            return "451 4.3.0 Mailbox busy, try again later"
        envelope.rcpt_tos.append(address)
        return "250 OK"

    async def handle_DATA(self, server, session, envelope):
        parsed = email.message_from_bytes(envelope.content, policy=email.policy.default)
        with self.arrived:
            self.received.append(
                Received(envelope.mail_from, list(envelope.rcpt_tos), parsed, time.time())
            )
            self.arrived.notify_all()
        return "250 Message accepted for delivery"


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


class SmtpServer:
    """start() / stop(); ``messages`` as they arrived; ``wait_for(n)``."""

    def __init__(self) -> None:
        self.handler = _Handler()
        self.port = free_port()
        self.controller = Controller(self.handler, hostname="127.0.0.1", port=self.port)

    def start(self) -> SmtpServer:
        self.controller.start()
        return self

    def stop(self) -> None:
        self.controller.stop()

    @property
    def messages(self) -> list[Received]:
        return list(self.handler.received)

    def refuse(self, address: str, *, for_good: bool = True) -> None:
        (self.handler.refuse_for_good if for_good else self.handler.refuse_for_now).add(
            address.lower()
        )

    def wait_for(self, count: int, timeout: float = 10) -> list[Received]:
        deadline = time.monotonic() + timeout
        with self.handler.arrived:
            while len(self.handler.received) < count:
                left = deadline - time.monotonic()
                if left <= 0:
                    raise AssertionError(
                        f"the SMTP server received {len(self.handler.received)} messages, "
                        f"not {count}, within {timeout} s"
                    )
                self.handler.arrived.wait(left)
        return self.messages
