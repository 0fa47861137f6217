"""The rectification notice as a signed PDF (R11): who must sign it, signing for oneself with
the password, the provider's seal last, a PDF every reader accepts against the county CA,
a changed byte detected, and the download only within scope, audited."""

from __future__ import annotations

from typing import Any

import pytest
from django.core.exceptions import PermissionDenied
from django.db import connection
from django.urls import reverse

from safeserve.audit.models import AuditEvent
from safeserve.common.exceptions import ApplicationError
from safeserve.demo.seed import DEMO_PASSWORD
from safeserve.documents import ca, signing
from safeserve.documents import services as documents
from safeserve.documents.models import (
    DocumentStatus,
    SignedDocument,
    SigningCredential,
)
from safeserve.documents.notices import notice_link
from safeserve.documents.tests.helpers import content, page_image, pdffonts, pdfsig, qr_texts
from safeserve.fieldwork import services as fieldwork
from safeserve.fieldwork.tests.conftest import raise_general
from safeserve.hazards import services as hazards
from safeserve.providers import services as providers
from safeserve.providers.models import Expert

pytestmark = pytest.mark.django_db
SITE = "https://anfu.example.gov.cn/"


def issue(users: dict[str, Any], task: Any, by: str = "expert", count: int = 2) -> Any:
    found = [raise_general(users, task) for _ in range(count)]
    notice = hazards.notice_issue(actor=users[by], task=task, hazards=found)
    return SignedDocument.objects.get(notice=notice)


def sign(users: dict[str, Any], document: SignedDocument, who: str = "expert", **kw: Any) -> Any:
    values = {"password": DEMO_PASSWORD, "site_url": SITE, **kw}
    return documents.document_sign(actor=users[who], document=document, **values)


def seal(users: dict[str, Any], document: SignedDocument, who: str = "provider_admin") -> Any:
    return documents.document_seal(
        actor=users[who], document=document, password=DEMO_PASSWORD, site_url=SITE
    )


def ca_pem(document: SignedDocument) -> str:
    return ca.authority_for(document.county).certificate_pem


def test_the_lead_expert_signs_what_an_expert_issued_and_the_seal_follows_staff(users, on_site):
    by_expert = issue(users, on_site)
    assert [(s.role, s.signer.username) for s in by_expert.signatures.all()] == [
        ("expert", "expert")
    ]
    by_staff = issue(users, on_site, by="provider_admin")
    assert [(s.role, s.signer and s.signer.username) for s in by_staff.signatures.all()] == [
        ("expert", "expert"),
        ("seal", None),
    ]
    assert by_expert.status == by_staff.status == DocumentStatus.SIGNING
    assert not by_expert.file  # rendered at the first signature


def test_a_signed_notice_is_valid_and_trusted_in_a_pdf_reader(users, on_site):
    document = sign(users, issue(users, on_site))
    assert document.status == DocumentStatus.COMPLETE
    data = content(document)
    report = pdfsig(data, ca_pem(document))
    assert report.count("Signature #") == 1
    assert "Signature is Valid." in report
    assert "Certificate is Trusted." in report
    assert "Total document signed" in report
    assert "何振华" in report
    # its only (so last) signature carried the revocation data in (PAdES B-LT)
    assert b"/DSS" in data and b"/CRLs" in data
    # pyHanko's own validator agrees, against the county CA only
    (check,) = signing.validate(data, [ca_pem(document)])
    assert (check.intact, check.trusted, check.whole_file, check.signer) == (
        True,
        True,
        True,
        "何振华",
    )
    assert check.timestamped  # B-T: the county's time-stamping unit vouches for the time
    # every font embedded; the page is not blank; the QR code is the enterprise's link
    fonts = pdffonts(data)
    assert fonts and all(row[-5] == "yes" for row in fonts), fonts
    image = page_image(data, 1)
    assert len(image.getcolors(maxcolors=1 << 20) or []) > 20
    notice = document.notice
    texts = qr_texts(page_image(data, document.pages))
    assert notice_link(notice, SITE) in texts


