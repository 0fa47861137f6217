"""Long-term validation (PAdES B-LT): a document's last signature embeds the county CA's
revocation list of that moment and every certificate, in the same revision, so revoking an
expert's certificate later leaves what they signed before valid."""

from __future__ import annotations

import io
import warnings

import pytest
from cryptography import x509

from safeserve.documents import ca
from safeserve.documents.models import SigningAuthority, SigningCredential
from safeserve.documents.tests.helpers import content, pdfsig
from safeserve.documents.tests.reports import finished_task, report_of, sealed

with warnings.catch_warnings():
    warnings.simplefilter("ignore")
    from pyhanko.keys import load_certs_from_pemder_data
    from pyhanko.pdf_utils.reader import PdfFileReader
    from pyhanko.sign.validation import DocumentSecurityStore, validate_pdf_signature
    from pyhanko_certvalidator import ValidationContext

pytestmark = pytest.mark.django_db


def _statuses(data: bytes, context: ValidationContext) -> list:
    reader = PdfFileReader(io.BytesIO(data))
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        return [validate_pdf_signature(s, context) for s in reader.embedded_signatures]


def _embedded(data: bytes, root: str) -> ValidationContext:
    """Only what the file carries: its security store's certificates and revocation lists,
    revocation data required for every certificate (hard-fail), nothing fetched."""
    store = DocumentSecurityStore.read_dss(PdfFileReader(io.BytesIO(data)))
    return store.as_validation_context(
        {
            "trust_roots": list(load_certs_from_pemder_data(root.encode())),
            "revocation_mode": "hard-fail",
            "allow_fetching": False,
        }
    )


def test_a_sealed_report_carries_its_revocation_data_and_outlives_a_revocation(
    users, contract, hengfeng
):
    report = sealed(users, report_of(finished_task(users, contract, hengfeng)))
    data = content(report.document)
    root = SigningAuthority.objects.get(county_id=report.county_id).certificate_pem
    reader = PdfFileReader(io.BytesIO(data))
    dss = reader.root["/DSS"]
    assert len(dss["/CRLs"]) == 1 and len(dss["/Certs"]) >= 4
    out = pdfsig(data, root)
    assert out.count("Signature is Valid.") == 3 and "Total document signed" in out, out

    ca.revoke_credentials(user=users["expert"], reason="离职")
    crl = x509.load_der_x509_crl(ca.revocation_list(report.county))
    serial = SigningCredential.objects.get(user=users["expert"]).serial
    assert crl.get_revoked_certificate_by_serial_number(int(serial, 16)) is not None

    # what the file carries still proves every signature: the list embedded at sealing
    statuses = _statuses(data, _embedded(data, root))
    assert len(statuses) == 3
    assert all(s.intact and s.valid and s.trusted for s in statuses), statuses
    # the list it carries is the one of the sealing, before the revocation
    embedded = x509.load_der_x509_crl(dss["/CRLs"][0].get_object().data)
    assert embedded.get_revoked_certificate_by_serial_number(int(serial, 16)) is None


def test_the_county_ca_publishes_its_certificate_and_revocation_list(client, users):
    county = users["county_officer"].organization.county
    authority = ca.authority_for(county)
    pem = client.get(f"/public/ca/{county.code}.pem")
    assert pem.status_code == 200 and pem.content.decode() == authority.certificate_pem
    crl = client.get(f"/public/ca/{county.code}.crl")
    assert crl.status_code == 200 and crl["Content-Type"] == "application/pkix-crl"
    parsed = x509.load_der_x509_crl(crl.content)
    assert parsed.is_signature_valid(ca.load_certificate(authority.certificate_pem).public_key())
    assert client.get("/public/ca/999999.crl").status_code == 404
    page = client.get("/public/verify/").content.decode()
    assert ca.fingerprint(ca.load_certificate(authority.certificate_pem)) in page


def test_an_outside_time_stamping_service_needs_its_root_configured(
    users, contract, hengfeng, monkeypatch, settings, tmp_path
):
    """With SIGNING_TSA_URL the time-stamps come from a service under another root: the last
    signature's validation data must vouch for it, so without SIGNING_TSA_CAS sealing is
    refused with the reason (not a server error), and with it the seal goes on."""
    from cryptography.hazmat.primitives import serialization

    from safeserve.common.exceptions import ApplicationError
    from safeserve.documents import signing
    from safeserve.documents.tests.reports import requested, seal, sign
    from safeserve.documents.tests.test_uploaded_credentials import LicensedCA

    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        from asn1crypto import keys as asn1_keys
        from pyhanko.sign.timestamps.dummy_client import DummyTimeStamper
        from pyhanko_certvalidator.registry import SimpleCertificateStore

    import datetime as dt

    from cryptography.hazmat.primitives import hashes
    from cryptography.hazmat.primitives.asymmetric import rsa
    from cryptography.x509.oid import ExtendedKeyUsageOID, NameOID
    from django.utils import timezone

    outside = LicensedCA()  # stands for the time-stamping service's own CA
    tsa_key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    now = timezone.now()
    stamp_unit = (
        x509.CertificateBuilder()
        .subject_name(x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "某TSA")]))
        .issuer_name(outside.sub.subject)
        .public_key(tsa_key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - dt.timedelta(days=1))
        .not_valid_after(now + dt.timedelta(days=365))
        .add_extension(x509.ExtendedKeyUsage([ExtendedKeyUsageOID.TIME_STAMPING]), critical=True)
        .sign(outside.sub_key, hashes.SHA256())
    )
    tsa_cert = next(
        iter(load_certs_from_pemder_data(stamp_unit.public_bytes(serialization.Encoding.PEM)))
    )
    middle = next(
        iter(load_certs_from_pemder_data(outside.sub.public_bytes(serialization.Encoding.PEM)))
    )
    root = next(iter(load_certs_from_pemder_data(outside.root_pem.encode())))
    key_info = asn1_keys.PrivateKeyInfo.load(
        tsa_key.private_bytes(
            serialization.Encoding.DER,
            serialization.PrivateFormat.PKCS8,
            serialization.NoEncryption(),
        )
    )
    monkeypatch.setattr(
        signing,
        "_timestamper",
        lambda authority: DummyTimeStamper(
            tsa_cert=tsa_cert,
            tsa_key=key_info,
            certs_to_embed=SimpleCertificateStore.from_certs([middle, root]),
        ),
    )
    report = requested(users, report_of(finished_task(users, contract, hengfeng)))
    report = sign(users["expert"], report)
    report = sign(users["expert2"], report)
    with pytest.raises(ApplicationError) as refused:
        seal(users["provider_admin"], report)
    assert refused.value.code == "signing_failed"

    path = tmp_path / "tsa-root.pem"
    path.write_text(outside.root_pem)
    settings.SIGNING_TSA_CAS = [str(path)]
    assert seal(users["provider_admin"], report).number
