"""A generated .eml corpus for the ingest benchmarks and the peer [#11, CH1].

    .venv/bin/python benchmarks/corpus.py --out DIR [--count 5000] [--seed 1]

Writes DIR/00001.eml … and DIR/manifest.json. About a third of the messages are replies to
an earlier message of the corpus (In-Reply-To and References, the earlier text quoted below);
bodies are Russian (utf-8 or windows-1251) or English, sent quoted-printable, base64 or 8-bit;
one message in five carries one to three attachments (PDF-like, PNG-like, CSV, a Cyrillic file
name). The manifest says for each message what the client wrote (``body``, without the quoted
history) and each attachment's SHA-256, so a helpdesk's import can be checked for what it
lost or garbled.

Deterministic for a seed: the same command writes the same bytes.
"""

from __future__ import annotations

import argparse
import hashlib
import json
import random
import sys
from datetime import UTC, datetime, timedelta
from email import encoders
from email.charset import BASE64, QP, Charset
from email.message import Message
from email.mime.application import MIMEApplication
from email.mime.base import MIMEBase
from email.mime.multipart import MIMEMultipart
from email.mime.text import MIMEText
from email.utils import format_datetime, formataddr
from pathlib import Path
from typing import Any

from helpwire.demo import content
from helpwire.demo.scenarios import SCENARIOS

TO = "support@bench.helpwire.local"
ENGLISH = (
    ("Order {order} has not arrived",
     "Hello! My parcel {order} was due three days ago and the tracking still says in transit. "
     "Could you tell me when to expect it?"),
    ("Refund for a cancelled order",
     "Good afternoon. I cancelled order {order} a week ago but the money has not come back "
     "to my card yet. Please check what is going on."),
    ("Cannot log in to the app",
     "Hi, the app keeps asking for a code by SMS but the code never comes. I tried twice "
     "today. My order is {order}."),
    ("Damaged box",
     "The box of order {order} arrived crushed and the mug inside is broken. Photos "
     "attached. What should I do to get a replacement?"),
)
ENGLISH_FOLLOWUPS = ("Thank you, waiting for news.", "Any update on this? It is urgent.",
                     "Thanks, everything works now.", "I sent the documents, please check.")
ENCODINGS = ("quoted-printable", "base64", "8bit")


def _order(rng: random.Random) -> str:
    return f"EP{rng.randint(10_000_000, 99_999_999)}"


def _person(rng: random.Random, russian: bool) -> tuple[str, str]:
    first = rng.choice(content.MALE_NAMES + content.FEMALE_NAMES)
    last = rng.choice(content.SURNAMES)
    login = f"{content.translit(first)}.{content.translit(last)}{rng.randint(1, 999)}".lower()
    domain = rng.choice(content.EMAIL_DOMAINS if russian else ("gmail.com", "outlook.com"))
    name = f"{first} {last}" if russian else f"{content.translit(first)} {content.translit(last)}"
    return name, f"{login}@{domain}"


