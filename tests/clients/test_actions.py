"""Client verbs [CL1 CL2 CL5 CL6 CL7]: one person is one card however he writes in, and a
duplicate card folds into the real one with everything it carried."""

from __future__ import annotations

import pytest
from django.core.exceptions import PermissionDenied, ValidationError

from helpwire.accounts.actions import disable_agent
from helpwire.clients.actions import (
    add_identity,
    create_client,
    identify_or_create,
    identity_pairs,
    merge_clients,
    remove_identity,
    update_client,
)
from helpwire.clients.models import Client, Company, CompanyDomain, Identity
from helpwire.core.actors import Actor
from helpwire.core.models import Event
from helpwire.tickets.models import Change, Message, Status, Ticket
from tests.conftest import as_agent

SYSTEM = Actor.system("test channel")


def identify(*, name: str = "Мария Клиентова", email: str = "", phone: str = "",
             handles: dict[str, str] | None = None) -> Client:
    """What intake does for one sender: normalise the contacts, then find or create."""
    pairs, _problems = identity_pairs(email=email, phone=phone, handles=handles)
    return identify_or_create(actor=SYSTEM, name=name, pairs=pairs)


def identities_of(client: Client) -> set[tuple[str, str]]:
    return set(Identity.objects.filter(client=client).values_list("kind", "value"))


# --- identify_or_create --------------------------------------------------------------------


@pytest.mark.django_db
def test_it_finds_the_card_by_email_in_any_case():
    card = identify(email="olga@example.ru", name="Ольга")
    found = identify(email="  Olga@Example.RU ", name="Ольга Петровна")
    assert found.pk == card.pk
    assert Client.objects.count() == 1
    assert identities_of(card) == {("email", "olga@example.ru")}


@pytest.mark.django_db
def test_it_treats_two_spellings_of_a_phone_as_one_identity():
    card = identify(phone="8 916 123-45-67", name="")
    found = identify(phone="+7 916 1234567", name="")
    assert found.pk == card.pk
    assert Client.objects.count() == 1
    assert identities_of(card) == {("phone", "+79161234567")}


@pytest.mark.django_db
def test_it_learns_a_new_identity_for_an_existing_card():
    card = identify(email="oleg@example.ru", name="Олег")
    identify(email="oleg@example.ru", phone="8 (903) 555-44-33", handles={"telegram": "777"})
    assert Client.objects.count() == 1
    assert identities_of(card) == {("email", "oleg@example.ru"), ("phone", "+79035554433"),
                                   ("telegram", "777")}
    # From now on the phone alone leads to him.
    assert identify(phone="+79035554433").pk == card.pk


@pytest.mark.django_db
def test_it_names_a_nameless_card_from_a_later_message():
    card = Client.objects.create(name="")
    Identity.objects.create(client=card, kind="phone", value="+79035554433")
    identify(phone="+79035554433", name="Олег Сидоров")
    card.refresh_from_db()
    assert card.name == "Олег Сидоров"


@pytest.mark.django_db
def test_it_puts_a_new_card_into_the_company_of_its_email_domain():
    romashka = Company.objects.create(name="ООО Ромашка")
    CompanyDomain.objects.create(company=romashka, domain="romashka.ru")
    card = Client.objects.get(pk=identify(email="buh@Romashka.ru", name="Бухгалтерия").pk)
    assert card.company == romashka
    assert card.is_internal is False
    assert card.name == "Бухгалтерия"


@pytest.mark.django_db
def test_it_marks_a_new_card_of_an_internal_company_as_internal():
    ours = Company.objects.create(name="Склад", is_internal=True)
    CompanyDomain.objects.create(company=ours, domain="sklad.helpwire.test")
    card = Client.objects.get(pk=identify(email="kladovshik@sklad.helpwire.test").pk)
    assert card.company == ours
    assert card.is_internal is True


@pytest.mark.django_db
def test_it_leaves_a_card_from_an_unknown_domain_without_company():
    romashka = Company.objects.create(name="ООО Ромашка")
    CompanyDomain.objects.create(company=romashka, domain="romashka.ru")
    card = Client.objects.get(pk=identify(email="someone@gmail.com").pk)
    assert card.company is None and card.is_internal is False


def test_it_gives_a_message_with_two_cards_contacts_to_the_email_owner(inbound):
    """The two-cards-one-message rule: an email is a stronger sign of a person than a phone
    (which may be a shared office line) — the message goes to the email's card, and the
    phone stays where it was."""
    phone_card = inbound("Звоню с офиса", phone="+7 916 000-00-01", email="",
                         name="Офис").ticket.client
    email_card = inbound("Пишу с почты", email="anna@example.ru", name="Анна").ticket.client
    result = inbound("И почта, и телефон", email="anna@example.ru", phone="8 916 000 00 01",
                     name="Анна")
    assert result.ticket.client == email_card
    assert Message.objects.get(pk=result.message.pk).ticket.client_id == email_card.pk
    assert identities_of(phone_card) == {("phone", "+79160000001")}
    assert identities_of(email_card) == {("email", "anna@example.ru")}
    assert Client.objects.count() == 2


