"""``manage.py bench``: queries per page and server time of the directory's heavy reads.

Measures on whatever data the database holds (``seed_demo`` for county scale, ``seed_demo
--scale province`` for 100k enterprises). Times are medians of several runs through Django's
test client (full middleware, templates, serialization); "raw SQL" re-runs the slowest query
of the same request directly on the database, to show what the ORM and rendering add.
"""

from __future__ import annotations

import resource
import statistics
import time
from typing import Any

from django.core.management.base import BaseCommand, CommandError
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from safeserve.accounts.middleware import LAST_SEEN, LOGIN_AT
from safeserve.accounts.models import User
from safeserve.accounts.otp import mark_verified
from safeserve.documents import ca, notices, signing
from safeserve.documents.models import SignedDocument, TechnicalReport
from safeserve.enterprises.models import Enterprise


def _client(user: User) -> Client:
    client = Client(HTTP_HOST="localhost")
    client.force_login(user)
    session = client.session
    session[LOGIN_AT] = session[LAST_SEEN] = time.time() + 3600  # no idle expiry mid-bench
    mark_verified(session, user)  # as after the authenticator code
    session.save()
    return client


def _measure(client: Client, url: str, repeat: int) -> dict[str, Any]:
    return _measure_together([(client, url)], repeat)[0]


def _measure_together(pages: list[tuple[Client, str]], repeat: int) -> list[dict[str, Any]]:
    """Each page's queries, p50 and p95 over ``repeat`` runs, the pages' requests taken in
    turn: a page and its baseline then share whatever else the machine is doing, so their
    ratio holds on a noisy machine where two runs minutes apart do not."""
    for client, url in pages:
        client.get(url)  # warm caches and connections
    times: list[list[float]] = [[] for _ in pages]
    queries = [0] * len(pages)
    slowest: list[tuple[float, str]] = [(0.0, "")] * len(pages)
    for _ in range(repeat):
        for i, (client, url) in enumerate(pages):
            with CaptureQueriesContext(connection) as captured:
                start = time.perf_counter()
                response = client.get(url)
                if hasattr(response, "streaming_content"):
                    for _chunk in response.streaming_content:
                        pass
                times[i].append(time.perf_counter() - start)
            if response.status_code != 200:
                raise CommandError(f"{url} answered {response.status_code}")
            queries[i] = len(captured)
            for query in captured.captured_queries:
                if float(query["time"]) > slowest[i][0] and query[
                    "sql"
                ].lstrip().upper().startswith("SELECT"):
                    slowest[i] = (float(query["time"]), query["sql"])
    results = []
    for i in range(len(pages)):
        raw = []
        if slowest[i][1]:
            with connection.cursor() as cursor:
                for _ in range(repeat):
                    start = time.perf_counter()
                    cursor.execute(slowest[i][1])
                    cursor.fetchall()
                    raw.append(time.perf_counter() - start)
        ordered = sorted(times[i])
        results.append(
            {
                "queries": queries[i],
                "median_ms": statistics.median(ordered) * 1000,
                "p95_ms": ordered[min(len(ordered) - 1, round(0.95 * (len(ordered) - 1)))] * 1000,
                "raw_ms": statistics.median(raw) * 1000 if raw else 0.0,
            }
        )
    return results


def _median_ms(call: Any, repeat: int) -> float:
    call()  # warm: fonts, the PDF engine
    times = []
    for _ in range(repeat):
        start = time.perf_counter()
        call()
        times.append(time.perf_counter() - start)
    return statistics.median(times) * 1000


