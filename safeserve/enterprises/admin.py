from django.contrib import admin

from safeserve.common.admin import ReadOnlyAdmin
from safeserve.enterprises.models import Enterprise, ImportJob, SectorRule


@admin.register(Enterprise)
class EnterpriseAdmin(ReadOnlyAdmin):
    list_display = ["name", "uscc", "township", "industry_code", "sector", "is_key", "status"]
    list_filter = ["sector", "is_key", "status"]
    search_fields = ["name", "=uscc"]
    list_select_related = ["township"]


@admin.register(SectorRule)
class SectorRuleAdmin(ReadOnlyAdmin):
    list_display = ["prefix", "name", "sector", "county"]


@admin.register(ImportJob)
class ImportJobAdmin(ReadOnlyAdmin):
    list_display = ["filename", "status", "total_rows", "error_count", "created_at"]
