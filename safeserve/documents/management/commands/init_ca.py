"""Creates each county's signing authority (CA and time-stamping unit) ahead of the first
signature, and prints what readers need to trust it."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from django.core.management.base import BaseCommand, CommandError

from safeserve.documents.ca import authority_for, fingerprint, load_certificate
from safeserve.organizations.models import Region, RegionLevel


class Command(BaseCommand):
    help = (
        "Create the county signing authority (CA) of every county, or of one (--county CODE), "
        "and print its certificate's fingerprint; --out DIR writes each CA certificate as "
        "<code>.pem for PDF readers and pdfsig to trust. Idempotent."
    )

    def add_arguments(self, parser: Any) -> None:
        parser.add_argument("--county", help="the county's region code")
        parser.add_argument("--out", help="a directory for the CA certificates (PEM)")

    def handle(self, *args: Any, **options: Any) -> None:
        counties = Region.objects.filter(level=RegionLevel.COUNTY).order_by("code")
        if options["county"]:
            counties = counties.filter(code=options["county"])
            if not counties.exists():
                raise CommandError(f"No county with the code {options['county']}.")
        out = Path(options["out"]) if options["out"] else None
        if out is not None:
            out.mkdir(parents=True, exist_ok=True)
        for county in counties:
            authority = authority_for(county)
            cert = load_certificate(authority.certificate_pem)
            self.stdout.write(f"{county.code} {county.name}: SHA-256 {fingerprint(cert)}")
            if out is not None:
                (out / f"{county.code}.pem").write_text(authority.certificate_pem)
