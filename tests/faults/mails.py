"""The mails the fault tests send in, and the check that every one of them was stored once,
with its words and its attachments intact."""

from __future__ import annotations

import hashlib
import random
from collections import Counter
from dataclasses import dataclass, field
from email.message import EmailMessage
from email.utils import formatdate
from pathlib import Path

from tests.faults.harness import query


@dataclass
class Mail:
    external_id: str  # the Message-ID (mail) or the id the API stores
    phrase: str  # words the stored body must contain (the charset was read right)
    raw: bytes = b""
    files: dict[str, str] = field(default_factory=dict)  # file name → sha256 of its bytes


def make_mail(n: int, rng: random.Random, *, to: str, sizes: list[int],
              tag: str = "f") -> Mail:
    """A client's mail: every other one in windows-1251 (8-bit), the rest UTF-8; one
    attachment of random bytes per size, named in Cyrillic (RFC 2231)."""
    phrase = f"Заказ №{n} не пришёл"
    charset = "windows-1251" if n % 2 else "utf-8"
    msg = EmailMessage()
    msg["From"] = f"Клиент {n} <client{n}@example.ru>"
    msg["To"] = to
    msg["Subject"] = f"Где заказ {n}?"
    msg["Date"] = formatdate(localtime=True)
    msg["Message-ID"] = f"<{tag}{n}.{rng.getrandbits(32):x}@example.ru>"
    msg.set_content(f"Здравствуйте! {phrase}, помогите, пожалуйста.\n\nМария\n",
                    charset=charset, cte="8bit" if charset == "windows-1251" else None)
    files = {}
    for k, size in enumerate(sizes):
        content = rng.randbytes(size)
        name = f"счёт-{n}-{k}.pdf"
        msg.add_attachment(content, maintype="application", subtype="pdf", filename=name)
        files[name] = hashlib.sha256(content).hexdigest()
    return Mail(external_id=str(msg["Message-ID"]), phrase=phrase, raw=msg.as_bytes(),
                files=files)


def check_stored(database_url: str, media_root: Path, expected: list[Mail]) -> None:
    """Exactly the expected messages are stored, none twice, each with its words and with
    every attachment's file byte for byte."""
    rows = query(database_url, "SELECT id, external_id, body_text FROM tickets_message "
                               "WHERE kind = 'inbound'")
    counts = Counter(r[1] for r in rows)
    want = {m.external_id: m for m in expected}
    twice = sorted(k for k, c in counts.items() if c > 1)
    missing = sorted(set(want) - set(counts))
    unexpected = sorted(set(counts) - set(want))
    assert not twice, f"{len(twice)} messages stored more than once, e.g. {twice[:5]}"
    assert not missing, f"{len(missing)} of {len(want)} messages lost, e.g. {missing[:5]}"
    assert not unexpected, f"{len(unexpected)} messages nobody sent, e.g. {unexpected[:5]}"
    garbled = [ext for _, ext, body in rows if want[ext].phrase not in body]
    assert not garbled, f"{len(garbled)} bodies lost their words, e.g. {garbled[:5]}"

    files = query(database_url, "SELECT m.external_id, a.filename, a.file, a.size "
                                "FROM tickets_attachment a "
                                "JOIN tickets_message m ON m.id = a.message_id")
    stored: dict[str, dict[str, str]] = {}
    for ext, name, path, _size in files:
        assert path, f"attachment {name} of {ext} has no file"
        digest = hashlib.sha256((media_root / path).read_bytes()).hexdigest()
        assert name not in stored.setdefault(ext, {}), f"{name} of {ext} stored twice"
        stored[ext][name] = digest
    broken = [m.external_id for m in expected if stored.get(m.external_id, {}) != m.files]
    assert not broken, f"{len(broken)} messages' attachments differ, e.g. {broken[:3]}"
