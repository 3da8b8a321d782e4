"""A mailbox's automatic reply to new requests becomes a rule [AU3, #12]: its text a reply
template, sent by an enabled rule on "a ticket is created" in that mailbox's channel (the
loop guard still decides each time). Then the shipped auto-replies, off until enabled: one
worded for working hours, one for the rest."""

import re
from html import unescape

from django.db import migrations
from django.db.models import Max

WORKING = ("Здравствуйте, {{client.first_name}}!\n\n"
           "Мы получили ваше обращение №{{ticket.number}} и ответим до {{answer_by}}.\n"
           "Чтобы дополнить его, просто ответьте на это письмо.")
AFTER_HOURS = ("Здравствуйте, {{client.first_name}}!\n\n"
               "Мы получили ваше обращение №{{ticket.number}}. Сейчас нерабочее время; "
               "ответим до {{answer_by}}.\n"
               "Чтобы дополнить его, просто ответьте на это письмо.")


def _text(html):
    text = re.sub(r"(?i)<br\s*/?>|</p>|</div>", "\n", html)
    return unescape(re.sub(r"<[^>]+>", "", text)).strip()


def forward(apps, schema_editor):
    Mailbox = apps.get_model("mail", "Mailbox")
    Template = apps.get_model("automation", "ReplyTemplate")
    Rule = apps.get_model("automation", "Rule")
    position = (Rule.objects.aggregate(m=Max("position"))["m"] or -1) + 1
    for box in Mailbox.objects.exclude(auto_reply_html="").order_by("pk"):
        body = _text(box.auto_reply_html)
        if not body:
            continue
        template = Template.objects.create(section="Автоответы",
                                           title=f"Автоответ {box.address}", body=body)
        Rule.objects.create(
            name=f"Автоответ: {box.address}", enabled=True, position=position, mode="event",
            events=["ticket.created"],
            conditions={"all": [{"field": "channel", "op": "is", "value": box.channel_id}],
                        "any": []},
            actions=[{"type": "reply_template", "template_id": template.pk}])
        position += 1
    ship_autoreplies(Template, Rule, position=position)


def ship_autoreplies(Template, Rule, *, position):
    """The two automatic replies every install has, off until enabled (tests call this
    too: a flushed test database has lost what migrations wrote)."""
    for name, body, working in (("Автоответ в рабочее время", WORKING, True),
                                ("Автоответ в нерабочее время", AFTER_HOURS, False)):
        template = Template.objects.create(section="Автоответы", title=name, body=body)
        Rule.objects.create(
            name=name, enabled=False, position=position, mode="event",
            events=["ticket.created"],
            conditions={"all": [{"field": "working_hours", "op": "is", "value": working}],
                        "any": []},
            actions=[{"type": "reply_template", "template_id": template.pk}])
        position += 1


class Migration(migrations.Migration):
    dependencies = [
        ("automation", "0002_rules"),
        ("mail", "0002_oauth"),
    ]

    operations = [migrations.RunPython(forward, migrations.RunPython.noop)]
