"""The county's signing authority (县级电子签名 CA) and the credentials it issues.

Keys are RSA-2048 (what every PDF reader checks), certificates X.509 v3 with SHA-256. The CA
issues a signer's certificate on first need; a revoked credential is never used again and the
next signature gets a new one. Certificates carry names, never ID numbers (个人信息保护法
第6条: no more personal information than the purpose needs).
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Any

from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import rsa
from cryptography.x509.oid import ExtendedKeyUsageOID, NameOID
from django.db import transaction
from django.utils import timezone

from safeserve.audit.services import audit_record
from safeserve.documents.models import CredentialSource, SigningAuthority, SigningCredential
from safeserve.organizations.models import Region

CA_YEARS = 20
TSA_YEARS = 10
SIGNER_YEARS = 3


def _key() -> rsa.RSAPrivateKey:
    return rsa.generate_private_key(public_exponent=65537, key_size=2048)


def _pem_key(key: rsa.RSAPrivateKey) -> str:
    return key.private_bytes(
        serialization.Encoding.PEM,
        serialization.PrivateFormat.PKCS8,
        serialization.NoEncryption(),
    ).decode()


def _pem(cert: x509.Certificate) -> str:
    return cert.public_bytes(serialization.Encoding.PEM).decode()


def _name(common: str, organization: str) -> x509.Name:
    return x509.Name(
        [
            x509.NameAttribute(NameOID.COUNTRY_NAME, "CN"),
            x509.NameAttribute(NameOID.ORGANIZATION_NAME, organization[:64]),
            x509.NameAttribute(NameOID.COMMON_NAME, common[:64]),
        ]
    )


def _usage(*, sign: bool = False, ca: bool = False) -> x509.KeyUsage:
    return x509.KeyUsage(
        digital_signature=sign,
        content_commitment=sign,
        key_encipherment=False,
        data_encipherment=False,
        key_agreement=False,
        key_cert_sign=ca,
        crl_sign=ca,
        encipher_only=False,
        decipher_only=False,
    )


def _years(start: dt.datetime, years: int) -> dt.datetime:
    return start + dt.timedelta(days=365 * years + years // 4)


def load_certificate(pem: str) -> x509.Certificate:
    return x509.load_pem_x509_certificate(pem.encode())


def load_key(pem: str) -> Any:
    return serialization.load_pem_private_key(pem.encode(), password=None)


@transaction.atomic
def authority_for(county: Region) -> SigningAuthority:
    """The county's CA, created on first need (``manage.py init_ca`` creates it ahead)."""
    existing = SigningAuthority.objects.filter(county=county).first()
    if existing is not None:
        return existing
    Region.objects.select_for_update().filter(pk=county.pk).first()  # one creator per county
    existing = SigningAuthority.objects.filter(county=county).first()
    if existing is not None:
        return existing
    now = timezone.now()
    office = f"{county.name}安全生产委员会办公室"
    ca_key = _key()
    ca_name = _name(f"{county.name}安全生产技术服务电子签名根证书", office)
    ca_cert = (
        x509.CertificateBuilder()
        .subject_name(ca_name)
        .issuer_name(ca_name)
        .public_key(ca_key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - dt.timedelta(minutes=5))
        .not_valid_after(_years(now, CA_YEARS))
        .add_extension(x509.BasicConstraints(ca=True, path_length=0), critical=True)
        .add_extension(_usage(ca=True), critical=True)
        .add_extension(x509.SubjectKeyIdentifier.from_public_key(ca_key.public_key()), False)
        .sign(ca_key, hashes.SHA256())
    )
    tsa_key = _key()
    tsa_cert = _issue(
        ca_cert,
        ca_key,
        _name(f"{county.name}时间戳服务", office),
        tsa_key,
        now,
        TSA_YEARS,
        purpose=ExtendedKeyUsageOID.TIME_STAMPING,
    )
    authority = SigningAuthority.objects.create(
        county=county,
        certificate_pem=_pem(ca_cert),
        private_key_pem=_pem_key(ca_key),
        tsa_certificate_pem=_pem(tsa_cert),
        tsa_private_key_pem=_pem_key(tsa_key),
        created_at=now,
    )
    audit_record(
        action="signing.authority_created",
        actor="init_ca",
        obj=authority,
        county_id=county.pk,
        after={"subject": ca_cert.subject.rfc4514_string(), "fingerprint": fingerprint(ca_cert)},
    )
    return authority


