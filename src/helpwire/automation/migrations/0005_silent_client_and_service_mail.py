"""The shipped silent-client flow [AU4] and service-mail archiving [AU5], off until enabled.

Silent client: a ticket pending for 2 days gets a reminder; 3 days later a warning that it
will be closed; 3 days after that it is solved with a note that an answer opens it again
(a client's message reopens a solved ticket; a closed one would start a new ticket). Each
rule fires once per pending spell: the client answering or an agent changing the status
starts the count again."""

from django.db import migrations
from django.db.models import F, Max

REMINDER = ("Здравствуйте, {{client.first_name}}!\n\n"
            "Напоминаем об обращении №{{ticket.number}} «{{ticket.subject}}»: мы ждём вашего "
            "ответа. Если вопрос ещё актуален, просто ответьте на это письмо.")
WARNING = ("Здравствуйте, {{client.first_name}}!\n\n"
           "Мы так и не получили ответа по обращению №{{ticket.number}}. Если ответа не будет "
           "в течение трёх дней, мы закроем обращение.")
CLOSING = ("Здравствуйте, {{client.first_name}}!\n\n"
           "Мы закрыли обращение №{{ticket.number}}, потому что не получили ответа. Если "
           "вопрос остался, просто ответьте на это письмо — обращение откроется снова.")
# Payment systems and shops' robots whose receipts need no answer (edit the list).
SERVICE_SENDERS = ["yookassa.ru", "cloudpayments.ru", "robokassa.ru", "payanyway.ru"]


def ship_silent_client(Template, Rule, *, position):
    """Tests call this too: a flushed test database has lost what migrations wrote."""
    for name, body, hours, extra in (
            ("Молчащий клиент: напоминание", REMINDER, 48, []),
            ("Молчащий клиент: предупреждение", WARNING, 48 + 72, []),
            ("Молчащий клиент: закрытие", CLOSING, 48 + 72 + 72,
             [{"type": "set_status", "value": "solved"}])):
        template = Template.objects.create(section="Молчащий клиент", title=name, body=body)
        Rule.objects.create(
            name=name, enabled=False, position=position, mode="time", events=[],
            conditions={"all": [{"field": "status", "op": "is", "value": "pending"},
                                {"field": "hours_in_status", "op": "gt", "value": hours}],
                        "any": []},
            actions=[{"type": "reply_template", "template_id": template.pk}, *extra])
        position += 1
    return position


def ship_service_mail(Rule, *, position):
    Rule.objects.create(
        name="Служебные письма → архив", enabled=False, position=position, mode="event",
        events=["ticket.created"],
        conditions={"all": [{"field": "sender", "op": "in", "value": SERVICE_SENDERS}],
                    "any": []},
        actions=[{"type": "archive"}], stop=True)
    return position + 1


def forward(apps, schema_editor):
    Template = apps.get_model("automation", "ReplyTemplate")
    Rule = apps.get_model("automation", "Rule")
    # Service mail goes first, so no auto-reply answers a payment system's receipt.
    Rule.objects.update(position=F("position") + 1)
    ship_service_mail(Rule, position=0)
    position = (Rule.objects.aggregate(m=Max("position"))["m"] or -1) + 1
    ship_silent_client(Template, Rule, position=position)


class Migration(migrations.Migration):
    dependencies = [("automation", "0004_http_requests")]

    operations = [migrations.RunPython(forward, migrations.RunPython.noop)]
