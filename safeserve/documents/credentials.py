"""Signing certificates from a licensed CA (电子认证服务机构, 电子签名法 第17条): an expert, or
a provider for its seal, uploads a PKCS#12 (.p12/.pfx) with its password; once checked it
is what they sign with, in every county, instead of the county CA's certificate, until it
runs out or they withdraw it.

Checked before anything is kept: the file opens with the password; it holds one private key
and its certificate, the key an RSA (2048 bits or more) or ECDSA one; the certificate is in
its validity period, allowed to sign (key usage), names the holder (the person's name, or the
provider's name or credit code), and chains to a root in SIGNING_TRUSTED_CAS. The password
is used to open the file and never kept; the key is kept sealed like the county CA's keys.
"""

from __future__ import annotations

import datetime as dt
import warnings
from dataclasses import dataclass
from typing import Any

from cryptography import x509
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import ec, rsa
from cryptography.hazmat.primitives.serialization import pkcs12
from cryptography.x509.oid import NameOID
from django.db import transaction
from django.db.models import Q, QuerySet
from django.utils import timezone
from django.utils.translation import gettext as _

from safeserve.audit.services import audit_record
from safeserve.common.exceptions import ApplicationError
from safeserve.documents import ca
from safeserve.documents.models import CredentialSource, SigningCredential
from safeserve.documents.signing import run_async
from safeserve.organizations.models import OrganizationKind, Role
from safeserve.organizations.permissions import acting_org
from safeserve.providers.models import Expert, Provider

with warnings.catch_warnings():  # pyHanko imports DSA, which cryptography deprecates
    warnings.simplefilter("ignore")
    from asn1crypto import x509 as asn1_x509
    from pyhanko_certvalidator import CertificateValidator, ValidationContext
    from pyhanko_certvalidator.errors import PathError
    from pyhanko_certvalidator.errors import ValidationError as CertValidationError

MAX_BYTES = 64 * 1024  # a PKCS#12 with its chain is a few kilobytes
MIN_RSA_BITS, MAX_RSA_BITS = 2048, 8192
CURVES = (ec.SECP256R1, ec.SECP384R1, ec.SECP521R1)


def _certificate_only(data: bytes) -> bool:
    """A bare certificate (DER or PEM), which people export by mistake instead of the .p12."""
    try:
        x509.load_der_x509_certificate(data)
        return True
    except ValueError:
        pass
    try:
        x509.load_pem_x509_certificate(data)
        return True
    except ValueError:
        return False


class Holder:
    SELF = "self"
    PROVIDER = "provider"


def signs_in_person(user: Any) -> bool:
    """Who signs documents for themselves: an expert with a profile."""
    return bool(user.role == Role.EXPERT and Expert.objects.filter(user=user).exists())


def seal_provider(user: Any) -> Provider | None:
    """The provider whose seal the user manages: its admin or leader (R7, as sealing)."""
    org = acting_org(user)
    if org is None or org.kind != OrganizationKind.PROVIDER:
        return None
    if user.role not in (Role.ADMIN, Role.LEADER):
        return None
    return Provider.objects.filter(organization=org).first()


def credentials_of(user: Any) -> QuerySet[SigningCredential]:
    """The credentials the user holds or manages (their own; their provider's seal), newest
    first: what the page and the API list."""
    scope = Q(user=user)
    provider = seal_provider(user)
    if provider is not None:
        scope |= Q(provider=provider)
    return (
        SigningCredential.objects.filter(scope)
        .select_related("county", "provider")
        .order_by("-created_at", "-pk")
    )


class Use:
    IN_USE = "in_use"
    STANDBY = "standby"  # a county CA's, while an uploaded one signs instead
    ENDED = "ended"  # withdrawn, revoked or run out


class Ended:
    WITHDRAWN = "withdrawn"  # revoked or withdrawn
    EXPIRED = "expired"
    UNTRUSTED = "untrusted"  # its CA is no longer configured as trusted


