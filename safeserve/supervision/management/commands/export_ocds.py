import json
from pathlib import Path
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from safeserve.supervision import ocds


class Command(BaseCommand):
    help = (
        "Write every public contracting process as one OCDS 1.1 release package (JSON), "
        "checked against the OCDS schemas shipped with SafeServe; with --records, the "
        "compiled records instead. Exits non-zero if the package does not validate."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--output", "-o", type=Path, help="file to write (default: stdout)")
        parser.add_argument(
            "--records", action="store_true", help="the compiled record of each process"
        )

    def handle(self, *args: Any, **options: Any) -> None:
        if options["records"]:
            document: Any = {
                "version": ocds.VERSION,
                "records": [ocds.record(p) for p in ocds.public_projects().iterator(200)],
            }
            errors = [
                error
                for record in document["records"]
                for error in ocds.validate(record["compiledRelease"])
            ]
            if errors:
                raise CommandError("A record does not validate: " + "; ".join(errors[:5]))
        else:
            document = ocds.package(ocds.all_releases())
            errors = ocds.validate(document)
            if errors:
                raise CommandError("The package does not validate: " + "; ".join(errors[:5]))
        text = json.dumps(document, ensure_ascii=False, indent=1)
        if options["output"]:
            options["output"].write_text(text, encoding="utf-8")
            count = len(document.get("releases", document.get("records", [])))
            self.stderr.write(f"{count} written to {options['output']}")
        else:
            self.stdout.write(text)
