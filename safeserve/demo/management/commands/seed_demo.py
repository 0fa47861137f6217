from typing import Any

from django.core.management.base import BaseCommand

from safeserve.demo.seed import DEMO_PASSWORD, seed
from safeserve.organizations.models import Role


class Command(BaseCommand):
    help = "Create the two demo counties and every demo login (idempotent)."

    def add_arguments(self, parser: Any) -> None:
        parser.add_argument(
            "--scale",
            choices=["county", "province"],
            default="county",
            help="county: the two demo counties; province: ten more counties and 100k "
            "enterprises (for benchmarks).",
        )

    def handle(self, *args: Any, **options: Any) -> None:
        result = seed(scale=options["scale"])
        if result.created:
            made = ", ".join(f"{n} {what}" for what, n in sorted(result.created.items()))
            self.stdout.write(self.style.SUCCESS(f"Created {made}."))
        else:
            self.stdout.write("Demo data already present; nothing changed.")
        self.stdout.write("")
        self.stdout.write(f"Demo logins (password for all: {DEMO_PASSWORD})")
        for login in result.logins:
            role = Role(login.role).label
            self.stdout.write(f"  {login.username:<22} {login.organization} · {role} — {login.why}")
            if login.otp_key:
                self.stdout.write(f"  {'':<22} 动态口令密钥 (TOTP key): {login.otp_key}")