def with_use(credentials: list[SigningCredential]) -> list[SigningCredential]:
    """Each credential with ``use``: which of the holder's signs now (as
    ca.current_credential picks), which waits, which has ended and why (``ended``); and
    ``withdrawable``: an uploaded one not yet withdrawn (what credential_withdraw takes)."""
    now = timezone.now()

    def holder(c: SigningCredential) -> tuple[int | None, int | None]:
        return (c.user_id, c.provider_id)

    def ended(c: SigningCredential) -> str:
        if c.revoked_at is not None:
            return Ended.WITHDRAWN
        if not c.valid_from <= now < c.valid_to:
            return Ended.EXPIRED
        if c.source == CredentialSource.PKCS12 and not ca.still_trusted(c):
            return Ended.UNTRUSTED
        return ""

    for c in credentials:
        c.ended = ended(c)  # type: ignore[attr-defined]
        c.withdrawable = c.source == CredentialSource.PKCS12 and c.revoked_at is None  # type: ignore[attr-defined]
    uploaded = {
        holder(c)
        for c in credentials
        if c.source == CredentialSource.PKCS12 and not c.ended  # type: ignore[attr-defined]
    }
    for c in credentials:
        if c.ended:  # type: ignore[attr-defined]
            c.use = Use.ENDED  # type: ignore[attr-defined]
        elif c.source == CredentialSource.COUNTY_CA and holder(c) in uploaded:
            c.use = Use.STANDBY  # type: ignore[attr-defined]
        else:
            c.use = Use.IN_USE  # type: ignore[attr-defined]
    return credentials


def _refuse(code: str, message: str, field: str = "file") -> ApplicationError:
    return ApplicationError(code, message, errors={field: [message]}, status=400)


@dataclass(frozen=True)
class _Opened:
    key: Any
    certificate: x509.Certificate
    others: list[x509.Certificate]


def _open(data: bytes, passphrase: str) -> _Opened:
    if not data:
        raise _refuse("file_missing", _("Choose the certificate file (.p12 or .pfx)."))
    if len(data) > MAX_BYTES:
        raise _refuse(
            "file_too_large",
            _("The certificate file is over 64 KB: choose the .p12 or .pfx the CA issued."),
        )
    if _certificate_only(data):
        raise _refuse(
            "certificate_only",
            _(
                "This is a certificate without its private key (.cer or .crt): export the "
                ".p12 or .pfx with the key from the CA's tool."
            ),
        )
    try:
        key, certificate, others = pkcs12.load_key_and_certificates(
            data, passphrase.encode() if passphrase else None
        )
    except Exception:
        raise _refuse(
            "p12_unreadable",
            _(
                "The file could not be opened: it is not a PKCS#12 certificate (.p12 or .pfx), "
                "or the password is not right."
            ),
            "passphrase" if data[:1] == b"\x30" else "file",
        ) from None
    if key is None or certificate is None:
        raise _refuse(
            "p12_incomplete",
            _("The file holds no private key with its certificate: export it with the key."),
        )
    if isinstance(key, rsa.RSAPrivateKey):
        if not MIN_RSA_BITS <= key.key_size <= MAX_RSA_BITS:
            raise _refuse(
                "key_too_weak" if key.key_size < MIN_RSA_BITS else "key_type",
                _("The key is RSA of %(bits)d bits: 2048 to 8192 bits can sign here.")
                % {"bits": key.key_size},
            )
    elif isinstance(key, ec.EllipticCurvePrivateKey):
        if not isinstance(key.curve, CURVES):
            raise _refuse(
                "key_type",
                _("The key's curve %(curve)s cannot sign here: P-256, P-384 or P-521.")
                % {"curve": key.curve.name},
            )
    else:
        raise _refuse(
            "key_type",
            _(
                "Only RSA and ECDSA keys can sign here (SM2 certificates are not supported "
                "yet): ask the CA for an RSA or ECDSA certificate."
            ),
        )
    public = serialization.PublicFormat.SubjectPublicKeyInfo
    if key.public_key().public_bytes(
        serialization.Encoding.DER, public
    ) != certificate.public_key().public_bytes(serialization.Encoding.DER, public):
        raise _refuse("key_mismatch", _("The private key does not belong to the certificate."))
    return _Opened(key, certificate, list(others))


