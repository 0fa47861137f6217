from django.contrib import admin

from safeserve.accounts.models import LoginLog, User
from safeserve.common.admin import ReadOnlyAdmin


@admin.register(User)
class UserAdmin(ReadOnlyAdmin):
    list_display = ["username", "full_name", "organization", "role", "is_active"]
    list_filter = ["role", "is_active"]
    search_fields = ["username", "full_name"]
    list_select_related = ["organization"]
    exclude = ["password"]


@admin.register(LoginLog)
class LoginLogAdmin(ReadOnlyAdmin):
    list_display = ["created_at", "username", "result", "channel", "ip"]
    list_filter = ["result", "channel"]
