"""Pages about logging in that Django's auth views do not cover: the lockout page, throttled resets."""

import math
from datetime import timedelta

from django.contrib.auth import views as auth_views
from django.shortcuts import render
from django.utils import timezone
from django.views.decorators.http import require_http_methods

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
