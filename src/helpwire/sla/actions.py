"""Writes on SLA policies [SL1 SL2]: save, delete (refused while a group uses it), the
default, and a group's own policy."""

from __future__ import annotations

from typing import Any

from django.db import transaction
from django.utils import timezone

from helpwire.accounts.models import Group
from helpwire.sla.models import GroupPolicy, SlaPolicy


class PolicyInUse(Exception):
    def __init__(self, groups: list[str]) -> None:
        super().__init__(", ".join(groups))
        self.groups = groups


@transaction.atomic
def save_policy(*, policy: SlaPolicy | None, values: dict[str, Any],
                is_default: bool | None = None) -> SlaPolicy:
    policy = policy or SlaPolicy()
    for name, value in values.items():
        setattr(policy, name, value)
    policy.updated_at = timezone.now()
    if is_default or (policy.pk is None and not SlaPolicy.objects.filter(
            is_default=True).exists()):
        # The first policy made is the default until another is chosen.
        SlaPolicy.objects.filter(is_default=True).exclude(pk=policy.pk).update(is_default=False)
        policy.is_default = True
    policy.save()
    return policy


@transaction.atomic
def delete_policy(*, policy: SlaPolicy) -> None:
    users = sorted(GroupPolicy.objects.filter(policy=policy).values_list("group__name",
                                                                         flat=True))
    if users:
        raise PolicyInUse(users)
    policy.delete()


@transaction.atomic
def set_group_policy(*, group: Group, policy: SlaPolicy | None) -> None:
    if policy is None:
        GroupPolicy.objects.filter(group=group).delete()
    else:
        GroupPolicy.objects.update_or_create(group=group, defaults={"policy": policy})


def group_policy_ids(group_ids: list[int]) -> dict[int, int]:
    return dict(GroupPolicy.objects.filter(group_id__in=group_ids)
                .values_list("group_id", "policy_id"))