def _attachment(rng: random.Random, n: int) -> tuple[MIMEBase, dict[str, Any]]:
    kind = rng.randrange(4)
    size = rng.choice((900, 4_000, 20_000, 120_000))
    data = rng.randbytes(size)
    if kind == 0:
        name, ctype, part = f"invoice-{n}.pdf", "application/pdf", None
        data = b"%PDF-1.4\n" + data
    elif kind == 1:
        name, ctype, part = f"photo_{n}.png", "image/png", None
        data = b"\x89PNG\r\n\x1a\n" + data
    elif kind == 2:
        rows = "\n".join(f"{i};EP{rng.randint(10**7, 10**8 - 1)};{rng.randint(1, 9999)},00"
                         for i in range(size // 40))
        name, ctype = f"orders-{n}.csv", "text/csv"
        data = ("номер;заказ;сумма\n" + rows + "\n").encode("utf-8")
        part = MIMEBase("text", "csv", charset="utf-8")
        part.set_payload(data)
        encoders.encode_base64(part)
    else:
        name, ctype, part = f"Акт сверки №{n}.pdf", "application/pdf", None
        data = b"%PDF-1.7\n" + data
    if part is None:
        part = MIMEApplication(data, _subtype=ctype.split("/")[1])
        part.replace_header("Content-Type", ctype)
    part.add_header("Content-Disposition", "attachment", filename=("utf-8", "", name)
                    if not name.isascii() else name)
    return part, {"filename": name, "content_type": ctype,
                  "sha256": hashlib.sha256(data).hexdigest(), "size": len(data)}


def _encodable(text: str, charset: str) -> bool:
    try:
        text.encode(charset)
    except UnicodeEncodeError:
        return False
    return True


def _text_part(body: str, charset: str, encoding: str) -> MIMEText:
    cs = Charset(charset)
    if encoding == "8bit":
        part = MIMEText("", "plain")
        # Raw 8-bit bytes: BytesGenerator writes surrogate-escaped text back as the bytes.
        part.set_payload(body.encode(charset).decode("ascii", "surrogateescape"))
        del part["Content-Type"]
        del part["Content-Transfer-Encoding"]
        part["Content-Type"] = f'text/plain; charset="{charset}"'
        part["Content-Transfer-Encoding"] = "8bit"
        return part
    cs.body_encoding = QP if encoding == "quoted-printable" else BASE64
    part = MIMEText("", "plain")
    # MIMEText("") already says 7bit; with that header set_payload would not encode at all.
    del part["Content-Transfer-Encoding"]
    part.set_payload(body, cs)
    return part


def build(*, count: int, seed: int) -> list[tuple[bytes, dict[str, Any]]]:
    rng = random.Random(seed)
    start = datetime(2026, 11, 2, 9, 0, tzinfo=UTC)
    sent: list[dict[str, Any]] = []
    out: list[tuple[bytes, dict[str, Any]]] = []
    for n in range(1, count + 1):
        when = start + timedelta(seconds=n * 37 + rng.randint(0, 30))
        parent = rng.choice(sent[-300:]) if sent and rng.random() < 0.33 else None
        russian = parent["russian"] if parent else rng.random() < 0.8
        if parent:
            name, addr = parent["name"], parent["from"]
            subject = "Re: " + parent["subject"].removeprefix("Re: ")
            body = rng.choice([f for f, _ in content.FOLLOWUPS] if russian else ENGLISH_FOLLOWUPS)
        else:
            name, addr = _person(rng, russian)
            order = _order(rng)
            if russian:
                scenario = rng.choice(SCENARIOS)
                subject = rng.choice(scenario.subjects)
                body = rng.choice(scenario.openers)
            else:
                subject, body = rng.choice(ENGLISH)
            subject = subject.replace("{order}", order).replace("{mention}", "")
            body = body.replace("{order}", order).replace("{mention}", "")
            sign = rng.choice(content.CLIENT_SIGN_OFFS).replace("{full}", name) if russian else ""
            body = body + ("\n\n" + sign if sign else "")
        charset = rng.choice(("utf-8", "utf-8", "windows-1251")) if russian else "utf-8"
        if not _encodable(body + (parent["body"] if parent else ""), charset):
            charset = "utf-8"  # ₽ and the like have no windows-1251 byte
        encoding = rng.choice(ENCODINGS)
        text = body
        if parent:
            quoted = "\n".join("> " + line for line in parent["body"].splitlines())
            text += f"\n\n{format_datetime(parent['date'])}, {TO} wrote:\n{quoted}"
        main: Message = _text_part(text + "\n", charset, encoding)
        files: list[dict[str, Any]] = []
        if rng.random() < 0.2:
            mixed = MIMEMultipart("mixed")
            mixed.attach(main)
            for k in range(rng.choice((1, 1, 1, 2, 3))):
                part, info = _attachment(rng, n * 10 + k)
                mixed.attach(part)
                files.append(info)
            main = mixed
        msgid = f"<bench.{seed}.{n}@{addr.split('@')[1]}>"
        main["From"] = formataddr((name, addr), charset="utf-8")
        main["To"] = TO
        main["Subject"] = subject
        main["Date"] = format_datetime(when)
        main["Message-ID"] = msgid
        if parent:
            main["In-Reply-To"] = parent["message_id"]
            main["References"] = parent["message_id"]
        if "MIME-Version" not in main:
            main["MIME-Version"] = "1.0"
        raw = main.as_bytes()
        entry = {"file": f"{n:05d}.eml", "message_id": msgid,
                 "in_reply_to": parent["message_id"] if parent else None, "from": addr,
                 "subject": subject, "charset": charset, "transfer_encoding": encoding,
                 "body": body, "attachments": files}
        out.append((raw, entry))
        sent.append({**entry, "name": name, "russian": russian, "date": when})
    return out


def write(*, out_dir: Path, count: int, seed: int) -> Path:
    out_dir.mkdir(parents=True, exist_ok=True)
    manifest = []
    for raw, entry in build(count=count, seed=seed):
        (out_dir / entry["file"]).write_bytes(raw)
        manifest.append(entry)
    path = out_dir / "manifest.json"
    path.write_text(json.dumps({"count": count, "seed": seed, "to": TO, "messages": manifest},
                               ensure_ascii=False, indent=0))
    return path


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--out", type=Path, required=True)
    parser.add_argument("--count", type=int, default=5000)
    parser.add_argument("--seed", type=int, default=1)
    args = parser.parse_args(argv)
    path = write(out_dir=args.out, count=args.count, seed=args.seed)
    print(f"{args.count} messages in {args.out} (manifest {path})")
    return 0


if __name__ == "__main__":
    sys.exit(main())
