"""Absolute links for e-mails, built from WEAVER_BASE_URL (tasks have no request)."""

from django.conf import settings
from django.urls import reverse


def absolute_url(viewname: str, **kwargs) -> str:
    return settings.WEAVER_BASE_URL + reverse(viewname, kwargs=kwargs or None)