# --- identity_pairs and intake with bad contacts -------------------------------------------


def test_it_reports_a_malformed_phone_as_a_problem_when_not_strict():
    pairs, problems = identity_pairs(email="Olga@Example.ru", phone="не телефон",
                                     strict=False)
    assert pairs == [("email", "olga@example.ru")]
    assert len(problems) == 1 and "не телефон" in problems[0]


def test_it_raises_on_a_malformed_phone_when_strict():
    with pytest.raises(ValidationError) as exc:
        identity_pairs(email="olga@example.ru", phone="не телефон")
    assert exc.value.code == "invalid_phone"


def test_it_orders_identities_email_first_whatever_the_input_order():
    pairs, _ = identity_pairs(handles={"telegram": "42"}, phone="+79160000001",
                              email="a@example.ru")
    assert [kind for kind, _value in pairs] == ["email", "phone", "telegram"]


def test_it_stores_a_connector_message_with_a_malformed_phone_and_notes_why(inbound):
    result = inbound("Перезвоните мне", phone="12-ab", email="kolya@example.ru")
    stored = Message.objects.get(pk=result.message.pk)
    assert stored.body_text == "Перезвоните мне"
    assert len(stored.meta["identity_problems"]) == 1
    assert "12-ab" in stored.meta["identity_problems"][0]
    assert identities_of(stored.ticket.client) == {("email", "kolya@example.ru")}


# --- add_identity / remove_identity --------------------------------------------------------


def test_it_refuses_to_add_an_identity_that_belongs_to_another_card(inbound, agent):
    owner = inbound("1", email="owner@example.ru").ticket.client
    other = inbound("2", email="other@example.ru").ticket.client
    with pytest.raises(ValidationError) as exc:
        add_identity(client=other, kind="email", value="OWNER@example.ru",
                     actor=as_agent(agent))
    assert exc.value.code == "identity_taken"
    assert Identity.objects.get(value="owner@example.ru").client == owner
    assert identities_of(other) == {("email", "other@example.ru")}


def test_it_adds_an_identity_the_card_already_has_only_once(inbound, agent):
    card = inbound("1", phone="+79161112233", email="").ticket.client
    add_identity(client=card, kind="phone", value="8 (916) 111-22-33", actor=as_agent(agent))
    add_identity(client=card, kind="phone", value="+7 916 111 22 33", actor=as_agent(agent))
    assert identities_of(card) == {("phone", "+79161112233")}


def test_it_adds_a_new_identity_normalised(inbound, agent):
    card = inbound("1", email="vera@example.ru").ticket.client
    add_identity(client=card, kind="phone", value="8 (916) 111-22-33", actor=as_agent(agent))
    assert identities_of(card) == {("email", "vera@example.ru"), ("phone", "+79161112233")}


def test_it_forgets_a_removed_identity(inbound, agent):
    card = inbound("1", email="vera@example.ru", phone="+79161112233").ticket.client
    remove_identity(identity=Identity.objects.get(kind="email"), actor=as_agent(agent))
    assert identities_of(card) == {("phone", "+79161112233")}
    # The address now leads nowhere: the next message from it opens a new card.
    assert inbound("2", email="vera@example.ru").ticket.client != card
    assert Client.objects.count() == 2


# --- update_client --------------------------------------------------------------------------


def test_it_changes_only_the_fields_given(client_card, agent, supervisor):
    Client.objects.filter(pk=client_card.pk).update(note="Старая заметка")
    card = Client.objects.get(pk=client_card.pk)
    update_client(client=card, actor=as_agent(agent), responsible=supervisor)
    card = Client.objects.get(pk=client_card.pk)
    assert card.responsible == supervisor
    assert card.name == "Мария Клиентова"
    assert card.note == "Старая заметка"
    assert card.company is None and card.is_internal is False


def test_it_announces_the_changed_fields(client_card, agent):
    update_client(client=client_card, actor=as_agent(agent), name="Мария Ивановна",
                  note="Предпочитает звонки")
    event = Event.objects.get(kind="client.changed")
    assert event.payload == {"client_id": client_card.pk, "fields": ["name", "note"]}
    assert event.actor_agent == agent


