"""PAdES signatures (ETSI EN 319 142, baseline B-T) with pyHanko: each signature is added as
an incremental update, with a visible block naming the signer and the time, and a time-stamp
from the configured time-stamping service (SIGNING_TSA_URL) or the county's own.

``validate`` checks every signature of a file against the county CA: intact, trusted, and
whether the last one covers the whole file — what public verification and the tests ask.
"""

from __future__ import annotations

import asyncio
import concurrent.futures
import datetime as dt
import io
import warnings
from collections.abc import Callable, Coroutine
from dataclasses import dataclass
from typing import Any

from django.conf import settings
from django.utils import timezone
from django.utils.translation import gettext as _

from safeserve.common.exceptions import ApplicationError
from safeserve.documents import pdf
from safeserve.documents.ca import split_pems
from safeserve.documents.models import SigningAuthority, SigningCredential

with warnings.catch_warnings():  # pyHanko imports DSA, which cryptography deprecates
    warnings.simplefilter("ignore")
    from asn1crypto import crl as asn1_crl
    from asn1crypto import keys as asn1_keys
    from asn1crypto import pem as asn1_pem
    from pyhanko.keys import load_certs_from_pemder_data
    from pyhanko.pdf_utils.images import PdfImage
    from pyhanko.pdf_utils.incremental_writer import IncrementalPdfFileWriter
    from pyhanko.pdf_utils.reader import PdfFileReader
    from pyhanko.sign import fields, signers, timestamps
    from pyhanko.sign.general import SigningError
    from pyhanko.sign.signers.pdf_signer import DSSContentSettings, SigDSSPlacementPreference
    from pyhanko.sign.timestamps.dummy_client import DummyTimeStamper
    from pyhanko.sign.validation import DocumentSecurityStore, validate_pdf_signature
    from pyhanko.sign.validation.status import SignatureCoverageLevel
    from pyhanko.stamp import StaticStampStyle
    from pyhanko_certvalidator import ValidationContext
    from pyhanko_certvalidator.errors import PathError
    from pyhanko_certvalidator.errors import ValidationError as CertValidationError
    from pyhanko_certvalidator.registry import SimpleCertificateStore

# The signature strip at the foot of the last page (points from the bottom-left corner):
# templates keep this band free; up to three blocks a row, two rows.
BOX_WIDTH, BOX_HEIGHT = 168, 44
LEFT, BOTTOM, GAP = 42, 24, 10


def box(index: int) -> tuple[int, int, int, int]:
    row, column = divmod(index, 3)
    x = LEFT + column * (BOX_WIDTH + GAP)
    y = BOTTOM + (1 - row) * (BOX_HEIGHT + 6)
    return (x, y, x + BOX_WIDTH, y + BOX_HEIGHT)


# A report's last page is its signature page (documents/report.html): the experts' blocks
# run down from under its heading, three a row; the seal goes over the last one.
REPORT_TOP = 630
SEAL_SIZE = 118


def report_box(index: int) -> tuple[int, int, int, int]:
    row, column = divmod(index, 3)
    x = LEFT + column * (BOX_WIDTH + GAP)
    y = REPORT_TOP - row * (BOX_HEIGHT + 14)
    return (x, y, x + BOX_WIDTH, y + BOX_HEIGHT)


def report_seal_box(experts: int) -> tuple[int, int, int, int]:
    """Over the right half of the last expert's block (R13: sealed over the signatures)."""
    _x1, y1, x2, y2 = report_box(max(experts - 1, 0))
    cx, cy = x2 - 20, (y1 + y2) // 2
    half = SEAL_SIZE // 2
    return (cx - half, cy - half, cx + half, cy + half)


def _cert(pem: str) -> Any:
    return next(iter(load_certs_from_pemder_data(pem.encode())))


def _private_key(pem_text: str) -> Any:
    """A PKCS#8 key as pyHanko takes it, read without re-validating the RSA key (the
    county CA made it; validating costs more than the signature)."""
    _kind, _headers, der = asn1_pem.unarmor(pem_text.encode())
    return asn1_keys.PrivateKeyInfo.load(der)


def _timestamper(authority: SigningAuthority) -> Any:
    url = getattr(settings, "SIGNING_TSA_URL", "")
    if url:
        return timestamps.HTTPTimeStamper(url)
    return DummyTimeStamper(
        tsa_cert=_cert(authority.tsa_certificate_pem),
        tsa_key=_private_key(authority.tsa_private_key_pem),
        certs_to_embed=SimpleCertificateStore.from_certs([_cert(authority.certificate_pem)]),
    )


SCALE = 4  # the block's picture, in pixels per point: sharp when printed


