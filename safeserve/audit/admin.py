from django.contrib import admin

from safeserve.audit.models import AuditEvent
from safeserve.common.admin import ReadOnlyAdmin


@admin.register(AuditEvent)
class AuditEventAdmin(ReadOnlyAdmin):
    list_display = ["created_at", "chain", "seq", "actor_name", "action", "object_repr"]
    list_filter = ["action"]
    search_fields = ["object_repr", "actor_name"]
