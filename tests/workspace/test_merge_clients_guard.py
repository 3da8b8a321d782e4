"""Merging tickets of two different clients is never silent: refused in bulk, confirmed by
name in the ticket dialog, explicit in the API [TK3; data safety]."""

from __future__ import annotations

from helpwire.tickets.models import Status, Ticket


def _two_clients(inbound, support):
    maria = inbound("Где посылка?", thread="m", email="maria@example.ru", name="Мария",
                    ticket_defaults={"group_id": support.pk}).ticket
    oleg = inbound("Где заказ?", thread="o", email="oleg@example.ru", name="Олег",
                   ticket_defaults={"group_id": support.pk}).ticket
    return maria, oleg


def test_it_refuses_a_bulk_merge_of_two_clients_tickets(browser_as, agent, inbound, support):
    maria, oleg = _two_clients(inbound, support)
    response = browser_as(agent).post("/bulk/", {"ids": [maria.pk, oleg.pk],
                                                 "action": "merge"})
    html = response.content.decode()
    assert "Мария" in html and "Олег" in html
    assert set(Ticket.objects.values_list("status", flat=True)) == {Status.NEW}


def test_it_asks_in_the_dialog_naming_both_clients_then_merges(browser_as, agent, inbound,
                                                              support):
    maria, oleg = _two_clients(inbound, support)
    b = browser_as(agent)
    first = b.post(f"/tickets/{maria.pk}/merge/", {"source": [str(oleg.number)]},
                   HTTP_HX_REQUEST="true")
    html = first.content.decode()
    assert first.status_code == 400
    assert 'name="allow_other_clients"' in html and "Мария" in html and "Олег" in html
    oleg.refresh_from_db()
    assert oleg.status == Status.NEW
    b.post(f"/tickets/{maria.pk}/merge/", {"source": [str(oleg.number)],
                                           "allow_other_clients": "on"},
           HTTP_HX_REQUEST="true")
    oleg.refresh_from_db()
    assert oleg.status == Status.MERGED and oleg.merged_into_id == maria.pk
