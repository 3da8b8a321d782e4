"""Mailbox secrets at rest: Fernet (AES-128-CBC + HMAC-SHA256) with a key derived from the
secret key, so a database dump alone does not give away every mailbox's password."""

from __future__ import annotations

import base64
import hashlib

from cryptography.fernet import Fernet, InvalidToken
from django.conf import settings


def _fernet() -> Fernet:
    digest = hashlib.sha256(b"helpwire.mail.secret:" + settings.SECRET_KEY.encode()).digest()
    return Fernet(base64.urlsafe_b64encode(digest))


def encrypt(plain: str) -> str:
    return _fernet().encrypt(plain.encode()).decode() if plain else ""


def decrypt(token: str) -> str:
    """The secret, or "" when there is none or it was sealed under another secret key (the
    mailbox then fails to log in, and says so, until the password is entered again)."""
    if not token:
        return ""
    try:
        return _fernet().decrypt(token.encode()).decode()
    except InvalidToken:
        return ""