class Command(BaseCommand):
    help = (
        "Benchmark the enterprise list page, list API, searches and export, and the task "
        "and hazard lists."
    )

    def add_arguments(self, parser: Any) -> None:
        parser.add_argument(
            "--user",
            default="county_officer",
            help="whose scope to measure (county_officer: one county; admin: every county)",
        )
        parser.add_argument("--repeat", type=int, default=15)
        parser.add_argument(
            "--scale",
            choices=["county", "province"],
            default="county",
            help="province: every list, detail page and API list for each role on the "
            "province fixture (seed_demo --scale province), p50/p95, with the Django admin "
            "changelist of the same rows as the baseline",
        )

    def handle(self, *args: Any, **options: Any) -> None:
        if options["scale"] == "province":
            self._province(max(20, options["repeat"]))
            return
        user = User.objects.select_related("organization").filter(username=options["user"]).first()
        if user is None:
            raise CommandError("Run manage.py seed_demo first.")
        admin = User.objects.filter(is_superuser=True).first()
        client = _client(user)
        repeat = options["repeat"]
        visible = Enterprise.objects.visible_to(user).count()
        sample = Enterprise.objects.visible_to(user).order_by("pk").first()
        initials = sample.pinyin_initials.split(" ")[0][2:6] if sample else "hf"
        deep_page = max(1, visible // 50 - 1)
        rows = [
            ("enterprise list page 1", client, "/enterprises/", repeat),
            (
                f"enterprise list page {deep_page}",
                client,
                f"/enterprises/?page={deep_page}",
                repeat,
            ),
            ("list API (50 per page)", client, "/api/v1/enterprises/", repeat),
            (f"pinyin search '{initials}'", client, f"/enterprises/?q={initials}", repeat),
            ("name search '纺织'", client, "/enterprises/?q=纺织", repeat),
            ("USCC prefix search", client, "/enterprises/?q=91990121MA00", repeat),
            (f"export all ({visible} rows)", client, "/enterprises/export/", max(1, repeat // 5)),
        ]
        rows += [
            ("hazard list page", client, "/hazards/", repeat),
            ("hazard list API", client, "/api/v1/hazards/", repeat),
            ("task list page", client, "/tasks/", repeat),
            ("task list API", client, "/api/v1/tasks/", repeat),
            ("major-hazard reports page", client, "/hazards/reports/", repeat),
        ]
        rows += [  # evaluation, sanctions, annual submissions and rankings (issue 14)
            ("evaluation list page", client, "/evaluations/", repeat),
            ("sanction list page", client, "/evaluations/sanctions/", repeat),
            ("annual submissions + overview", client, "/evaluations/annual/", repeat),
            ("provider rankings page", client, "/evaluations/rankings/providers/", repeat),
            ("expert rankings page", client, "/evaluations/rankings/experts/", repeat),
            ("provider rankings API", client, "/api/v1/rankings/providers/", repeat),
        ]
        rows.append(("home page with 待办", client, "/", repeat))
        for name in ("provider_admin", "expert", "enterprise_user"):
            other = User.objects.filter(username=name).first()
            if other is not None:
                rows.append((f"{name}: home page with 待办", _client(other), "/", repeat))
        rows.append(("employer changes page", client, "/providers/employer-changes/", repeat))
        expert = User.objects.filter(username="expert").first()
        if expert is not None:
            rows.append(("expert: my day and week", _client(expert), "/tasks/", repeat))
        if admin is not None:
            rows.append(
                (
                    "admin changelist (all counties)",
                    _client(admin),
                    "/platform-admin/enterprises/enterprise/",
                    repeat,
                )
            )
        self.stdout.write(
            f"database: {connection.vendor}; user: {user.username}; "
            f"enterprises in scope: {visible}; total: {Enterprise.objects.count()}"
        )
        self.stdout.write(f"{'what':<36}{'queries':>8}{'median ms':>12}{'raw SQL ms':>12}")
        for label, bench_client, url, times in rows:
            result = _measure(bench_client, url, times)
            self.stdout.write(
                f"{label:<36}{result['queries']:>8}{result['median_ms']:>12.1f}"
                f"{result['raw_ms']:>12.1f}"
            )
        self._documents(max(3, repeat // 3))
        peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
        self.stdout.write(f"peak memory of this process (export included): {peak:.0f} MB")

    def _documents(self, repeat: int) -> None:
        """A rectification notice rendered to PDF, and one signature added to it (nothing
        saved)."""
        document = (
            SignedDocument.objects.filter(notice__isnull=False)
            .select_related("notice", "provider", "county")
            .order_by("pk")
            .first()
        )
        if document is None:
            return
        rendered: list[bytes] = []

        def render() -> None:
            rendered[:] = [notices.render_notice(document, "http://localhost/")[0]]

        lead = User.objects.filter(username="expert").first()
        render_ms = _median_ms(render, repeat)
        self.stdout.write(
            f"{'notice PDF render (' + str(len(rendered[0]) // 1024) + ' kB)':<36}"
            f"{'':>8}{render_ms:>12.1f}"
        )
        if lead is None:
            return
        holder = ca.Holder(lead.full_name, document.provider.name, user=lead)
        credential = ca.credential_for(holder, document.county)
        authority = ca.authority_for(document.county)

        def sign() -> None:
            signing.sign(
                rendered[0],
                credential=credential,
                authority=authority,
                field_name="bench-1",
                rect=signing.box(0),
                appearance=signing.Appearance("专家签名", lead.full_name, "签名时间"),
            )

        self.stdout.write(
            f"{'notice PDF signature (PAdES B-T)':<36}{'':>8}{_median_ms(sign, repeat):>12.1f}"
        )

        def sign_long_term() -> None:  # the last signature: with the revocation data
            signing.sign(
                rendered[0],
                credential=credential,
                authority=authority,
                field_name="bench-1",
                rect=signing.box(0),
                appearance=signing.Appearance("专家签名", lead.full_name, "签名时间"),
                long_term=signing.LongTerm(
                    roots_pem=[authority.certificate_pem],
                    crls_der=[ca.revocation_list(document.county)],
                ),
            )

        label = "notice last signature (PAdES B-LT)"
        self.stdout.write(f"{label:<36}{'':>8}{_median_ms(sign_long_term, repeat):>12.1f}")
        self._report(repeat, credential, authority, lead)

    def _report(self, repeat: int, credential: Any, authority: Any, lead: Any) -> None:
        """A technical report with 60 hazards, each with a photo (the demo's, with the
        thumbnails made at upload), rendered and signed once — nothing saved."""
        from safeserve.documents.report_pdf import render_report
        from safeserve.hazards.models import HazardFile

        report = (
            TechnicalReport.objects.filter(document__isnull=False)
            .exclude(content={})
            .select_related("document")
            .order_by("pk")
            .first()
        )
        photos = list(
            HazardFile.objects.filter(is_image=True).order_by("pk").values_list("pk", flat=True)
        )
        if report is None or not report.content.get("hazards") or not photos:
            return
        model = report.content["hazards"][0]
        report.content = {
            **report.content,
            "hazards": [
                {**model, "number": f"YH-BENCH-{i:03d}", "photos": [photos[i % len(photos)]]}
                for i in range(60)
            ],
        }
        made: list[tuple[bytes, int]] = []

        def render_and_sign() -> None:
            data, pages = render_report(report, "http://localhost/")
            signing.sign(
                data,
                credential=credential,
                authority=authority,
                field_name="bench-report",
                rect=signing.report_box(0),
                appearance=signing.Appearance("专家签名", lead.full_name, "签名时间"),
            )
            made[:] = [(data, pages)]

        elapsed = _median_ms(render_and_sign, repeat)
        label = f"report 60 hazards+photos ({made[0][1]} pages)"
        self.stdout.write(f"{label:<36}{'':>8}{elapsed:>12.1f}")

    def _province(self, repeat: int) -> None:
        """Issue 15's table: each role's pages at province scale, p50 and p95 over
        ``repeat`` runs, and for lists the ratio to the admin changelist of the same model,
        scope and filter (measured in the same run)."""
        from safeserve.contracts.models import Contract
        from safeserve.fieldwork.models import ServiceTask
        from safeserve.hazards.models import Hazard
        from safeserve.organizations.models import OrganizationKind
        from safeserve.procurement.models import PurchasePlan
        from safeserve.providers.models import Provider

        officer = User.objects.filter(username="p1_county_officer").first()
        admin = User.objects.filter(is_superuser=True).order_by("pk").first()
        if officer is None or officer.organization is None or admin is None:
            raise CommandError("Run manage.py seed_demo --scale province first.")
        county_id = officer.organization.county_id
        department = (
            User.objects.filter(
                organization__county_id=county_id,
                organization__kind=OrganizationKind.DEPARTMENT,
                username__startswith="p1_",
            )
            .order_by("pk")
            .first()
        )
        roles = [
            ("county office", officer),
            ("township", User.objects.get(username="p1_purchaser0")),
            ("department", department),
            ("provider", User.objects.get(username="p1_provider0")),
            ("expert", User.objects.get(username="p1_expert0_0")),
            ("platform admin", admin),
        ]
        admin_client = _client(admin)
        changelist = "/platform-admin/hazards/hazard/"
        # The changelists each list is compared with (the same model, scope and filter):
        # measured alone for the table, and again in turn with the list (the ratio).
        baselines = {
            "all": changelist,
            "county": f"{changelist}?county__id__exact={county_id}",
            "county rectifying": (
                f"{changelist}?county__id__exact={county_id}&status__exact=rectifying"
            ),
            "tasks": "/platform-admin/fieldwork/servicetask/",
            "enterprises": "/platform-admin/enterprises/enterprise/",
        }
        self.stdout.write(
            f"database: {connection.vendor}; hazards {Hazard.objects.count()}, tasks "
            f"{ServiceTask.objects.count()}, contracts {Contract.objects.count()}, "
            f"enterprises {Enterprise.objects.count()}; {repeat} runs each"
        )
        header = f"{'role':<15}{'what':<34}{'rows':>8}{'q':>4}{'p50 ms':>9}{'p95 ms':>9}"
        self.stdout.write(header + f"{'admin p50':>11}{'× faster':>10}")
        for name, url in baselines.items():
            result = _measure(admin_client, url, repeat)
            self.stdout.write(
                f"{'(admin list)':<15}{name:<34}{'':>8}{result['queries']:>4}"
                f"{result['median_ms']:>9.1f}{result['p95_ms']:>9.1f}"
            )
        today = timezone.localdate()
        quarter = f"year={today.year}&quarter={(today.month - 1) // 3 + 1}"  # this one: its data
        for role, user in roles:
            if user is None:
                continue
            client = _client(user)
            visible = Hazard.objects.visible_to(user)
            tasks = ServiceTask.objects.visible_to(user)
            everyone = role == "platform admin"
            hazard_base = "all" if everyone else ("county" if role == "county office" else "")
            rows: list[tuple[str, str, str, str]] = [
                ("home page", "/", "", ""),
                ("dashboard", "/dashboard/", "", ""),
                ("hazard statistics (quarter)", f"/statistics/?{quarter}&by=sector", "", ""),
                ("hazard statistics (townships)", f"/statistics/?{quarter}&by=township", "", ""),
                ("hazard list", "/hazards/", "hazards", hazard_base),
                (
                    "hazard list, rectifying",
                    "/hazards/?status=rectifying",
                    "",
                    "county rectifying" if role == "county office" else "",
                ),
                ("task list", "/tasks/", "tasks", "tasks" if everyone else ""),
                ("enterprise list", "/enterprises/", "", "enterprises" if everyone else ""),
                ("notice list", "/hazards/notices/", "", ""),
                ("major-hazard reports", "/hazards/reports/", "", ""),
                ("contract list", "/contracts/", "", ""),
                ("hazards API", "/api/v1/hazards/", "", ""),
                ("tasks API", "/api/v1/tasks/", "", ""),
                ("enterprises API", "/api/v1/enterprises/", "", ""),
            ]
            hazard = visible.order_by("-found_at", "-pk").first()
            task = tasks.order_by("-planned_date").first()
            contract = Contract.objects.visible_to(user).order_by("-pk").first()
            provider = Provider.objects.visible_to(user).order_by("pk").first()
            plan = PurchasePlan.objects.visible_to(user).order_by("-pk").first()
            for label, obj, url in (
                ("hazard detail", hazard, "/hazards/{}/"),
                ("task detail", task, "/tasks/{}/"),
                ("contract detail", contract, "/contracts/{}/"),
                ("provider detail", provider, "/providers/{}/"),
                ("plan detail", plan, "/procurement/plans/{}/"),
            ):
                if obj is not None:
                    rows.append((label, url.format(obj.pk), "", ""))
            counts = {"hazards": visible.count(), "tasks": tasks.count()}
            for label, url, counted, baseline in rows:
                if client.get(url).status_code == 403:  # not this role's page
                    self.stdout.write(f"{role:<15}{label:<34}{'(not this role’s page)':>30}")
                    continue
                if baseline:
                    result, base = _measure_together(
                        [(client, url), (admin_client, baselines[baseline])], repeat
                    )
                else:
                    result = _measure(client, url, repeat)
                line = (
                    f"{role:<15}{label:<34}{counts.get(counted, ''):>8}{result['queries']:>4}"
                    f"{result['median_ms']:>9.1f}{result['p95_ms']:>9.1f}"
                )
                if baseline:
                    ratio = base["median_ms"] / result["median_ms"]
                    line += f"{base['median_ms']:>11.1f}{ratio:>10.1f}"
                self.stdout.write(line)