def stamp_image(appearance: Appearance, when: dt.datetime) -> Any:
    """The visible block as a picture: the title and name, and the signing time. Drawn with
    the OS CJK font through FreeType (much faster than embedding the font in the signature's
    appearance); the signature itself is the cryptographic part."""
    from PIL import Image, ImageDraw

    if appearance.round:
        return round_seal(appearance, when)

    width, height = BOX_WIDTH * SCALE, BOX_HEIGHT * SCALE
    image = Image.new("RGB", (width, height), "white")
    draw = ImageDraw.Draw(image)
    colour = (190, 20, 20) if appearance.seal else (20, 40, 110)
    draw.rectangle(
        (0, 0, width - 1, height - 1), outline=colour, width=(3 if appearance.seal else 2) * SCALE
    )
    big, small = pdf.font(10 * SCALE), pdf.font(8 * SCALE)
    draw.text(
        (6 * SCALE, 5 * SCALE), f"{appearance.title}：{appearance.name}", fill=colour, font=big
    )
    draw.text(
        (6 * SCALE, 25 * SCALE),
        f"{appearance.time_label}：{when:%Y-%m-%d %H:%M}",
        fill=colour,
        font=small,
    )
    return image


def round_seal(appearance: Appearance, when: dt.datetime) -> Any:
    """The provider's seal as a round red stamp on a transparent ground (the signatures it
    covers show through): the name round the top, a star, the number and the time."""
    import math

    from PIL import Image, ImageDraw

    size = SEAL_SIZE * SCALE
    image = Image.new("RGBA", (size, size), (0, 0, 0, 0))
    draw = ImageDraw.Draw(image)
    red = (200, 16, 16, 235)
    ring = 3 * SCALE
    draw.ellipse((ring, ring, size - ring, size - ring), outline=red, width=ring)
    centre = size / 2
    # the name, character by character, along the upper arc
    name = appearance.name[:18]
    glyph = pdf.font(int(11 * SCALE))
    radius = centre - 15 * SCALE
    span = min(250.0, 18.0 * len(name))
    for i, char in enumerate(name):
        angle = -90 - span / 2 + (span * (i + 0.5) / len(name))
        tile = Image.new("RGBA", (16 * SCALE, 16 * SCALE), (0, 0, 0, 0))
        ImageDraw.Draw(tile).text((8 * SCALE, 8 * SCALE), char, fill=red, font=glyph, anchor="mm")
        tile = tile.rotate(-(angle + 90), resample=Image.Resampling.BICUBIC)
        x = centre + radius * math.cos(math.radians(angle)) - tile.width / 2
        y = centre + radius * math.sin(math.radians(angle)) - tile.height / 2
        image.alpha_composite(tile, (int(x), int(y)))
    star = [
        (
            centre + (14 if k % 2 == 0 else 6) * SCALE * math.cos(math.radians(-90 + 36 * k)),
            centre
            - 4 * SCALE
            + (14 if k % 2 == 0 else 6) * SCALE * math.sin(math.radians(-90 + 36 * k)),
        )
        for k in range(10)
    ]
    draw.polygon(star, fill=red)
    small = pdf.font(int(6.5 * SCALE))
    draw.text((centre, centre + 19 * SCALE), appearance.title, fill=red, font=small, anchor="mm")
    draw.text((centre, centre + 28 * SCALE), appearance.number, fill=red, font=small, anchor="mm")
    draw.text(
        (centre, centre + 37 * SCALE), f"{when:%Y-%m-%d %H:%M}", fill=red, font=small, anchor="mm"
    )
    return image


@dataclass(frozen=True)
class Appearance:
    """What the visible block says: its title line (专家签名 / 机构印章) and the name; a
    report's seal is round and carries the report's number."""

    title: str
    name: str
    time_label: str
    seal: bool = False
    round: bool = False
    number: str = ""


@dataclass(frozen=True)
class LongTerm:
    """What a document's last signature embeds so that every signature on it can be
    validated long after (PAdES B-LT): the certificates and the CAs' revocation lists of that
    moment. Revoking a certificate later then leaves what it signed before valid."""

    roots_pem: list[str]
    crls_der: list[bytes]


def _earlier_certificates(content: bytes) -> list[Any]:
    """The certificates of every signature already in the file (their time-stamps' unit is
    the county's, added with the roots)."""
    found: list[Any] = []
    reader = PdfFileReader(io.BytesIO(content), strict=False)
    for signature in reader.embedded_signatures:
        found.append(signature.signer_cert)
        found += signature.other_embedded_certs
    return found