def test_one_changed_byte_makes_the_signature_invalid(users, on_site):
    document = sign(users, issue(users, on_site))
    data = bytearray(content(document))
    data[len(data) // 3] ^= 0x01  # inside the signed range
    report = pdfsig(bytes(data), ca_pem(document))
    assert "Signature is Valid." not in report
    (check,) = signing.validate(bytes(data), [ca_pem(document)])
    assert not check.intact
    # and another county's CA does not vouch for the untouched file
    other = ca.authority_for(
        type(document.county).objects.exclude(pk=document.county_id).filter(level="county")[0]
    )
    assert not signing.validate(content(document), [other.certificate_pem])[0].trusted


def test_nobody_signs_for_another_and_a_wrong_password_signs_nothing(users, on_site):
    document = issue(users, on_site)
    for who in ("expert2", "provider_admin", "township_officer"):
        with pytest.raises(PermissionDenied):
            sign(users, document, who)
    with pytest.raises(ApplicationError) as wrong:
        sign(users, document, password="not-my-password")
    assert (wrong.value.code, wrong.value.status) == ("password_wrong", 400)
    assert "password" in wrong.value.errors
    document.refresh_from_db()
    assert (document.status, bool(document.file)) == (DocumentStatus.SIGNING, False)
    assert not AuditEvent.objects.filter(action="document.signed").exists()
    sign(users, document)
    with pytest.raises(ApplicationError) as again:
        sign(users, document)
    assert (again.value.code, again.value.status) == ("already_signed", 409)


def test_wrong_passwords_lock_signing_for_the_hour(users, on_site):
    document = issue(users, on_site)
    codes = []
    for _ in range(documents.PASSWORD_TRIES + 1):
        with pytest.raises(ApplicationError) as refused:
            sign(users, document, password="guess")
        codes.append(refused.value.status)
    assert codes == [400] * documents.PASSWORD_TRIES + [429]
    # once locked, even the right password is refused: guessing cannot go on
    with pytest.raises(ApplicationError) as locked:
        sign(users, document)
    assert locked.value.status == 429
    document.refresh_from_db()
    assert document.status == DocumentStatus.SIGNING


def test_the_seal_goes_on_last_by_the_providers_admin_or_leader(users, on_site):
    document = issue(users, on_site, by="provider_admin")
    with pytest.raises(ApplicationError) as early:
        seal(users, document)
    assert (early.value.code, early.value.status) == ("experts_not_signed", 409)
    for who in ("expert", "expert2", "township_officer"):
        with pytest.raises(PermissionDenied):
            seal(users, document, who)
    sign(users, document)
    with pytest.raises(ApplicationError) as twice:
        sign(users, document)  # the seal is still to come: a conflict, not a role question
    assert (twice.value.code, twice.value.status) == ("already_signed", 409)
    document = seal(users, document, "provider_leader")
    with pytest.raises(ApplicationError) as again:
        seal(users, document)
    assert again.value.code == "already_signed"
    assert document.status == DocumentStatus.COMPLETE
    data = content(document)
    report = pdfsig(data, ca_pem(document))
    assert report.count("Signature is Valid.") == 2
    assert report.count("Certificate is Trusted.") == 2
    checks = signing.validate(data, [ca_pem(document)])
    assert [c.intact and c.trusted for c in checks] == [True, True]
    assert [c.whole_file for c in checks] == [False, True]  # the seal covers everything
    assert checks[1].signer == document.provider.name


def test_keys_are_sealed_at_rest_and_certificates_issued_once(users, on_site):
    sign(users, issue(users, on_site))
    sign(users, issue(users, on_site))
    credential = SigningCredential.objects.get(user=users["expert"])
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT private_key_pem FROM documents_signingcredential WHERE id = %s",
            [credential.pk],
        )
        (raw,) = cursor.fetchone()
    assert raw.startswith("enc1:") and "PRIVATE KEY" not in raw
    assert "PRIVATE KEY" in credential.private_key_pem
    assert "ID" not in credential.subject and "330" not in credential.subject


def test_an_expert_who_leaves_keeps_earlier_signatures_valid_and_signs_no_more(users, on_site):
    pending = issue(users, on_site)  # waits for the expert's signature
    document = sign(users, issue(users, on_site))
    old = SigningCredential.objects.get(user=users["expert"])
    expert = Expert.objects.get(user=users["expert"])
    data = providers.ExpertData(
        name=expert.name,
        id_number=expert.id_number,
        title=expert.title,
        is_active=False,
        specialties=expert.specialty_values,
        user=expert.user,
    )
    providers.expert_update(actor=users["provider_admin"], expert=expert, data=data)
    old.refresh_from_db()
    assert old.revoked_at is not None
    assert AuditEvent.objects.filter(action="signing.credential_revoked").count() == 1
    (check,) = signing.validate(content(document), [ca_pem(document)])
    assert check.intact and check.trusted
    holder = ca.Holder("何振华", "x", user=users["expert"])
    assert ca.current_credential(holder, document.county) is None
    # and, no longer allowed on the contract (R7), the expert signs nothing more
    with pytest.raises(PermissionDenied):
        sign(users, pending)
    assert SigningCredential.objects.filter(user=users["expert"]).count() == 1


