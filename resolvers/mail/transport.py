"""Where letters go: the console (development, `make run`) or an SMTP server (aiosmtplib)."""

from __future__ import annotations

import logging
from dataclasses import dataclass, field
from email.message import EmailMessage
from email.utils import formatdate, make_msgid, parseaddr
from typing import Protocol
from urllib.parse import unquote, urlparse

import aiosmtplib

from resolvers.mail.schemas import Letter, MailNotSent

log = logging.getLogger("basalt.mail")


class MailTransport(Protocol):
    sender: str  # the From of every mail that names no other

    async def send(self, letter: Letter) -> None: ...


@dataclass
class ConsoleMail:
    """Development: each mail is printed to the server's log (and kept, newest last)."""

    sender: str
    sent: list[Letter] = field(default_factory=list)

    async def send(self, letter: Letter) -> None:
        log.warning("Mail to %s\nSubject: %s\n\n%s", letter.to, letter.subject, letter.body)
        self.sent.append(letter)
        del self.sent[:-100]


class SmtpMail:
    """smtp://user:password@host:port upgrades with STARTTLS when the server offers it;
    smtps:// speaks TLS from the start (port 465 by default)."""

    def __init__(self, url: str, *, sender: str, timeout: float = 20.0) -> None:
        parsed = urlparse(url)
        self.sender = sender
        self.hostname = parsed.hostname or "localhost"
        self.implicit_tls = parsed.scheme == "smtps"
        self.port = parsed.port or (465 if self.implicit_tls else 25)
        self.username = unquote(parsed.username) if parsed.username else None
        self.password = unquote(parsed.password) if parsed.password else None
        self.timeout = timeout

    async def send(self, letter: Letter) -> None:
        try:
            await aiosmtplib.send(
                self.message(letter),
                hostname=self.hostname,
                port=self.port,
                username=self.username,
                password=self.password,
                use_tls=self.implicit_tls,
                timeout=self.timeout,
            )
        except aiosmtplib.SMTPRecipientsRefused as exc:  # 4xx (greylisting, a full mailbox) is worth retrying
            codes = [refused.code for refused in exc.recipients]
            raise MailNotSent(f"recipient refused: {exc}", permanent=all(code >= 500 for code in codes)) from None
        except aiosmtplib.SMTPResponseException as exc:
            raise MailNotSent(f"SMTP {exc.code}: {exc.message}", permanent=exc.code >= 500) from None
        except (aiosmtplib.SMTPException, OSError) as exc:
            raise MailNotSent(f"SMTP server unreachable: {exc}") from None

    def message(self, letter: Letter) -> EmailMessage:
        message = EmailMessage()
        message["From"] = letter.sender or self.sender
        message["To"] = letter.to
        if letter.reply_to:
            message["Reply-To"] = letter.reply_to
        message["Subject"] = letter.subject
        message["Date"] = formatdate(usegmt=True)
        message["Message-ID"] = make_msgid(domain=domain_of(self.sender))
        message.set_content(letter.body)
        if letter.html:
            message.add_alternative(letter.html, subtype="html")
        return message


def domain_of(sender: str) -> str:
    address = parseaddr(sender)[1]
    return address.rpartition("@")[2] or "localhost"