def _issue(
    ca_cert: x509.Certificate,
    ca_key: Any,
    subject: x509.Name,
    key: rsa.RSAPrivateKey,
    now: dt.datetime,
    years: int,
    *,
    purpose: Any = None,
) -> x509.Certificate:
    builder = (
        x509.CertificateBuilder()
        .subject_name(subject)
        .issuer_name(ca_cert.subject)
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - dt.timedelta(minutes=5))
        .not_valid_after(min(_years(now, years), ca_cert.not_valid_after_utc))
        .add_extension(x509.BasicConstraints(ca=False, path_length=None), critical=True)
        .add_extension(_usage(sign=True), critical=True)
        .add_extension(
            x509.AuthorityKeyIdentifier.from_issuer_public_key(ca_key.public_key()), False
        )
        .add_extension(x509.SubjectKeyIdentifier.from_public_key(key.public_key()), False)
    )
    if purpose is not None:
        builder = builder.add_extension(x509.ExtendedKeyUsage([purpose]), critical=True)
    return builder.sign(ca_key, hashes.SHA256())


def fingerprint(cert: x509.Certificate) -> str:
    return cert.fingerprint(hashes.SHA256()).hex(":").upper()


@dataclass(frozen=True)
class Holder:
    """Who a credential is for: a person (``user``) or a provider's seal (``provider``)."""

    common_name: str
    organization: str
    user: Any = None
    provider: Any = None


def current_credential(holder: Holder, county: Region) -> SigningCredential | None:
    """What the holder signs with in this county: a certificate they uploaded from a licensed
    CA while it is valid (it serves every county), else their credential from this county's
    CA while it is neither revoked nor run out."""
    now = timezone.now()
    uploaded = (
        SigningCredential.objects.filter(
            revoked_at__isnull=True,
            source=CredentialSource.PKCS12,
            valid_from__lte=now,
            valid_to__gt=now,
        )
        .filter(**_holder_filter(holder))
        .first()
    )
    if uploaded is not None and still_trusted(uploaded):
        return uploaded
    credential = (
        SigningCredential.objects.filter(
            revoked_at__isnull=True, county=county, source=CredentialSource.COUNTY_CA
        )
        .filter(**_holder_filter(holder))
        .first()
    )
    if credential is not None and credential.valid_to <= now:
        return None
    return credential


def still_trusted(credential: SigningCredential) -> bool:
    """An uploaded certificate signs only while its CA's root is still configured as trusted
    (SIGNING_TRUSTED_CAS): once an installation stops trusting that CA, the county CA's
    certificate signs instead of one nobody could verify."""
    chain = split_pems(credential.chain_pem)
    return bool(chain) and chain[-1].strip() in {root.strip() for root in licensed_roots()}


def _holder_filter(holder: Holder) -> dict[str, Any]:
    return {"user": holder.user} if holder.user is not None else {"provider": holder.provider}


@transaction.atomic
def credential_for(holder: Holder, county: Region) -> SigningCredential:
    """The holder's current credential from the county's CA, issued on first need (or after
    the last one was revoked or ran out). The holder's row is locked meanwhile, so two first
    signatures at once issue one certificate."""
    credential = current_credential(holder, county)
    if credential is not None:
        return credential
    row = holder.user if holder.user is not None else holder.provider
    row._meta.model._default_manager.select_for_update().filter(pk=row.pk).first()
    credential = current_credential(holder, county)
    if credential is not None:
        return credential
    now = timezone.now()
    for old in SigningCredential.objects.select_for_update().filter(
        revoked_at__isnull=True,
        county=county,
        source=CredentialSource.COUNTY_CA,
        **_holder_filter(holder),
    ):  # ran out: retired so the new one can be the current
        old.revoked_at = now
        old.revocation_reason = "expired"
        old.save(update_fields=["revoked_at", "revocation_reason"])
    authority = authority_for(county)
    ca_cert = load_certificate(authority.certificate_pem)
    ca_key = load_key(authority.private_key_pem)
    key = _key()
    cert = _issue(
        ca_cert, ca_key, _name(holder.common_name, holder.organization), key, now, SIGNER_YEARS
    )
    credential = SigningCredential.objects.create(
        county=county,
        user=holder.user,
        provider=holder.provider,
        certificate_pem=_pem(cert),
        chain_pem=authority.certificate_pem,
        private_key_pem=_pem_key(key),
        serial=format(cert.serial_number, "x"),
        subject=cert.subject.rfc4514_string()[:300],
        issuer=ca_cert.subject.rfc4514_string()[:300],
        valid_from=cert.not_valid_before_utc,
        valid_to=cert.not_valid_after_utc,
        created_at=now,
    )
    audit_record(
        action="signing.credential_issued",
        actor="county_ca",
        obj=credential,
        county_id=county.pk,
        after={"subject": credential.subject, "serial": credential.serial},
    )
    return credential


