from django.contrib import admin

from weaver.models import UnsentTask


@admin.register(UnsentTask)
class UnsentTaskAdmin(admin.ModelAdmin):
    list_display = ["name", "args", "created_at", "attempts", "sent_at", "error"]
    list_filter = ["name", ("sent_at", admin.EmptyFieldListFilter)]
    readonly_fields = ["name", "args", "kwargs", "eta", "error", "attempts", "created_at", "sent_at"]
