"""Public verification without an account (page and API): by number and check code, or by
the PDF; the same answer for an unknown number and a wrong code; nothing of the content; a
non-PDF refused with 415, an oversized file with 413; a limit per address."""

from __future__ import annotations

import re
from typing import Any

from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client
from django.urls import reverse

from safeserve.documents import verify
from safeserve.documents.models import SignedDocument
from safeserve.documents.tests.helpers import content
from safeserve.documents.tests.test_notice_documents import issue, seal, sign

PAGE = "/public/verify/"


def _result(html: str) -> str:
    """The text of the result card, without the markup."""
    match = re.search(r'data-testid="verify-result">(.*?)</div>\s*</div>', html, re.S)
    return re.sub(r"<[^>]+>|\s+", " ", match.group(1)).strip() if match else ""


def _pdf(data: bytes, name: str = "notice.pdf") -> SimpleUploadedFile:
    return SimpleUploadedFile(name, data, content_type="application/pdf")


def test_a_number_and_its_check_code_say_who_signed_and_nothing_more(users, on_site, api):
    document = sign(users, issue(users, on_site))
    page = Client().post(PAGE, {"number": document.number, "check_code": document.check_code})
    text = page.content.decode()
    assert page.status_code == 200
    assert "何振华" in text and document.provider.name in text
    hazard = document.notice.hazards.first()
    assert hazard.description not in text and document.notice.enterprise.name not in text
    body = api().post(
        "/api/v1/verify/",
        {"number": document.number, "check_code": document.check_code.lower()},
        format="json",
    )
    assert body.status_code == 200
    assert body.json()["complete"] is True
    assert [s["signer"] for s in body.json()["signatures"]] == ["何振华"]
    assert hazard.description not in body.content.decode()


def test_an_unknown_number_and_a_wrong_code_get_the_same_answer(users, on_site, api):
    document = sign(users, issue(users, on_site))
    wrong_code = api().post(
        "/api/v1/verify/", {"number": document.number, "check_code": "AAAA2222"}, format="json"
    )
    unknown = api().post(
        "/api/v1/verify/", {"number": "TZ1999-999999", "check_code": "AAAA2222"}, format="json"
    )
    assert wrong_code.status_code == unknown.status_code == 404
    assert wrong_code.json() == unknown.json()
    pages = [
        Client().post(PAGE, {"number": n, "check_code": "AAAA2222"})
        for n in (document.number, "TZ1999-999999")
    ]
    results = [_result(page.content.decode()) for page in pages]
    assert [page.status_code for page in pages] == [404, 404]
    assert results[0] == results[1] and results[0]


def test_a_document_still_being_signed_says_so(users, on_site, api):
    document = issue(users, on_site, by="provider_admin")
    sign(users, document)
    body = (
        api()
        .post(
            "/api/v1/verify/",
            {"number": document.number, "check_code": document.check_code},
            format="json",
        )
        .json()
    )
    assert (body["found"], body["complete"]) == (True, False)
    assert [s["signed_at"] is not None for s in body["signatures"]] == [True, False]


def test_the_file_itself_is_recognised_intact_changed_or_an_earlier_copy(users, on_site, api):
    document = issue(users, on_site, by="provider_admin")
    signed_by_expert = content(sign(users, document))
    final = content(seal(users, SignedDocument.objects.get(pk=document.pk)))
    exact = api().post("/api/v1/verify/", {"file": _pdf(final)}, format="multipart").json()
    assert (exact["found"], exact["intact"], exact["registered"]) == (True, True, True)
    earlier = (
        api().post("/api/v1/verify/", {"file": _pdf(signed_by_expert)}, format="multipart").json()
    )
    assert (earlier["found"], earlier["intact"], earlier["registered"]) == (False, True, False)
    changed = bytearray(final)
    changed[len(changed) // 3] ^= 0x01
    modified = (
        api().post("/api/v1/verify/", {"file": _pdf(bytes(changed))}, format="multipart").json()
    )
    assert (modified["found"], modified["intact"]) == (False, False)
    page = Client().post(PAGE, {"file": _pdf(bytes(changed))})
    assert page.status_code == 200 and "verify-result" in page.content.decode()
    unsigned = (
        api()
        .post("/api/v1/verify/", {"file": _pdf(b"%PDF-1.4\n%%EOF\n")}, format="multipart")
        .json()
    )
    assert (unsigned["found"], unsigned["intact"]) == (False, False)


def test_a_non_pdf_is_415_and_an_oversized_file_413(users, on_site, api, settings):
    not_pdf = api().post(
        "/api/v1/verify/",
        {"file": SimpleUploadedFile("x.png", b"\x89PNG\r\n\x1a\n....", "image/png")},
        format="multipart",
    )
    assert not_pdf.status_code == 415 and not_pdf.json()["code"] == "not_a_pdf"
    assert not_pdf.json()["message"]
    big = b"%PDF-1.4\n" + b"0" * (verify.MAX_UPLOAD_MB * 1024 * 1024)
    too_large = api().post("/api/v1/verify/", {"file": _pdf(big)}, format="multipart")
    assert too_large.status_code == 413
    assert Client().post(PAGE, {"file": _pdf(big)}).status_code == 413
    missing = api().post("/api/v1/verify/", {"number": "TZ2026-000001"}, format="json")
    assert missing.status_code == 400


def test_checks_are_limited_per_address(users, on_site, api):
    statuses: list[Any] = [
        api().post("/api/v1/verify/", {"number": "X", "check_code": "Y"}, format="json").status_code
        for _ in range(verify.REQUESTS_PER_MINUTE + 1)
    ]
    assert statuses == [404] * verify.REQUESTS_PER_MINUTE + [429]
    assert Client().post(PAGE, {"number": "X", "check_code": "Y"}).status_code == 429


def test_the_page_answers_without_an_account(client, db):
    page = client.get(reverse("public_verify"))
    assert page.status_code == 200
    assert 'data-testid="verify-by-code"' in page.content.decode()