def local_day(moment: dt.datetime) -> str:
    return f"{timezone.localtime(moment):%Y-%m-%d}"


# Subject attributes that carry an organization's identifier (e.g. its credit code).
IDENTIFIER_OIDS = (
    NameOID.SERIAL_NUMBER,
    NameOID.ORGANIZATION_IDENTIFIER,
    NameOID.X500_UNIQUE_IDENTIFIER,
    NameOID.ORGANIZATIONAL_UNIT_NAME,
)


def _names(certificate: x509.Certificate, *oids: Any) -> list[str]:
    return [
        str(attribute.value)
        for oid in oids
        for attribute in certificate.subject.get_attributes_for_oid(oid)
    ]


def _names_holder(certificate: x509.Certificate, holder: str, name: str, uscc: str) -> bool:
    """A person's certificate names them exactly (CN); a provider's seal certificate names
    the provider (CN) or carries its credit code — an employee's certificate that merely
    names the employer (O) is not the provider's."""
    common = [n.strip() for n in _names(certificate, NameOID.COMMON_NAME)]
    if holder == Holder.SELF:
        return name in common
    return name in common or any(
        uscc and uscc in value for value in _names(certificate, *IDENTIFIER_OIDS)
    )


def _check_certificate(
    certificate: x509.Certificate, holder: str, name: str, uscc: str = ""
) -> None:
    now = timezone.now()
    if not certificate.not_valid_before_utc <= now < certificate.not_valid_after_utc:
        raise _refuse(
            "certificate_expired",
            _("The certificate is not valid now (valid %(start)s to %(end)s).")
            % {
                "start": local_day(certificate.not_valid_before_utc),
                "end": local_day(certificate.not_valid_after_utc),
            },
        )
    try:
        usage = certificate.extensions.get_extension_for_class(x509.KeyUsage).value
        signs = usage.digital_signature
    except x509.ExtensionNotFound:
        signs = True
    except ValueError:  # an extension the library cannot parse
        raise _refuse(
            "certificate_unreadable",
            _("The certificate's extensions cannot be read: ask the CA for a standard one."),
        ) from None
    if not signs:
        raise _refuse(
            "certificate_usage",
            _(
                "The certificate is not issued for digital signatures (key usage): ask the CA "
                "for a signing certificate."
            ),
        )
    if not _names_holder(certificate, holder, name, uscc):
        raise _refuse(
            "certificate_subject",
            _("The certificate names %(subject)s, not %(holder)s: upload the holder's own.")
            % {"subject": certificate.subject.rfc4514_string(), "holder": name},
        )


def _trusted_chain(certificate: x509.Certificate, others: list[x509.Certificate]) -> list[str]:
    """The certificate's path to a configured licensed root, root last, as PEM (the signer
    embeds it). Refused when no root is configured or the path does not lead to one."""
    roots_pem = ca.licensed_roots()
    if not roots_pem:
        raise _refuse(
            "no_trusted_ca",
            _(
                "No licensed CA is configured as trusted here (SIGNING_TRUSTED_CAS): ask the "
                "system's administrator to add the CA's root certificate."
            ),
        )

    def load(cert: x509.Certificate) -> Any:
        return asn1_x509.Certificate.load(cert.public_bytes(serialization.Encoding.DER))

    roots = [
        asn1_x509.Certificate.load(ca.load_certificate(p).public_bytes(serialization.Encoding.DER))
        for p in roots_pem
    ]
    intermediates = [load(c) for c in others]
    context = ValidationContext(trust_roots=roots, other_certs=intermediates, allow_fetching=False)
    validator = CertificateValidator(
        load(certificate), intermediate_certs=intermediates, validation_context=context
    )
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            path = run_async(lambda: validator.async_validate_usage(set()))
    except (PathError, CertValidationError, ValueError):
        raise _refuse(
            "untrusted_ca",
            _(
                "The certificate was not issued by a licensed CA trusted here, or its chain "
                "is broken: upload the file the CA issued, with its chain."
            ),
        ) from None
    chain = [x509.load_der_x509_certificate(c.dump()) for c in path][:-1]  # without the leaf
    return [c.public_bytes(serialization.Encoding.PEM).decode() for c in reversed(chain)]


