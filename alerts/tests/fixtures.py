"""Real local stand-ins for the outside world: an HTTP receiver on 127.0.0.1 (Slack,
Discord, Telegram, webhooks) and an SMTP server (aiosmtpd). Registered in the root
conftest, so every test folder can use them."""

import socket

import pytest


@pytest.fixture
def receiver(httpserver_ipv4):
    """pytest-httpserver on 127.0.0.1, emptied before each test."""
    return httpserver_ipv4


def received(server, path: str | None = None) -> list:
    return [request for request, _ in server.log if path is None or request.path == path]


class Mailbox:
    def __init__(self):
        self.messages = []
        self.refuse_recipients = ""  # e.g. "550 5.1.1 No such user": RCPT refused with it

    async def handle_RCPT(self, server, session, envelope, address, rcpt_options):  # noqa: N802 (aiosmtpd's hook)
        if self.refuse_recipients:
            return self.refuse_recipients
        envelope.rcpt_tos.append(address)
        return "250 OK"

    async def handle_DATA(self, server, session, envelope):  # noqa: N802 (aiosmtpd's hook name)
        self.messages.append(envelope)
        return "250 OK"


@pytest.fixture
def smtp_server(settings):
    """A real SMTP server on 127.0.0.1 and Django pointed at it (pytest-django forces
    the locmem backend, so the test's settings say SMTP)."""
    from aiosmtpd.controller import Controller

    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    mailbox = Mailbox()
    controller = Controller(mailbox, hostname="127.0.0.1", port=port)
    controller.start()
    settings.EMAIL_BACKEND = "django.core.mail.backends.smtp.EmailBackend"
    settings.EMAIL_HOST, settings.EMAIL_PORT, settings.EMAIL_USE_TLS = "127.0.0.1", port, False
    yield mailbox
    controller.stop()
