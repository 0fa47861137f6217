"""Certificates from a licensed CA (电子签名法 第17条): an expert, or a provider for its seal,
uploads a PKCS#12 that then signs instead of the county CA's — checked first (password, key,
validity, usage, whose it is, a trusted chain), nothing kept when refused, the password
never kept; withdrawn, the county CA's signs again."""

from __future__ import annotations

import datetime as dt
import json
from pathlib import Path
from typing import Any

import pytest
from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec, rsa
from cryptography.hazmat.primitives.serialization import pkcs12
from cryptography.x509.oid import NameOID
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse
from django.utils import timezone

from safeserve.audit.models import AuditEvent
from safeserve.common.exceptions import ApplicationError
from safeserve.documents import credentials, verify
from safeserve.documents.models import (
    CredentialSource,
    DocumentSignature,
    SigningAuthority,
    SigningCredential,
)
from safeserve.documents.tests.helpers import content, pdfsig
from safeserve.documents.tests.reports import finished_task, report_of, sealed
from safeserve.providers.models import Provider

pytestmark = pytest.mark.django_db
PASSWORD = "p12-口令-2026"


def _name(common: str, org: str = "某某数字证书认证有限公司") -> x509.Name:
    return x509.Name(
        [
            x509.NameAttribute(NameOID.COUNTRY_NAME, "CN"),
            x509.NameAttribute(NameOID.ORGANIZATION_NAME, org),
            x509.NameAttribute(NameOID.COMMON_NAME, common),
        ]
    )


def _cert(
    subject: x509.Name,
    key: Any,
    issuer: x509.Name,
    issuer_key: Any,
    *,
    ca: bool = False,
    start: dt.datetime | None = None,
    days: int = 365,
    signs: bool = True,
    commitment: bool = True,
) -> x509.Certificate:
    start = start or timezone.now() - dt.timedelta(days=1)
    return (
        x509.CertificateBuilder()
        .subject_name(subject)
        .issuer_name(issuer)
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(start)
        .not_valid_after(start + dt.timedelta(days=days))
        .add_extension(x509.BasicConstraints(ca=ca, path_length=None), critical=True)
        .add_extension(
            x509.KeyUsage(
                digital_signature=signs and not ca,
                content_commitment=signs and commitment and not ca,
                key_encipherment=not signs,
                data_encipherment=False,
                key_agreement=False,
                key_cert_sign=ca,
                crl_sign=ca,
                encipher_only=False,
                decipher_only=False,
            ),
            critical=True,
        )
        .sign(issuer_key, hashes.SHA256())
    )


class LicensedCA:
    """A licensed CA as the tests need one: a root and an intermediate that issues."""

    def __init__(self) -> None:
        self.root_key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
        self.root = _cert(
            _name("某某CA根证书"),
            self.root_key,
            _name("某某CA根证书"),
            self.root_key,
            ca=True,
            days=3650,
        )
        self.sub_key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
        self.sub = _cert(
            _name("某某CA个人证书签发"),
            self.sub_key,
            self.root.subject,
            self.root_key,
            ca=True,
            days=3650,
        )

    @property
    def root_pem(self) -> str:
        return self.root.public_bytes(serialization.Encoding.PEM).decode()

    def p12(
        self,
        holder: str,
        *,
        key: Any = None,
        password: str = PASSWORD,
        org: str = "",
        identifier: str = "",
        **options: Any,
    ) -> bytes:
        key = key or rsa.generate_private_key(public_exponent=65537, key_size=2048)
        subject = _name(holder, org or holder)
        if identifier:
            subject = x509.Name([*subject, x509.NameAttribute(NameOID.SERIAL_NUMBER, identifier)])
        cert = _cert(subject, key, self.sub.subject, self.sub_key, **options)
        return pkcs12.serialize_key_and_certificates(
            b"signer",
            key,
            cert,
            [self.sub],
            serialization.BestAvailableEncryption(password.encode()),
        )


@pytest.fixture
def licensed(settings: Any, tmp_path: Path) -> LicensedCA:
    authority = LicensedCA()
    path = tmp_path / "licensed-roots.pem"
    path.write_text(authority.root_pem)
    settings.SIGNING_TRUSTED_CAS = [str(path)]
    return authority


def _upload(user: Any, data: bytes, *, password: str = PASSWORD, holder: str = "self") -> Any:
    return credentials.credential_upload(actor=user, data=data, passphrase=password, holder=holder)


