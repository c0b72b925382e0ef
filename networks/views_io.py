"""Spreadsheet pages: upload, preview and confirm an import, as tasks (coordinators); exports (any role)."""

from django import forms
from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.http import Http404, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.views.decorators.http import require_http_methods, require_POST, require_safe

from networks.exporting import export_csv, export_filename, export_xlsx, export_zip
from networks.importing import (
    SourceFile,
    import_batch_confirm,
    import_batch_create,
    max_upload_bytes,
    too_large_message,
)
from networks.models import ImportBatch
from networks.permissions import can_edit, get_network_for_user

# The preview lists this many bad rows; the rest are counted (the command prints them all).
BAD_ROWS_SHOWN = 500

XLSX_TYPE = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


class MultipleFileInput(forms.ClearableFileInput):
    allow_multiple_selected = True


class MultipleFileField(forms.FileField):
    widget = MultipleFileInput

    def clean(self, data, initial=None):
        if not data:
            raise ValidationError(self.error_messages["required"], code="required")
        items = data if isinstance(data, list | tuple) else [data]
        single = super().clean
        return [single(item, initial) for item in items]


class ImportUploadForm(forms.Form):
    files = MultipleFileField(
        label="Spreadsheet files",
        help_text=(
            "Choose one Kumu-style workbook (.xlsx with sheets “Elements” and “Connections”), "
            "or two CSV files: one of members and one of ties. "
            f"Up to {settings.WEAVER_MAX_UPLOAD_MB} MB."
        ),
        widget=MultipleFileInput(attrs={"accept": ".xlsx,.csv,.zip"}),
    )

    def clean_files(self):
        files = self.cleaned_data["files"]
        if len(files) > 2:
            raise ValidationError("Choose one workbook, or two CSV files (members and ties).")
        for upload in files:
            if upload.size > max_upload_bytes():
                raise ValidationError(too_large_message(upload.name, upload.size))
        total = sum(upload.size for upload in files)
        if total > max_upload_bytes():
            raise ValidationError(too_large_message("These files together", total))
        return files


def _context(request, network, nav: str, **extra) -> dict:
    return {"network": network, "can_edit": can_edit(request.user, network), "nav": nav, **extra}


def _batch(network, batch_id) -> ImportBatch:
    return get_object_or_404(ImportBatch, network=network, pk=batch_id)


@login_required
@require_http_methods(["GET", "POST"])
def import_upload(request, slug):
    network = get_network_for_user(request.user, slug, edit=True)
    form = ImportUploadForm()
    if request.method == "POST":
        form = ImportUploadForm(request.POST, request.FILES)
        if form.is_valid():
            files = [SourceFile(name=f.name, content=f.read()) for f in form.cleaned_data["files"]]
            batch = import_batch_create(user=request.user, network=network, files=files)
            return redirect("networks:import-preview", slug=network.slug, batch_id=batch.pk)
    recent = network.imports.select_related("created_by")[:5]
    context = _context(
        request,
        network,
        "import",
        form=form,
        recent=recent,
        limit=settings.WEAVER_MAX_UPLOAD_MB,
        max_rows=settings.WEAVER_IMPORT_MAX_ROWS,
    )
    return render(request, "networks/import_upload.html", context)


@login_required
@require_safe
def import_preview(request, slug, batch_id):
    """The batch's page: its progress while a task works on it, then the preview, then the result."""
    network = get_network_for_user(request.user, slug, edit=True)
    batch = _batch(network, batch_id)
    summary = batch.summary or {}
    bad_rows = summary.get("bad_rows", [])
    context = _context(
        request,
        network,
        "import",
        batch=batch,
        summary=summary,
        bad_rows=bad_rows[:BAD_ROWS_SHOWN],
        bad_rows_hidden=max(0, len(bad_rows) - BAD_ROWS_SHOWN),
        bad_row_count=len(bad_rows),
        can_confirm=batch.status == ImportBatch.Status.PREVIEWED and not bad_rows,
    )
    return render(request, "networks/import_preview.html", context)


@login_required
@require_safe
def import_progress(request, slug, batch_id):
    """The progress card, polled by htmx; once the batch has finished its step, the page reloads."""
    network = get_network_for_user(request.user, slug, edit=True)
    batch = _batch(network, batch_id)
    response = render(request, "networks/_import_progress.html", {"network": network, "batch": batch})
    if not batch.is_working and request.htmx:
        response["HX-Refresh"] = "true"
    return response


@login_required
@require_POST
def import_confirm(request, slug, batch_id):
    network = get_network_for_user(request.user, slug, edit=True)
    batch = _batch(network, batch_id)
    try:
        import_batch_confirm(user=request.user, batch=batch)
    except ValidationError as exc:
        messages.error(request, " ".join(exc.messages))
    return redirect("networks:import-preview", slug=network.slug, batch_id=batch.pk)


@login_required
@require_safe
def export(request, slug):
    network = get_network_for_user(request.user, slug)
    return render(request, "networks/export.html", _context(request, network, "export"))


@login_required
@require_safe
def export_download(request, slug, fmt):
    network = get_network_for_user(request.user, slug)
    if fmt == "xlsx":
        content, content_type, name = export_xlsx(network=network), XLSX_TYPE, "network.xlsx"
    elif fmt == "zip":
        content, content_type, name = export_zip(network=network), "application/zip", "csv.zip"
    elif fmt in ("members.csv", "ties.csv"):
        members_csv, ties_csv = export_csv(network=network)
        content = members_csv if fmt == "members.csv" else ties_csv
        content_type, name = "text/csv; charset=utf-8", fmt
    else:
        raise Http404("No such export format.")
    what, extension = name.split(".")
    response = HttpResponse(content, content_type=content_type)
    response["Content-Disposition"] = f'attachment; filename="{export_filename(network, what)}.{extension}"'
    return response
