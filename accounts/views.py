"""Account pages: the lockout page, throttled resets, and the account page with API tokens."""

import math
from datetime import timedelta

from django.contrib import messages
from django.contrib.auth import views as auth_views
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import timezone
from django.views.decorators.http import require_http_methods, require_POST

from accounts import services
from accounts.forms import ApiTokenForm
from networks.forms import add_service_errors
from weaver.lib.throttling import password_reset_refused


def _too_many(request, template: str, wait_seconds: float, **context):
    retry_at = timezone.localtime() + timedelta(seconds=wait_seconds)
    minutes = max(1, math.ceil(wait_seconds / 60))
    response = render(request, template, {"retry_at": retry_at, "minutes": minutes, **context}, status=429)
    response["Retry-After"] = str(math.ceil(wait_seconds))
    return response


def locked_out(request, original_response=None, credentials=None):
    """django-axes' lockout answer: a page saying when to try again (429, with Retry-After)."""
    from axes.helpers import get_cool_off

    return _too_many(request, "registration/locked_out.html", get_cool_off(request).total_seconds())


@require_http_methods(["GET", "POST"])
def password_reset(request):
    """Django's password-reset page, with the e-mails it sends limited per address and per e-mail."""
    if request.method == "POST":
        wait = password_reset_refused(request, request.POST.get("email", ""))
        if wait is not None:
            return _too_many(request, "registration/password_reset_throttled.html", wait)
    return auth_views.PasswordResetView.as_view()(request)


@login_required
@require_http_methods(["GET", "POST"])
def account(request):
    """GET shows the page; POST creates a token and shows its key on this response only."""
    may_have_tokens = services.can_have_api_tokens(request.user)
    form = ApiTokenForm(request.POST or None)
    new_key = None
    if request.method == "POST" and may_have_tokens and form.is_valid():
        try:
            _token, new_key = services.api_token_create(user=request.user, name=form.cleaned_data["name"])
        except ValidationError as error:
            add_service_errors(form, error)
        else:
            form = ApiTokenForm()
    elif request.method == "POST" and not may_have_tokens:
        raise PermissionDenied("API tokens are for the coordinators of a network.")
    context = {
        "may_have_tokens": may_have_tokens,
        "tokens": request.user.api_tokens.all() if may_have_tokens else [],
        "form": form,
        "new_key": new_key,
    }
    return render(request, "accounts/account.html", context)


@login_required
@require_POST
def token_revoke(request, pk):
    token = get_object_or_404(request.user.api_tokens, pk=pk)
    services.api_token_revoke(user=request.user, token=token)
    messages.success(request, f"The token “{token.name}” is revoked: it no longer opens the API.")
    return redirect("accounts:account")