def test_the_pdf_is_served_within_scope_only_and_every_download_is_audited(
    users, on_site, login, api, client
):
    document = sign(users, issue(users, on_site))
    notice = document.notice
    expected = {
        "expert": 200,
        "expert2": 200,
        "provider_admin": 200,
        "provider_leader": 200,
        "township_officer": 200,
        "township_leader": 200,
        "county_officer": 200,
        "enterprise_user": 200,
        "department_officer": 404,
        "other_provider_admin": 404,
        "other_expert": 404,
        "other_county_officer": 404,
    }
    page, through_api = {}, {}
    for who in expected:
        page[who] = login(users[who]).get(reverse("documents:pdf", args=[document.pk])).status_code
        client.logout()
        through_api[who] = (
            api(users[who]).get(reverse("api:notice-pdf", args=[notice.pk])).status_code
        )
    assert page == expected
    assert through_api == expected
    allowed = sum(1 for status in expected.values() if status == 200)
    assert AuditEvent.objects.filter(action="document.downloaded").count() == 2 * allowed
    # without an account: only through the notice's link
    anonymous = client.get(reverse("documents:pdf", args=[document.pk]))
    assert anonymous.status_code == 302
    token = hazards.notice_token(notice)
    by_link = client.get(reverse("notice_link_pdf", args=[notice.pk, token]))
    assert by_link.status_code == 200 and by_link["Content-Type"] == "application/pdf"
    assert client.get(reverse("notice_link_pdf", args=[notice.pk, "0" * 40])).status_code == 404
    through_link = AuditEvent.objects.filter(action="document.downloaded", actor__isnull=True)
    assert through_link.count() == 1
    assert notice.number in through_link.get().actor_name


def test_an_unsigned_notice_has_no_pdf_to_download(users, on_site, login, api):
    document = issue(users, on_site)
    assert (
        login(users["expert"]).get(reverse("documents:pdf", args=[document.pk])).status_code == 404
    )
    body = (
        api(users["enterprise_user"])
        .get(reverse("api:notice-document", args=[document.notice_id]))
        .json()
    )
    assert body["status"] == "signing"
    assert body["pdf"] is None
    assert body["allowed_actions"] == []


def test_the_api_signs_and_seals_with_the_password(users, on_site, api):
    document = issue(users, on_site, by="provider_admin")
    url = reverse("api:notice-sign", args=[document.notice_id])
    wrong = api(users["expert"]).post(url, {"password": "nope"}, format="json")
    assert wrong.status_code == 400 and "password" in str(wrong.json())
    assert api(users["expert2"]).post(url, {"password": DEMO_PASSWORD}).status_code == 403
    assert api(users["other_expert"]).post(url, {"password": DEMO_PASSWORD}).status_code == 404
    early = api(users["provider_admin"]).post(
        reverse("api:notice-seal", args=[document.notice_id]), {"password": DEMO_PASSWORD}
    )
    assert early.status_code == 409 and early.json()["code"] == "experts_not_signed"
    detail = api(users["expert"]).get(reverse("api:notice-document", args=[document.notice_id]))
    assert detail.json()["allowed_actions"] == ["sign"]
    signed = api(users["expert"]).post(url, {"password": DEMO_PASSWORD}, format="json")
    assert signed.status_code == 200, signed.content
    assert signed.json()["signatures"][0]["signed_at"]
    sealed = api(users["provider_admin"]).post(
        reverse("api:notice-seal", args=[document.notice_id]),
        {"password": DEMO_PASSWORD},
        format="json",
    )
    assert sealed.status_code == 200
    assert sealed.json()["status"] == "complete"
    assert sealed.json()["pdf"] == reverse("api:notice-pdf", args=[document.notice_id])
    by_link = api().get(
        reverse(
            "api:notice-link-pdf",
            args=[document.notice_id, hazards.notice_token(document.notice)],
        )
    )
    assert by_link.status_code == 200 and by_link["Content-Type"] == "application/pdf"


def test_the_notice_page_offers_the_signature_to_the_named_expert_only(users, on_site, login):
    document = issue(users, on_site)
    url = reverse("hazards:notice", args=[document.notice_id])
    assert 'data-verb="sign"' in login(users["expert"]).get(url).content.decode()
    for who in ("expert2", "provider_admin", "enterprise_user"):
        assert 'data-verb="sign"' not in login(users[who]).get(url).content.decode()
    response = login(users["expert"]).post(
        reverse("documents:sign", args=[document.pk]),
        {"verb": "sign", "password": DEMO_PASSWORD},
        follow=True,
    )
    assert document.number in response.content.decode()
    assert 'data-testid="document-pdf"' in response.content.decode()


def test_a_new_lead_expert_signs_what_the_old_one_left_unsigned(users, on_site):
    waiting = issue(users, on_site)
    signed = sign(users, issue(users, on_site))
    fieldwork.task_assign(
        actor=users["provider_admin"],
        task=on_site,
        lead=Expert.objects.get(user=users["expert2"]),
        members=[Expert.objects.get(user=users["expert"])],
    )
    with pytest.raises(PermissionDenied):
        sign(users, waiting)  # no longer the lead
    done = sign(users, waiting, "expert2")
    assert done.status == DocumentStatus.COMPLETE
    # what the former lead signed stays theirs
    assert [s.signer_name for s in signed.signatures.all()] == ["何振华"]
    (check,) = signing.validate(content(done), [ca_pem(done)])
    assert check.signer == "林晓梅"