@transaction.atomic
def credential_upload(
    *, actor: Any, data: bytes, passphrase: str, holder: str = Holder.SELF
) -> SigningCredential:
    """The holder's certificate from a licensed CA becomes what they sign with; the one they
    uploaded before (if any) is withdrawn. The county CA's stays, unused while this is
    valid."""
    if holder == Holder.PROVIDER:
        provider = seal_provider(actor)
        if provider is None:
            raise ApplicationError(
                "not_signatory",
                _("Only the provider's administrator or leader manages its seal certificate."),
                status=403,
            )
        owner: dict[str, Any] = {"provider": provider}
        name, uscc = provider.name, provider.uscc
        county_id = provider.organization.county_id
        row: Any = provider
    else:
        if not signs_in_person(actor):
            raise ApplicationError(
                "not_signer",
                _(
                    "Only experts sign documents for themselves; a provider's seal is "
                    "uploaded as the provider's."
                ),
                status=403,
            )
        owner = {"user": actor}
        name, uscc = actor.full_name or actor.get_username(), ""
        county_id = actor.organization.county_id
        row = actor
    if county_id is None:
        raise ApplicationError(
            "no_county",
            _("Your organization belongs to no county, so it has nobody to sign for."),
            status=403,
        )
    opened = _open(data, passphrase)
    _check_certificate(opened.certificate, holder, name, uscc)
    chain = _trusted_chain(opened.certificate, opened.others)
    row._meta.model._default_manager.select_for_update().filter(pk=row.pk).first()
    now = timezone.now()
    for old in SigningCredential.objects.select_for_update().filter(
        revoked_at__isnull=True, source=CredentialSource.PKCS12, **owner
    ):
        _withdraw(old, actor, "replaced")
    cert = opened.certificate
    credential = SigningCredential.objects.create(
        county_id=county_id,
        source=CredentialSource.PKCS12,
        certificate_pem=cert.public_bytes(serialization.Encoding.PEM).decode(),
        chain_pem="".join(chain),
        private_key_pem=opened.key.private_bytes(
            serialization.Encoding.PEM,
            serialization.PrivateFormat.PKCS8,
            serialization.NoEncryption(),
        ).decode(),
        serial=format(cert.serial_number, "x")[:64],
        subject=cert.subject.rfc4514_string()[:300],
        issuer=cert.issuer.rfc4514_string()[:300],
        valid_from=cert.not_valid_before_utc,
        valid_to=cert.not_valid_after_utc,
        created_at=now,
        **owner,
    )
    audit_record(
        action="signing.credential_uploaded",
        actor=actor,
        obj=credential,
        county_id=county_id,
        after={
            "holder": holder,
            "subject": credential.subject,
            "issuer": credential.issuer,
            "serial": credential.serial,
            "fingerprint": ca.fingerprint(cert),
            "valid_to": local_day(credential.valid_to),
        },
    )
    return credential


def _withdraw(credential: SigningCredential, actor: Any, reason: str) -> None:
    credential.revoked_at = timezone.now()
    credential.revocation_reason = reason
    credential.save(update_fields=["revoked_at", "revocation_reason"])
    audit_record(
        action="signing.credential_withdrawn",
        actor=actor,
        obj=credential,
        county_id=credential.county_id,
        after={"serial": credential.serial, "reason": reason},
    )


@transaction.atomic
def credential_withdraw(*, actor: Any, credential: SigningCredential) -> None:
    """The holder stops using an uploaded certificate (its key lost, or replaced): from now
    the county CA's signs for them. What it signed stays valid."""
    locked = SigningCredential.objects.select_for_update().get(pk=credential.pk)
    if locked.source != CredentialSource.PKCS12:
        raise ApplicationError(
            "not_uploaded",
            _(
                "Only an uploaded certificate can be withdrawn here; the county CA's is "
                "revoked when the expert leaves the provider."
            ),
        )
    if locked.revoked_at is not None:
        raise ApplicationError("already_withdrawn", _("This certificate is already withdrawn."))
    _withdraw(locked, actor, "withdrawn")
