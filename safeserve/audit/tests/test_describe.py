"""History panels read as plain Chinese: labels, names instead of ids, local times, amounts in
yuan, no storage paths, no unchanged lines — at one query per kind of record named."""

from __future__ import annotations

from typing import Any

from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from safeserve.audit.describe import describe
from safeserve.audit.models import AuditEvent
from safeserve.enterprises.models import Enterprise
from safeserve.providers import services
from safeserve.providers.models import Provider


def _event(object_type: str, before: dict[str, Any], after: dict[str, Any]) -> AuditEvent:
    return AuditEvent(action="test.changed", object_type=object_type, before=before, after=after)


def test_values_read_as_a_person_would_write_them(directory: Any) -> None:
    first, second = Enterprise.objects.order_by("pk")[:2]
    event = _event(
        "contracts.contract",
        {"amount": "30000.00", "status": "draft", "title": "同一标题"},
        {
            "amount": "35000.50",
            "status": "signed",
            "title": "同一标题",
            "signed_at": "2026-06-10T02:00:00Z",
            "enterprise_ids": [first.pk, second.pk],
        },
    )
    rows = {label: (old, new) for label, old, new in describe([event])[0].changes}
    assert rows["金额（元）"] == ("¥30,000.00", "¥35,000.50")
    assert rows["状态"] == ("草稿", "已签订")
    assert rows["涉及企业"] == ("", f"{first.name}、{second.name}")
    assert ("", "2026-06-10 10:00") in rows.values()  # Beijing time, not UTC ISO
    assert "标题" not in rows  # unchanged: no "X → X" line


def test_a_stored_file_shows_as_uploaded_not_its_path(directory: Any) -> None:
    event = _event(
        "providers.provider", {}, {"attestation_file": "providers/attestations/2026/ab12.pdf"}
    )
    [(_label, _old, new)] = describe([event])[0].changes
    assert new == "已上传文件" and "providers/" not in new


def test_names_cost_one_query_per_kind_of_record(directory: Any) -> None:
    ids = list(Enterprise.objects.values_list("pk", flat=True)[:20])

    def queries(n: int) -> int:
        events = [
            _event("contracts.contract", {}, {"enterprise_ids": ids[: i % 20 + 1]})
            for i in range(n)
        ]
        with CaptureQueriesContext(connection) as captured:
            describe(events)
        return len(captured)

    assert queries(10) == queries(20) == 1


def test_the_admission_history_says_register_and_states_in_chinese(
    directory: Any, login: Any
) -> None:
    newcomer = Provider.objects.get(name="新锐安全技术服务有限公司")
    services.provider_set_admission(
        actor=directory["county_officer"], provider=newcomer, admit=True
    )
    html = (
        login(directory["county_officer"])
        .get(reverse("providers:detail", args=[newcomer.pk]) + "?history=1")
        .content.decode()
    )
    panel = html[html.index('data-testid="history-panel"') :]
    assert "本县准入" in panel and "申请准入" in panel and "已准入" in panel
    assert "admitted" not in panel and "applying" not in panel


def test_odd_stored_values_never_break_a_history_panel(directory: Any) -> None:
    event = _event(
        "contracts.contract",
        {"title": "2026-02-30T10:00", "amount": "1e999999"},
        {"title": "2026-02-31T10:00", "amount": "NaN", "criteria": [{"a": 1}, [1, 2]]},
    )
    rows = {label: (old, new) for label, old, new in describe([event])[0].changes}
    assert ("2026-02-30T10:00", "2026-02-31T10:00") in rows.values()
    assert "¥" not in "".join(rows["金额（元）"]) and len("".join(rows["金额（元）"])) < 40