def revoke_credentials(
    *, user: Any = None, provider: Any = None, reason: str, source: str | None = None
) -> int:
    """Revokes the holder's current credentials (an expert who leaves the provider): they
    sign nothing more; what they signed before stays valid, time-stamped before the
    revocation (and, once sealed, with the CA's revocation list of that moment embedded)."""
    query = SigningCredential.objects.filter(revoked_at__isnull=True)
    if source is not None:
        query = query.filter(source=source)
    query = query.filter(user=user) if user is not None else query.filter(provider=provider)
    now = timezone.now()
    count = 0
    for credential in query.select_for_update():
        credential.revoked_at = now
        credential.revocation_reason = reason[:200]
        credential.save(update_fields=["revoked_at", "revocation_reason"])
        audit_record(
            action="signing.credential_revoked",
            actor="county_ca",
            obj=credential,
            county_id=credential.county_id,
            after={"serial": credential.serial, "reason": credential.revocation_reason},
        )
        count += 1
    return count


CRL_DAYS = 7  # how long a revocation list says it stays current (its nextUpdate)


def revocation_list(county: Region) -> bytes:
    """The county CA's current certificate revocation list (RFC 5280), DER-encoded: every
    certificate it issued that was revoked, with when and why. Sealing embeds it in the
    document (PAdES B-LT), and it is published at /public/ca/<code>.crl."""
    authority = authority_for(county)
    ca_cert = load_certificate(authority.certificate_pem)
    ca_key = load_key(authority.private_key_pem)
    now = timezone.now()
    builder = (
        x509.CertificateRevocationListBuilder()
        .issuer_name(ca_cert.subject)
        .last_update(now - dt.timedelta(minutes=1))
        .next_update(now + dt.timedelta(days=CRL_DAYS))
        .add_extension(
            x509.AuthorityKeyIdentifier.from_issuer_public_key(ca_key.public_key()), False
        )
        .add_extension(x509.CRLNumber(int(now.timestamp() * 1000)), False)
    )
    revoked = SigningCredential.objects.filter(
        county=county, source=CredentialSource.COUNTY_CA, revoked_at__isnull=False
    ).values_list("serial", "revoked_at", "revocation_reason")
    for serial, revoked_at, reason in revoked:
        flag = (
            x509.ReasonFlags.superseded
            if reason == "expired"
            else x509.ReasonFlags.affiliation_changed
        )
        builder = builder.add_revoked_certificate(
            x509.RevokedCertificateBuilder()
            .serial_number(int(serial, 16))
            .revocation_date(revoked_at or now)
            .add_extension(x509.CRLReason(flag), False)
            .build()
        )
    return builder.sign(ca_key, hashes.SHA256()).public_bytes(serialization.Encoding.DER)


def published_revocation_list(county: Region) -> bytes:
    """The list as published: made once a day, or again as soon as a certificate is revoked
    (the cache key counts the revocations), so the public address never signs on demand."""
    from django.core.cache import cache
    from django.db.models import Count, Max

    state = SigningCredential.objects.filter(
        county=county, source=CredentialSource.COUNTY_CA, revoked_at__isnull=False
    ).aggregate(n=Count("pk"), last=Max("revoked_at"))
    key = f"crl:{county.pk}:{state['n']}:{state['last']}:{timezone.localdate()}"
    der = cache.get(key)
    if der is None:
        der = revocation_list(county)
        cache.set(key, der, 24 * 3600)
    return bytes(der)


def load_pem_bundle(path: str) -> list[x509.Certificate]:
    """The certificates of a PEM file (read as bytes: comments in any script are fine).
    Raises OSError or ValueError for a file that is missing or holds none."""
    with open(path, "rb") as handle:
        certificates = x509.load_pem_x509_certificates(handle.read())
    if not certificates:
        raise ValueError(path)
    return certificates


_bundles: dict[tuple[str, float], list[str]] = {}


def _configured(setting: str) -> list[str]:
    """Each certificate of the PEM files a setting lists, as PEM; read once per file
    version (the system check safeserve.E002 refuses a file that does not load)."""
    import os

    from django.conf import settings

    roots: list[str] = []
    for path in getattr(settings, setting, []):
        key = (path, os.stat(path).st_mtime)
        if key not in _bundles:
            _bundles[key] = [_pem(c) for c in load_pem_bundle(path)]
        roots += _bundles[key]
    return roots


def licensed_roots() -> list[str]:
    """The licensed CAs' root certificates this installation trusts (SIGNING_TRUSTED_CAS)."""
    return _configured("SIGNING_TRUSTED_CAS")


def tsa_roots() -> list[str]:
    """The roots of the configured time-stamping service (SIGNING_TSA_CAS): the last
    signature's validation data must vouch for its time-stamp too."""
    return _configured("SIGNING_TSA_CAS")


def split_pems(text: str) -> list[str]:
    """The certificates of a PEM bundle, one PEM each."""
    marker = "-----END CERTIFICATE-----"
    return [part.strip() + "\n" + marker + "\n" for part in text.split(marker) if part.strip()]


def county_roots() -> list[str]:
    """Each county's CA: what a document of this system chains to unless an uploaded
    certificate signed it."""
    return list(SigningAuthority.objects.values_list("certificate_pem", flat=True))
