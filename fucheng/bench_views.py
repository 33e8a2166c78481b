"""The benchmark's baseline: one indexed query and a tiny template. Routed only when FUCHENG_BENCH is on."""

from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import render

from centers.models import Station


def baseline(request: HttpRequest, pk: int) -> HttpResponse:
    """What a bare Django page costs here: a primary-key lookup rendered in a few lines (bench only)."""
    station = Station.objects.filter(pk=pk).only("pk", "name").first()
    if station is None:
        raise Http404
    return render(request, "bench/baseline.html", {"station": station})
