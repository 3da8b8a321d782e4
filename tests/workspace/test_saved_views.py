"""Saved filters: renamed, updated and deleted by whoever may, with counts beside them and
the current one highlighted [TK8; #8 item 9]."""

from __future__ import annotations

import re

from helpwire.workspace.models import SavedView


def _view(owner, **filters) -> SavedView:
    return SavedView.objects.create(name="Срочные", owner=owner, filters=filters)


def test_it_counts_each_saved_filter_beside_it(browser_as, agent, inbound, support, ticket):
    inbound("Срочно", thread="u", ticket_defaults={"group_id": support.pk,
                                                   "priority": "urgent"})
    urgent = _view(agent, priority=["urgent"])
    new = SavedView.objects.create(name="Новые", owner=agent, filters={"status": ["new"]})
    b = browser_as(agent)
    html = b.get(f"/views/{urgent.pk}/").content.decode()
    assert re.search(rf'data-view="{new.pk}">2<', html)  # from the counter cells, at once
    # A count over the tickets is left out of the page; its sidebar asks for it on load.
    assert re.search(rf'data-view="{urgent.pk}"><', html)
    assert 'hx-trigger="live-counts from:body, load"' in html
    current = re.search(r'<a href="/views/(\d+)/" aria-current="page"', html)
    assert current and int(current.group(1)) == urgent.pk
    sidebar = b.get("/counts/", HTTP_HX_REQUEST="true",
                    HTTP_HX_CURRENT_URL=f"http://testserver/views/{urgent.pk}/").content.decode()
    assert re.search(rf'data-view="{urgent.pk}">1<', sidebar)  # counted over the tickets
    assert 'from:body, load' not in sidebar  # asked once, not in a loop


def test_it_keeps_the_highlight_when_the_sidebar_refreshes_live(browser_as, agent):
    view = _view(agent, priority=["urgent"])
    html = browser_as(agent).get("/counts/", HTTP_HX_REQUEST="true",
                                 HTTP_HX_CURRENT_URL=f"http://testserver/views/{view.pk}/"
                                 ).content.decode()
    assert f'<a href="/views/{view.pk}/" aria-current="page"' in html


def test_it_renames_updates_and_deletes_a_filter(browser_as, agent):
    view = _view(agent, priority=["urgent"])
    b = browser_as(agent)
    b.post(f"/views/{view.pk}/rename/", {"name": "Горящие"})
    b.post(f"/views/{view.pk}/update/", {"priority": ["extreme"], "status": ["open"]})
    view.refresh_from_db()
    assert view.name == "Горящие"
    assert view.filters == {"priority": ["extreme"], "status": ["open"]}
    b.post(f"/views/{view.pk}/delete/")
    assert not SavedView.objects.filter(pk=view.pk).exists()


def test_it_keeps_others_away_from_a_personal_or_shared_filter(browser_as, agent, other_agent):
    mine = _view(agent, priority=["urgent"])
    shared = _view(None, priority=["low"])
    assert browser_as(other_agent).post(f"/views/{mine.pk}/delete/").status_code == 404
    assert browser_as(agent).post(f"/views/{shared.pk}/delete/").status_code == 403
    assert SavedView.objects.filter(pk__in=[mine.pk, shared.pk]).count() == 2
