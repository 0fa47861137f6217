from django.contrib import admin

from safeserve.common.admin import ReadOnlyAdmin
from safeserve.providers.models import Expert, Provider, Qualification


@admin.register(Provider)
class ProviderAdmin(ReadOnlyAdmin):
    list_display = ["name", "uscc", "legal_entity_kind"]
    search_fields = ["name", "=uscc"]


@admin.register(Qualification)
class QualificationAdmin(ReadOnlyAdmin):
    list_display = ["provider", "type", "certificate_no", "valid_to"]


@admin.register(Expert)
class ExpertAdmin(ReadOnlyAdmin):
    list_display = ["name", "title", "employer", "is_active"]
    exclude = ["id_number", "phone"]  # personal data stays masked even here