def sign(
    content: bytes,
    *,
    credential: SigningCredential,
    authority: SigningAuthority,
    field_name: str,
    rect: tuple[int, int, int, int],
    appearance: Appearance,
    long_term: LongTerm | None = None,
) -> bytes:
    """``content`` with one more signature, its visible block at ``rect`` on the last page.
    With ``long_term`` (the document's last signature), the validation data of every
    signature goes into the file's security store in the same revision as this one, so the
    last signature still covers the whole file."""
    chain = [_cert(pem) for pem in split_pems(credential.chain_pem)]
    signer = signers.SimpleSigner(
        signing_cert=_cert(credential.certificate_pem),
        signing_key=_private_key(credential.private_key_pem),
        cert_registry=SimpleCertificateStore.from_certs(chain),
    )
    style = StaticStampStyle(
        border_width=0,
        background=PdfImage(stamp_image(appearance, timezone.localtime())),
        background_opacity=1.0,
    )
    writer = IncrementalPdfFileWriter(io.BytesIO(content))
    extra: dict[str, Any] = {}
    if long_term is not None:
        roots = [_cert(pem) for pem in long_term.roots_pem]
        crls = [asn1_crl.CertificateList.load(der) for der in long_term.crls_der]
        DocumentSecurityStore.supply_dss_in_writer(
            writer,
            None,
            certs=_earlier_certificates(content) + roots + [_cert(authority.tsa_certificate_pem)],
            crls=crls,
        )
        extra = {
            "embed_validation_info": True,
            "validation_context": ValidationContext(
                trust_roots=roots, other_certs=chain, crls=crls, allow_fetching=False
            ),
            "dss_settings": DSSContentSettings(
                placement=SigDSSPlacementPreference.TOGETHER_WITH_SIGNATURE, include_vri=False
            ),
        }
    meta = signers.PdfSignatureMetadata(
        field_name=field_name,
        subfilter=fields.SigSeedSubFilter.PADES,
        md_algorithm="sha256",
        name=appearance.name,
        # what the upload checks too (documents/credentials.py)
        signer_key_usage={"digital_signature"},
        **extra,
    )
    pdf_signer = signers.PdfSigner(
        meta,
        signer=signer,
        stamp_style=style,
        new_field_spec=fields.SigFieldSpec(field_name, on_page=-1, box=rect),
        timestamper=_timestamper(authority),
    )
    try:
        out = run_async(lambda: pdf_signer.async_sign_pdf(writer))
    except (SigningError, CertValidationError, PathError) as exc:
        # a certificate (the signer's, or the time-stamping service's) that the validation
        # data cannot vouch for: refused with the reason, never a half-made signature
        raise ApplicationError(
            "signing_failed",
            _(
                "The signature could not be made: the signer's certificate could not be "
                "validated. Nothing was signed; tell the county's administrator."
            ),
        ) from exc
    return bytes(out.getvalue())


def run_async(make: Callable[[], Coroutine[Any, Any, Any]]) -> Any:
    """pyHanko signs in asyncio; where this thread already runs an event loop (an async
    view, a browser test driving the page), the signing gets a thread of its own."""
    try:
        asyncio.get_running_loop()
    except RuntimeError:
        return asyncio.run(make())
    with concurrent.futures.ThreadPoolExecutor(max_workers=1) as pool:
        return pool.submit(lambda: asyncio.run(make())).result()


@dataclass(frozen=True)
class SignatureCheck:
    field: str
    signer: str
    signed_at: Any  # the time-stamp's time when there is one, else what the signer claims
    intact: bool  # the signed bytes unchanged, and nothing added after that the signature forbids
    trusted: bool  # the signer's certificate chains to one of the given CAs
    whole_file: bool  # nothing at all was added after this signature
    timestamped: bool = False  # a time-stamp that is intact and chains to a given CA
    serial: str = ""  # the signer's certificate serial number, hex


def validate(content: bytes, trust_roots_pem: list[str]) -> list[SignatureCheck]:
    """Every signature in ``content``, checked against the given CA certificates. A file
    that is not a readable PDF has none."""
    roots = [_cert(pem) for pem in trust_roots_pem]
    try:
        reader = PdfFileReader(io.BytesIO(content), strict=False)
        embedded = list(reader.embedded_signatures)
    except Exception:
        return []
    results = []
    for signature in embedded:
        context = ValidationContext(trust_roots=roots, allow_fetching=False)
        try:
            with warnings.catch_warnings():
                warnings.simplefilter("ignore")
                status = validate_pdf_signature(signature, context)
        except Exception:
            results.append(SignatureCheck(signature.field_name, "", None, False, False, False))
            continue
        subject = status.signing_cert.subject.native if status.signing_cert else {}
        stamp = status.timestamp_validity
        stamped = bool(stamp and stamp.intact and stamp.valid and stamp.trusted)
        results.append(
            SignatureCheck(
                field=signature.field_name,
                signer=str(subject.get("common_name", "")),
                signed_at=stamp.timestamp if stamp is not None else status.signer_reported_dt,
                intact=bool(status.intact and status.valid and status.docmdp_ok is not False),
                trusted=bool(status.trusted),
                whole_file=status.coverage == SignatureCoverageLevel.ENTIRE_FILE,
                timestamped=stamped,
                serial=format(status.signing_cert.serial_number, "x")
                if status.signing_cert
                else "",
            )
        )
    return results