def test_an_uploaded_certificate_signs_instead_of_the_county_cas(
    users, contract, hengfeng, licensed
):
    expert = users["expert"]
    mine = _upload(expert, licensed.p12(expert.full_name))
    assert mine.source == CredentialSource.PKCS12 and mine.revoked_at is None
    assert "某某CA个人证书签发" in mine.issuer
    seal = _upload(
        users["provider_admin"],
        licensed.p12(Provider.objects.get(organization=users["provider_admin"].organization).name),
        holder="provider",
    )

    report = sealed(users, report_of(finished_task(users, contract, hengfeng)))
    used = {
        s.role + str(s.signer_id or ""): s.credential_id
        for s in DocumentSignature.objects.filter(document=report.document)
    }
    assert used[f"expert{expert.pk}"] == mine.pk
    assert used["seal"] == seal.pk
    assert used[f"expert{users['expert2'].pk}"] != mine.pk  # the other expert: the county CA's

    data = content(report.document)
    county_ca = SigningAuthority.objects.get(county_id=report.county_id).certificate_pem
    out = pdfsig(data, county_ca, licensed.root_pem)
    assert out.count("Signature is Valid.") == 3, out
    assert out.count("Certificate is Trusted.") == 3, out
    assert "Total document signed" in out
    assert verify.by_file(data).intact

    # the key is sealed at rest; the password and the key never reach the audit
    event = AuditEvent.objects.get(action="signing.credential_uploaded", object_id=str(mine.pk))
    written = json.dumps(event.after, ensure_ascii=False) + event.canonical
    assert PASSWORD not in written and "PRIVATE KEY" not in written
    raw = SigningCredential.objects.filter(pk=mine.pk).values_list("private_key_pem", flat=True)
    assert "PRIVATE KEY" in raw[0]  # read back through the field, decrypted


def test_withdrawn_the_county_cas_certificate_signs_again(users, licensed):
    expert = users["expert"]
    first = _upload(expert, licensed.p12(expert.full_name))
    second = _upload(expert, licensed.p12(expert.full_name))  # replaces the first
    first.refresh_from_db()
    assert first.revoked_at is not None and first.revocation_reason == "replaced"
    credentials.credential_withdraw(actor=expert, credential=second)
    second.refresh_from_db()
    assert second.revoked_at is not None
    with pytest.raises(ApplicationError) as refused:
        credentials.credential_withdraw(actor=expert, credential=second)
    assert refused.value.code == "already_withdrawn"
    assert [e.action for e in AuditEvent.objects.filter(action__startswith="signing.")].count(
        "signing.credential_withdrawn"
    ) == 2


@pytest.mark.parametrize(
    ("make", "code", "field"),
    [
        (lambda ca, name: b"not a certificate", "p12_unreadable", "file"),
        (lambda ca, name: ca.p12(name, password="another"), "p12_unreadable", "passphrase"),
        (
            lambda ca, name: ca.p12(name, start=timezone.now() - dt.timedelta(days=400), days=30),
            "certificate_expired",
            "file",
        ),
        (lambda ca, name: ca.p12(name, signs=False), "certificate_usage", "file"),
        (lambda ca, name: ca.p12("张三丰"), "certificate_subject", "file"),
        (lambda ca, name: LicensedCA().p12(name), "untrusted_ca", "file"),
        (
            lambda ca, name: ca.p12(
                name,
                key=rsa.generate_private_key(public_exponent=65537, key_size=1024),  # noqa: S505 — the weak key refused
            ),
            "key_too_weak",
            "file",
        ),
        (lambda ca, name: b"0" * (credentials.MAX_BYTES + 1), "file_too_large", "file"),
    ],
)
def test_a_bad_file_is_refused_naming_the_field_and_nothing_is_kept(
    users, licensed, make, code, field
):
    expert = users["expert"]
    with pytest.raises(ApplicationError) as refused:
        _upload(expert, make(licensed, expert.full_name))
    assert refused.value.code == code
    assert field in refused.value.errors
    assert not SigningCredential.objects.filter(user=expert).exists()
    assert not AuditEvent.objects.filter(action="signing.credential_uploaded").exists()


def test_an_ecdsa_certificate_is_taken(users, licensed):
    expert = users["expert"]
    key = ec.generate_private_key(ec.SECP256R1())
    assert _upload(expert, licensed.p12(expert.full_name, key=key)).source == "pkcs12"


def test_without_a_trusted_ca_configured_nothing_is_taken(users, licensed, settings):
    settings.SIGNING_TRUSTED_CAS = []
    expert = users["expert"]
    with pytest.raises(ApplicationError) as refused:
        _upload(expert, licensed.p12(expert.full_name))
    assert refused.value.code == "no_trusted_ca"