def test_it_refuses_a_disabled_responsible_agent(client_card, agent, supervisor):
    supervisor.is_active = False
    supervisor.save(update_fields=["is_active"])
    with pytest.raises(ValidationError) as exc:
        update_client(client=client_card, actor=as_agent(agent), name="Другое имя",
                      responsible=supervisor)
    assert exc.value.code == "invalid_responsible"
    card = Client.objects.get(pk=client_card.pk)
    assert card.responsible is None and card.name == "Мария Клиентова"
    assert not Event.objects.filter(kind="client.changed").exists()


def test_it_refuses_a_disabled_responsible_agent_for_a_new_card(agent, supervisor):
    supervisor.is_active = False
    supervisor.save(update_fields=["is_active"])
    with pytest.raises(ValidationError) as exc:
        create_client(actor=as_agent(agent), name="Новый", email="new@example.ru",
                      responsible=supervisor)
    assert exc.value.code == "invalid_responsible"
    assert not Client.objects.exists()


def test_it_does_not_give_a_new_ticket_to_a_disabled_responsible_agent(inbound, admin,
                                                                       supervisor):
    card = inbound("Первое", email="vip@example.ru").ticket.client
    update_client(client=card, actor=as_agent(admin), responsible=supervisor)
    disable_agent(agent=supervisor, actor=as_agent(admin))
    ticket = inbound("Второе", email="vip@example.ru").ticket
    assert Ticket.objects.get(pk=ticket.pk).assignee is None


def test_it_does_not_carry_a_disabled_responsible_agent_over_in_a_merge(supervisor, admin,
                                                                        agent):
    source = Client.objects.create(name="Ольга", responsible=agent)
    target = Client.objects.create(name="Ольга Петрова")
    disable_agent(agent=agent, actor=as_agent(admin))
    merge_clients(source=source, target=target, actor=as_agent(supervisor))
    assert Client.objects.get(pk=target.pk).responsible is None


def _edit_name(card: Client, actor: Actor) -> None:
    update_client(client=card, actor=actor, name="Подрядчик переименовал")


def _add_phone(card: Client, actor: Actor) -> None:
    add_identity(client=card, kind="phone", value="+79160000009", actor=actor)


def _remove_email(card: Client, actor: Actor) -> None:
    remove_identity(identity=card.identities.get(kind="email"), actor=actor)


@pytest.mark.parametrize("edit", [_edit_name, _add_phone, _remove_email],
                         ids=["rename", "add identity", "remove identity"])
def test_it_does_not_let_a_contractor_edit_clients(client_card, contractor, edit):
    before = identities_of(client_card)
    with pytest.raises(PermissionDenied):
        edit(client_card, as_agent(contractor))
    card = Client.objects.get(pk=client_card.pk)
    assert card.name == "Мария Клиентова"
    assert identities_of(card) == before
    assert not Event.objects.filter(kind="client.changed").exists()


# --- merge_clients ----------------------------------------------------------------------------


@pytest.fixture
def duplicate(inbound):
    """Ольга wrote from her work address, and twice from her home address with a phone: two
    cards for one person. The home card (the duplicate) has two tickets."""
    target = inbound("С работы", email="olga@example.ru", name="Ольга", thread="work").ticket
    first = inbound("Из дома", email="olga.home@mail.ru", phone="+79161112233", name="",
                    thread="home-1").ticket
    second = inbound("Ещё из дома", email="olga.home@mail.ru", thread="home-2").ticket
    assert first.client_id == second.client_id != target.client_id
    return first.client, target.client, [first, second]


def test_it_moves_every_identity_to_the_target(duplicate, supervisor):
    source, target, _tickets = duplicate
    merge_clients(source=source, target=target, actor=as_agent(supervisor))
    assert identities_of(target) == {("email", "olga@example.ru"), ("email", "olga.home@mail.ru"),
                                     ("phone", "+79161112233")}
    assert identities_of(source) == set()


def test_it_moves_every_ticket_with_a_history_line_and_an_event(duplicate, supervisor):
    source, target, moved = duplicate
    merge_clients(source=source, target=target, actor=as_agent(supervisor))
    assert not Ticket.objects.filter(client=source).exists()
    for ticket in moved:
        assert Ticket.objects.get(pk=ticket.pk).client_id == target.pk
        change = Change.objects.get(ticket=ticket, field="client")
        assert change.actor_agent == supervisor
        assert change.new == str(target)
        events = Event.objects.filter(kind="ticket.changed", ticket_id=ticket.pk)
        assert [e.payload["changes"]["client"] for e in events] == [[source.pk, target.pk]]


def test_it_leaves_a_new_ticket_new_after_the_merge(duplicate, supervisor):
    source, target, moved = duplicate
    assert {t.status for t in moved} == {Status.NEW}
    merge_clients(source=source, target=target, actor=as_agent(supervisor))
    assert set(Ticket.objects.filter(pk__in=[t.pk for t in moved])
               .values_list("status", flat=True)) == {Status.NEW}
    assert not Change.objects.filter(ticket__in=moved, field="status").exists()


