"""The parser against 47 real-world-shaped mails (tests/mail/corpus, made by
make_corpus.py): every charset, every mail program's quoting, every attachment kept,
bounces and robots recognised, bytes that are not mail quarantined [CH1]."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from helpwire.conversations.sanitize import clean_html
from helpwire.mail import bounces, loops
from helpwire.mail.parse import NotAMessage, parse

CORPUS = Path(__file__).parent / "corpus"
EXPECTED: dict[str, dict] = json.loads((CORPUS / "expected.json").read_text())


@pytest.mark.parametrize("name", sorted(EXPECTED))
def test_it_reads_the_corpus_message(name):
    want = EXPECTED[name]
    raw = (CORPUS / name).read_bytes()
    kind = want["kind"]
    if kind == "quarantine":
        with pytest.raises(NotAMessage):
            parse(raw)
        return
    mail = parse(raw)
    for key, got in (("from", mail.from_email), ("name", mail.from_name),
                     ("subject", mail.subject), ("message_id", mail.message_id),
                     ("in_reply_to", (mail.in_reply_to or [None])[0]),
                     ("references", mail.references), ("cc", mail.cc)):
        if key in want:
            assert got == want[key], key
    for phrase in want.get("text_contains", []):
        assert phrase in mail.text, phrase
    if "quoted_contains" in want:
        assert want["quoted_contains"] in mail.quoted_text
        assert want["quoted_contains"] not in mail.text
    assert bool(mail.charset_fallback) == bool(want.get("charset_fallback")), \
        mail.charset_fallback
    files = [p.filename for p in mail.attachments if not p.content_id]
    if kind in ("message", "auto", "list", "oversize"):
        assert files == want.get("attachments", [])
    assert len(mail.inline_images) == want.get("inline_images", 0)
    if want.get("html_only"):
        assert mail.html_only
    bounce = bounces.detect(mail)
    if kind == "bounce":
        assert bounce is not None and want["bounce_of"] in bounce.original_ids
        assert bounce.status == want["bounce_status"]
    else:
        assert bounce is None
    reason = loops.auto_reason(mail.headers, mail.from_email)
    assert bool(reason) == (kind in ("auto", "list", "bounce")), reason


def test_it_keeps_an_attached_text_file_out_of_the_body():
    name = next(n for n in EXPECTED if n.startswith("22-"))
    mail = parse((CORPUS / name).read_bytes())
    assert "таймаут SMTP" not in mail.text
    assert any(p.content for p in mail.attachments if p.filename.endswith((".txt", ".log")))


def test_it_keeps_the_html_of_every_html_mail_free_of_script_once_stored():
    for name, want in EXPECTED.items():
        if want["kind"] in ("quarantine", "oversize"):
            continue
        html = clean_html(parse((CORPUS / name).read_bytes()).html)
        assert "<script" not in html and "javascript:" not in html and "onclick" not in html
