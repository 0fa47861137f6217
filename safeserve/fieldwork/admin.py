"""The platform administrator's read-only view of tasks. ``manage.py bench`` also times its
changelist as the baseline the task list is compared with (issue 15)."""

from django.contrib import admin

from safeserve.common.admin import ReadOnlyAdmin
from safeserve.fieldwork.models import ServiceTask


@admin.register(ServiceTask)
class ServiceTaskAdmin(ReadOnlyAdmin):
    list_display = ["title", "enterprise", "kind", "planned_date", "status"]
    list_filter = ["status", "kind"]
    list_select_related = ["enterprise"]