# Who may upload what, written out by hand: (user, holder) -> allowed.
UPLOADS = {
    ("expert", "self"): True,
    ("expert", "provider"): False,
    ("provider_admin", "provider"): True,
    ("provider_admin", "self"): False,  # not an expert: signs as the seal only
    ("provider_leader", "provider"): True,
    ("township_officer", "self"): False,
    ("county_officer", "provider"): False,
    ("enterprise_user", "self"): False,
}


@pytest.mark.parametrize(("who", "holder"), list(UPLOADS))
def test_who_may_upload_which_certificate(users, licensed, who, holder):
    user = users[who]
    name = (
        Provider.objects.get(organization=user.organization).name
        if holder == "provider" and user.organization.kind == "provider"
        else user.full_name
    )
    try:
        _upload(user, licensed.p12(name), holder=holder)
        allowed = True
    except ApplicationError as refused:
        assert refused.status == 403, refused.code
        allowed = False
    assert allowed is UPLOADS[(who, holder)]


def test_the_page_uploads_lists_and_withdraws(login, users, licensed):
    expert = users["expert"]
    client = login(expert)
    url = reverse("documents:credentials")
    assert client.get(url).status_code == 200

    bad = client.post(
        url,
        {
            "holder": "self",
            "passphrase": "wrong",
            "file": SimpleUploadedFile("me.p12", licensed.p12(expert.full_name)),
        },
    )
    assert bad.status_code == 400
    assert "密码不对" in bad.content.decode()

    done = client.post(
        url,
        {
            "holder": "self",
            "passphrase": PASSWORD,
            "file": SimpleUploadedFile("me.p12", licensed.p12(expert.full_name)),
        },
        follow=True,
    )
    page = done.content.decode()
    assert "某某CA个人证书签发" in page and "撤回" in page
    credential = SigningCredential.objects.get(user=expert)
    client.post(reverse("documents:credential_withdraw", args=[credential.pk]))
    credential.refresh_from_db()
    assert credential.revoked_at is not None

    login(users["expert2"])  # another's certificate: not found
    response = client.post(reverse("documents:credential_withdraw", args=[credential.pk]))
    assert response.status_code == 404
    login(users["township_officer"])
    assert client.get(url).status_code == 403


def test_the_api_uploads_lists_and_withdraws(api, users, licensed):
    admin = users["provider_admin"]
    provider = Provider.objects.get(organization=admin.organization)
    client = api(admin)
    url = "/api/v1/signing-credentials/"
    response = client.post(
        url,
        {
            "holder": "provider",
            "passphrase": PASSWORD,
            "file": SimpleUploadedFile("seal.p12", licensed.p12(provider.name)),
        },
        format="multipart",
    )
    assert response.status_code == 201, response.content
    body = response.json()
    assert body["holder"] == "provider" and body["source"] == "pkcs12"
    assert body["use"] == "in_use"
    listed = client.get(url).json()
    assert [c["id"] for c in listed] == [body["id"]]

    refused = client.post(
        url,
        {"holder": "provider", "file": SimpleUploadedFile("x.p12", b"junk")},
        format="multipart",
    )
    assert refused.status_code == 400 and "file" in refused.json()["errors"]

    client = api(users["expert"])
    assert client.get(url).json() == []
    assert client.post(f"{url}{body['id']}/withdraw/").status_code == 404
    client = api(admin)
    withdrawn = client.post(f"{url}{body['id']}/withdraw/")
    assert withdrawn.status_code == 200 and withdrawn.json()["use"] == "ended"


def test_the_county_cas_certificate_stands_by_while_an_uploaded_one_signs(users, licensed):
    from safeserve.documents import ca

    expert = users["expert"]
    county = expert.organization.county
    own = ca.credential_for(ca.Holder(expert.full_name, "机构", user=expert), county)
    uploaded = _upload(expert, licensed.p12(expert.full_name))
    assert (
        ca.current_credential(ca.Holder(expert.full_name, "机构", user=expert), county) == uploaded
    )
    uses = {c.pk: c.use for c in credentials.with_use(list(credentials.credentials_of(expert)))}
    assert uses == {own.pk: "standby", uploaded.pk: "in_use"}
    credentials.credential_withdraw(actor=expert, credential=uploaded)
    assert ca.current_credential(ca.Holder(expert.full_name, "机构", user=expert), county) == own
    uses = {c.pk: c.use for c in credentials.with_use(list(credentials.credentials_of(expert)))}
    assert uses == {own.pk: "in_use", uploaded.pk: "ended"}


def test_once_its_ca_is_no_longer_trusted_the_county_cas_certificate_signs(
    users, licensed, settings
):
    from safeserve.documents import ca

    expert = users["expert"]
    holder = ca.Holder(expert.full_name, "机构", user=expert)
    uploaded = _upload(expert, licensed.p12(expert.full_name))
    assert ca.current_credential(holder, expert.organization.county) == uploaded
    settings.SIGNING_TRUSTED_CAS = []  # the installation stopped trusting that CA
    fallback = ca.credential_for(holder, expert.organization.county)
    assert fallback != uploaded and fallback.source == "county_ca"


