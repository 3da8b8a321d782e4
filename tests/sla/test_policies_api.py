"""SLA policies through the API [SL1 SL2], in the shapes other tools rely on: Mobifitness's
three policies, one per group, the validation, and deleting a policy a group uses refused."""

from __future__ import annotations

import pytest

from helpwire.calendars.models import Calendar
from helpwire.sla.models import GroupPolicy, SlaPolicy
from tests.api.conftest import Api

SUPPORT_1H = {"name": "Поддержка 1 ч", "calendar_id": None,
              "targets": {"medium": {"first_response": 3600, "next_response": 7200,
                                     "resolution": 86400},
                          "urgent": {"first_response": 900}},
              "warning_seconds": 900, "pause_on": ["pending", "on_hold"], "notes_count": False}


@pytest.fixture
def api(admin) -> Api:
    return Api(admin)


def test_it_creates_the_policy_in_the_issues_shape(api):
    r = api.post("/sla-policies", SUPPORT_1H)
    assert r.status_code == 201, r.content
    body = r.json()
    assert body["targets"] == SUPPORT_1H["targets"] and body["is_default"] is True
    second = api.post("/sla-policies", {**SUPPORT_1H, "name": "Внедрение 4 ч",
                                        "targets": {"medium": {"first_response": 14400}}})
    assert second.json()["is_default"] is False  # the first one made stays the default
    assert [p["name"] for p in api.get("/sla-policies").json()] == ["Внедрение 4 ч",
                                                                   "Поддержка 1 ч"]


def test_it_gives_each_group_its_policy_and_lists_it(api, support, claims):
    office = Calendar.objects.create(name="Офис", week={"mon": [["09:00", "18:00"]]})
    policy = api.post("/sla-policies", {**SUPPORT_1H, "calendar_id": office.pk}).json()
    r = api.patch(f"/groups/{support.pk}", {"sla_policy_id": policy["id"]})
    assert r.status_code == 200 and r.json()["sla_policy_id"] == policy["id"]
    listed = {g["name"]: g["sla_policy_id"] for g in api.get("/groups").json()}
    assert listed == {support.name: policy["id"], claims.name: None}
    assert api.patch(f"/groups/{support.pk}", {"sla_policy_id": None}).json()[
        "sla_policy_id"] is None
    assert not GroupPolicy.objects.exists()


@pytest.mark.parametrize(("change", "field"), [
    ({"targets": {"someday": {"first_response": 60}}}, "targets"),
    ({"targets": {"medium": {"first_answer": 60}}}, "targets"),
    ({"targets": {"medium": {"first_response": 5}}}, "targets"),
    ({"targets": {}}, "targets"),
    ({"pause_on": ["solved"]}, "pause_on"),
    ({"calendar_id": 999999}, "calendar_id"),
    ({"name": " "}, "name"),
])
def test_it_names_what_is_wrong(api, change, field):
    r = api.post("/sla-policies", {**SUPPORT_1H, **change})
    assert r.status_code == 400, r.content
    assert field in r.json()["error"]["details"], r.json()
    assert not SlaPolicy.objects.exists()


def test_it_changes_only_what_is_sent_and_refuses_to_delete_a_used_policy(api, support):
    policy = api.post("/sla-policies", SUPPORT_1H).json()
    r = api.patch(f"/sla-policies/{policy['id']}", {"warning_seconds": 600})
    assert r.json()["warning_seconds"] == 600 and r.json()["targets"] == SUPPORT_1H["targets"]
    api.patch(f"/groups/{support.pk}", {"sla_policy_id": policy["id"]})
    refused = api.delete(f"/sla-policies/{policy['id']}")
    assert refused.status_code == 400 and support.name in refused.json()["error"]["message"]
    api.patch(f"/groups/{support.pk}", {"sla_policy_id": None})
    assert api.delete(f"/sla-policies/{policy['id']}").status_code == 204


def test_plain_agents_read_but_do_not_write(agent):
    r = Api(agent).post("/sla-policies", SUPPORT_1H)
    assert r.status_code == 403
    assert Api(agent).get("/sla-policies").status_code == 200
    assert not SlaPolicy.objects.exists()