def test_it_links_the_source_card_to_the_target(duplicate, supervisor):
    source, target, _tickets = duplicate
    merge_clients(source=source, target=target, actor=as_agent(supervisor))
    assert Client.objects.get(pk=source.pk).merged_into_id == target.pk
    assert Client.objects.get(pk=target.pk).merged_into_id is None
    event = Event.objects.get(kind="client.merged")
    assert (event.payload["source_id"], event.payload["target_id"]) == (source.pk, target.pk)


def test_it_fills_the_targets_empty_name_company_and_responsible(supervisor, agent):
    romashka = Company.objects.create(name="ООО Ромашка")
    source = Client.objects.create(name="Ольга", company=romashka, responsible=agent)
    target = Client.objects.create(name="")
    merge_clients(source=source, target=target, actor=as_agent(supervisor))
    target = Client.objects.get(pk=target.pk)
    assert (target.name, target.company, target.responsible) == ("Ольга", romashka, agent)
    assert Client.objects.filter(name_folded="ольга", merged_into__isnull=True).get() == target


def test_it_keeps_what_the_target_already_has(supervisor, agent, admin):
    romashka = Company.objects.create(name="ООО Ромашка")
    lutik = Company.objects.create(name="ООО Лютик")
    source = Client.objects.create(name="Оля", company=romashka, responsible=agent)
    target = Client.objects.create(name="Ольга Петрова", company=lutik, responsible=admin)
    merge_clients(source=source, target=target, actor=as_agent(supervisor))
    target = Client.objects.get(pk=target.pk)
    assert (target.name, target.company, target.responsible) == ("Ольга Петрова", lutik, admin)


@pytest.mark.django_db
def test_it_refuses_to_merge_a_card_into_itself(supervisor):
    card = Client.objects.create(name="Ольга")
    with pytest.raises(ValidationError) as exc:
        merge_clients(source=card, target=card, actor=as_agent(supervisor))
    assert exc.value.code == "invalid_merge"
    assert Client.objects.get(pk=card.pk).merged_into_id is None
    assert not Event.objects.filter(kind="client.merged").exists()


def test_it_refuses_to_merge_a_card_into_one_merged_into_it(duplicate, supervisor):
    source, target, moved = duplicate
    merge_clients(source=source, target=target, actor=as_agent(supervisor))
    with pytest.raises(ValidationError) as exc:
        merge_clients(source=target, target=source, actor=as_agent(supervisor))
    assert exc.value.code == "invalid_merge"
    assert Client.objects.get(pk=target.pk).merged_into_id is None
    assert Client.objects.get(pk=source.pk).merged_into_id == target.pk
    assert Event.objects.filter(kind="client.merged").count() == 1
    assert set(Ticket.objects.filter(pk__in=[t.pk for t in moved])
               .values_list("client_id", flat=True)) == {target.pk}


def test_it_threads_a_later_message_from_the_source_email_onto_the_moved_ticket(
        duplicate, supervisor, inbound):
    source, target, moved = duplicate
    merge_clients(source=source, target=target, actor=as_agent(supervisor))
    result = inbound("Ещё раз из дома", email="olga.home@mail.ru", thread="home-1")
    assert result.ticket.pk == moved[0].pk
    assert Ticket.objects.get(pk=moved[0].pk).client_id == target.pk
    assert Message.objects.get(pk=result.message.pk).actor_client_id == target.pk


def test_it_opens_the_next_ticket_from_the_source_email_on_the_target(duplicate, supervisor,
                                                                     inbound):
    source, target, _tickets = duplicate
    merge_clients(source=source, target=target, actor=as_agent(supervisor))
    result = inbound("Новый вопрос", email="Olga.Home@mail.ru")
    assert result.created
    assert Ticket.objects.get(pk=result.ticket.pk).client_id == target.pk
    assert Client.objects.count() == 2  # no third card


def test_it_does_not_let_an_agent_merge_clients(duplicate, agent):
    source, target, moved = duplicate
    with pytest.raises(PermissionDenied):
        merge_clients(source=source, target=target, actor=as_agent(agent))
    assert Client.objects.get(pk=source.pk).merged_into_id is None
    assert identities_of(source) == {("email", "olga.home@mail.ru"), ("phone", "+79161112233")}
    assert set(Ticket.objects.filter(pk__in=[t.pk for t in moved])
               .values_list("client_id", flat=True)) == {source.pk}
    assert not Event.objects.filter(kind="client.merged").exists()


def test_it_does_not_let_a_contractor_merge_clients(duplicate, contractor):
    source, target, _tickets = duplicate
    with pytest.raises(PermissionDenied):
        merge_clients(source=source, target=target, actor=as_agent(contractor))
    assert Client.objects.get(pk=source.pk).merged_into_id is None