def _self_signed_p12(name: str) -> bytes:
    key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    cert = _cert(_name(name), key, _name(name), key)
    return pkcs12.serialize_key_and_certificates(
        b"me", key, cert, None, serialization.BestAvailableEncryption(PASSWORD.encode())
    )


@pytest.mark.parametrize(
    ("holder", "make", "code"),
    [
        # a name that merely contains the holder's is not theirs
        (
            "self",
            lambda ca, expert, provider: ca.p12(expert.full_name + "华"),
            "certificate_subject",
        ),
        # an employee's certificate naming the employer is not the provider's seal
        (
            "provider",
            lambda ca, expert, provider: ca.p12("王某某", org=provider.name),
            "certificate_subject",
        ),
        ("self", lambda ca, expert, provider: _self_signed_p12(expert.full_name), "untrusted_ca"),
        (
            "self",
            lambda ca, expert, provider: ca.p12(
                expert.full_name, key=ec.generate_private_key(ec.SECP256K1())
            ),
            "key_type",
        ),
    ],
)
def test_a_certificate_not_exactly_the_holders_is_refused(users, licensed, holder, make, code):
    user = users["expert"] if holder == "self" else users["provider_admin"]
    provider = Provider.objects.get(organization=users["provider_admin"].organization)
    with pytest.raises(ApplicationError) as refused:
        _upload(user, make(licensed, users["expert"], provider), holder=holder)
    assert refused.value.code == code and refused.value.status == 400


def test_a_bare_certificate_is_told_apart_from_a_wrong_password(users, licensed):
    with pytest.raises(ApplicationError) as refused:
        _upload(users["expert"], licensed.root.public_bytes(serialization.Encoding.DER))
    assert refused.value.code == "certificate_only" and "file" in refused.value.errors


def test_a_seal_certificate_with_the_credit_code_and_digital_signature_only_seals(
    users, contract, hengfeng, licensed
):
    """A provider's seal certificate named by its credit code, allowed digital signatures
    but not non-repudiation, is taken and seals (the last signature, with its validation
    data)."""
    provider = Provider.objects.get(organization=users["provider_admin"].organization)
    seal = _upload(
        users["provider_admin"],
        licensed.p12("公章", identifier=provider.uscc, commitment=False),
        holder="provider",
    )
    report = sealed(users, report_of(finished_task(users, contract, hengfeng)))
    assert DocumentSignature.objects.get(document=report.document, role="seal").credential == seal


def test_a_root_file_with_chinese_comments_loads(users, licensed, settings, tmp_path):
    path = tmp_path / "roots-with-comments.pem"
    path.write_text("# 某某数字证书认证有限公司 根证书\n" + licensed.root_pem, encoding="utf-8")
    settings.SIGNING_TRUSTED_CAS = [str(path)]
    from safeserve.common.checks import trusted_cas

    assert trusted_cas(None) == []
    assert _upload(users["expert"], licensed.p12(users["expert"].full_name)).source == "pkcs12"
    settings.SIGNING_TRUSTED_CAS = [str(tmp_path / "missing.pem")]
    assert [e.id for e in trusted_cas(None)] == ["safeserve.E002"]


def test_verification_does_not_vouch_for_a_pdf_signed_by_someone_elses_licensed_certificate(
    users, contract, hengfeng, licensed
):
    """A stranger's certificate from the same licensed CA signs a copy of a report: the
    signatures chain to a trusted root, but no credential here is that certificate."""
    from safeserve.documents import ca, signing

    report = sealed(users, report_of(finished_task(users, contract, hengfeng)))
    stranger = credentials._open(licensed.p12("某路人"), PASSWORD)
    fake = SigningCredential(
        certificate_pem=stranger.certificate.public_bytes(serialization.Encoding.PEM).decode(),
        chain_pem=licensed.sub.public_bytes(serialization.Encoding.PEM).decode(),
        private_key_pem=stranger.key.private_bytes(
            serialization.Encoding.PEM,
            serialization.PrivateFormat.PKCS8,
            serialization.NoEncryption(),
        ).decode(),
    )
    forged = signing.sign(
        content(report.document),
        credential=fake,
        authority=ca.authority_for(report.county),
        field_name="forged",
        rect=signing.box(0),
        appearance=signing.Appearance("专家签名", "某路人", "签名时间"),
    )
    result = verify.by_file(forged)
    assert not result.found and not result.intact
