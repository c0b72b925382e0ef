"""Placeholder pages until the pages land; replaced by the real views."""

from django.contrib.auth.decorators import login_required
from django.http import HttpResponse


@login_required
def network_list(request):
    return HttpResponse("networks")


@login_required
def network_detail(request, slug):
    return HttpResponse(slug)


@login_required
def member_detail(request, slug, pk):
    return HttpResponse(str(pk))
