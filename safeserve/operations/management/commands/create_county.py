from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.utils.translation import gettext as _

from safeserve.common.exceptions import ApplicationError
from safeserve.operations.setup import county_create


class Command(BaseCommand):
    help = (
        "First install of a county from the command line: its region, its work-safety office "
        "and the office's admin, whose temporary password is printed once (to change at the "
        "first login). The admin then sets up townships, departments and users on the pages."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--code", required=True, help="six-digit GB/T 2260 county code")
        parser.add_argument("--name", required=True, help="the county's name, e.g. 安平县")
        parser.add_argument("--admin", required=True, help="login name of the office's admin")
        parser.add_argument("--admin-name", default="", help="the admin's full name")
        parser.add_argument("--admin-phone", default="")
        parser.add_argument("--office", default="", help="the office's name, if not the usual")

    def handle(self, *args: Any, **options: Any) -> None:
        try:
            created = county_create(
                actor=None,
                code=options["code"],
                name=options["name"],
                office_name=options["office"],
                admin_username=options["admin"],
                admin_full_name=options["admin_name"] or options["admin"],
                admin_phone=options["admin_phone"],
            )
        except ApplicationError as exc:
            raise CommandError(str(exc.message)) from None
        self.stdout.write(
            _(
                "%(county)s (%(code)s) is set up with %(office)s.\n"
                "Admin: %(admin)s\n"
                "Temporary password (shown once, to change at the first login): %(password)s"
            )
            % {
                "county": created.county.name,
                "code": created.county.code,
                "office": created.office.name,
                "admin": created.admin.username,
                "password": created.temporary_password,
            }
        )
