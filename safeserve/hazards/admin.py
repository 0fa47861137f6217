"""The platform administrator's read-only view of hazards. ``manage.py bench`` also times
its changelist as the baseline the hazard list is compared with (issue 15)."""

from django.contrib import admin

from safeserve.common.admin import ReadOnlyAdmin
from safeserve.hazards.models import Hazard


@admin.register(Hazard)
class HazardAdmin(ReadOnlyAdmin):
    list_display = ["number", "enterprise", "level", "status", "deadline", "found_at"]
    list_filter = ["status", "level"]
    list_select_related = ["enterprise"]
    search_fields = ["=number"]
