from django.contrib import admin

from safeserve.common.admin import ReadOnlyAdmin
from safeserve.organizations.models import Organization, Region


@admin.register(Region)
class RegionAdmin(ReadOnlyAdmin):
    list_display = ["code", "name", "level", "parent"]
    list_filter = ["level"]
    search_fields = ["code", "name"]


@admin.register(Organization)
class OrganizationAdmin(ReadOnlyAdmin):
    list_display = ["name", "kind", "county", "region", "is_active"]
    list_filter = ["kind", "is_active"]
    search_fields = ["name"]
    list_select_related = ["county", "region"]
