"""Workload "rules" [#12]: what 200 enabled rules cost email ingest. Two corpora of the same
shape (``BENCH_RULES_CORPUS`` messages each, new mail and replies) go in through one IMAP
poll each — the first with no rules, the second with 200 event rules on "ticket created" and
"client wrote" as a big team's set looks: 14 route by topic words (a mail meets one or two),
the rest watch for partners' domains, contract and event words, phrases and document numbers
this corpus never has — word forms, senders, subject words, phrases and regular expressions,
all evaluated on every mail; the actions add tags, set priorities and route to groups.
Each is timed until every task the ingest queued has run (the worker drains the queue), as
the issue asks; the target is at most 20 % slower."""

from __future__ import annotations

import os
import subprocess
import time
from pathlib import Path
from typing import Any

from harness.common import PYTHON, ROOT, WORK, Target
from harness.ingest import _imap

COUNT = int(os.environ.get("BENCH_RULES_CORPUS", "1000"))
RULES = 200

MAKE_RULES = """
import json, random
from helpwire.accounts.models import Group
from helpwire.automation import actions, rule_inputs
from helpwire.automation.models import Rule
Rule.objects.filter(name__startswith="bench:").delete()
rng = random.Random(12)
# Routing by topic: the words of the support scenarios, so a mail meets one or two of these.
topics = ["доставка", "возврат", "оплата", "курьер", "пароль", "скидка", "чек", "адрес",
          "приложение", "карта", "refund", "delivery", "password", "parcel"]
# The rest of a 200-rule set: partners, contracts, events, products this corpus never names.
rare = ["франшиза", "тендер", "вебинар", "лицензия", "аккредитация", "сертификат", "дилер",
        "лизинг", "аренда", "стажировка", "вакансия", "пресса", "интервью", "спонсорство",
        "грант", "субсидия", "аудит", "налоговая", "нотариус", "арбитраж", "претензия",
        "таможня", "импорт", "экспорт", "склад", "инвентаризация", "поставщик", "оптовый",
        "маркетплейс", "партнёрство", "реклама", "баннер", "промокод", "конференция",
        "выставка", "семинар", "подписка", "тариф", "модерация", "блогер"]
groups = list(Group.objects.values_list("pk", flat=True)) or [None]
specs = []
for word in topics:
    specs.append({"field": "text", "op": "word_forms", "value": [word]})
for i in range(66):
    specs.append({"field": "text", "op": "word_forms", "value": rng.sample(rare, 2)})
for i in range(40):
    specs.append({"field": "sender", "op": "in", "value": ["partner%%d.ru" %% i]})
for i in range(40):
    specs.append({"field": "subject", "op": "contains", "value": [rng.choice(rare)]})
for i in range(20):
    specs.append({"field": "text", "op": "phrase", "value": [" ".join(rng.sample(rare, 2))]})
for i in range(20):
    specs.append({"field": "body", "op": "regex",
                  "value": r"\\b(INV|DOC|ACT)-%%d\\d{4}\\b" %% i})
for i, cond in enumerate(specs[:%(n)d]):
    todo = [{"type": "add_tags", "tags": ["bench › %%d" %% (i %% 25)]}]
    if i %% 3 == 0:
        todo.append({"type": "set_priority", "value": rng.choice(["low", "urgent"])})
    if i %% 7 == 0 and groups[0] is not None:
        todo.append({"type": "assign", "group_id": rng.choice(groups)})
    actions.create_rule(values=rule_inputs.clean(
        name="bench: %%d" %% i, enabled=True, mode="event",
        events=["ticket.created", "message.received"], conditions={"all": [cond]},
        actions=todo, stop=False))
print(json.dumps({"rules": Rule.objects.filter(enabled=True).count()}))
"""

COUNT_FIRINGS = """
import json
from helpwire.automation.models import Rule, RuleFiring
n = RuleFiring.objects.filter(rule__name__startswith="bench:").count()
Rule.objects.filter(name__startswith="bench:").delete()
print(json.dumps({"firings": n}))
"""


def _corpus(seed: int) -> list[Path]:
    folder = WORK / "corpus" / f"rules-{seed}"
    if not (folder / "manifest.json").exists():
        subprocess.run([str(PYTHON), str(ROOT / "benchmarks" / "corpus.py"), "--out",
                        str(folder), "--count", str(COUNT), "--seed", str(seed)], check=True)
    return sorted(folder.glob("*.eml"))


def _ingest(t: Target, files: list[Path], seed: int) -> dict[str, Any]:
    """IMAP poll, then the worker drains what the ingest queued: the whole dispatch."""
    imap = _imap(t, files, seed)
    began = time.perf_counter()
    t.helpwire("db_worker", "--batch", timeout=3600)
    drain = time.perf_counter() - began
    total = imap["seconds"] + drain
    return {"messages": len(files), "poll_s": imap["seconds"], "drain_s": round(drain, 1),
            "per_s": round(len(files) / total, 1)}


def helpwire_rules(t: Target, *, seed: int) -> dict[str, Any]:
    plain_files, ruled_files = _corpus(seed + 101), _corpus(seed + 202)
    t.python_json(COUNT_FIRINGS)  # no bench rules left from an earlier run
    plain = _ingest(t, plain_files, seed + 101)
    made = t.python_json(MAKE_RULES % {"n": RULES})
    ruled = _ingest(t, ruled_files, seed + 202)
    fired = t.python_json(COUNT_FIRINGS)
    return {"rules": made["rules"], "firings": fired["firings"], "without": plain,
            "with": ruled,
            "slowdown_pct": round((plain["per_s"] / ruled["per_s"] - 1) * 100, 1)}
