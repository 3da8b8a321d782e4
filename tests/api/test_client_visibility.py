"""Client cards follow tickets: an agent reads, edits and finds only the cards of clients
he has a ticket with (or made himself); a shared-clients setting restores the old way
[#9 item 4]."""

from __future__ import annotations

from helpwire.clients.actions import create_client
from helpwire.tickets.access import visible_clients
from tests.conftest import as_agent


def test_it_hides_another_groups_clients_everywhere(api_as, browser_as, other_agent, ticket):
    card = ticket.client
    api = api_as(other_agent)
    assert api.get(f"/clients/{card.pk}").status_code == 404
    assert api.patch(f"/clients/{card.pk}", {"name": "Взлом"}).status_code == 404
    assert api.post(f"/clients/{card.pk}/identities",
                    {"kind": "phone", "value": "+79160000000"}).status_code == 404
    assert card.pk not in [c["id"] for c in api.get("/clients").json()["items"]]
    assert api.get("/clients", q="maria@example.ru").json()["items"] == []
    b = browser_as(other_agent)
    assert b.get(f"/clients/{card.pk}/").status_code == 404
    assert f'data-id="{card.pk}"' not in b.get("/suggest/clients/",
                                                {"q": "maria@example.ru"}).content.decode()
    card.refresh_from_db()
    assert card.name == "Мария Клиентова"


def test_it_shows_a_card_through_a_ticket_the_agent_sees(api_as, agent, ticket):
    assert api_as(agent).get(f"/clients/{ticket.client_id}").status_code == 200


def test_it_shows_an_agent_the_card_he_made(api_as, other_agent):
    card = create_client(actor=as_agent(other_agent), name="Новый", email="new@example.ru")
    assert card.created_by == other_agent
    assert api_as(other_agent).get(f"/clients/{card.pk}").status_code == 200


def test_it_lets_a_contractor_find_no_contact_he_may_not_see(api_as, browser_as, contractor,
                                                            ticket):
    html = browser_as(contractor).get("/suggest/clients/", {"q": "maria@example.ru"})
    assert f'data-id="{ticket.client_id}"' not in html.content.decode()


def test_it_shares_every_card_when_the_team_wants_it(settings, other_agent, contractor, ticket):
    settings.HELPWIRE_CLIENTS_SHARED = True
    assert visible_clients(other_agent).filter(pk=ticket.client_id).exists()
    assert not visible_clients(contractor).filter(pk=ticket.client_id).exists()
