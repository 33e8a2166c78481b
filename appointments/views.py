"""Booking pages. Online booking arrives with the booking issue; this page says so."""

from django.http import HttpRequest, HttpResponse
from django.shortcuts import render


def book(request: HttpRequest) -> HttpResponse:
    """Where residents will book; until then, how to book by phone or in person."""
    return render(request, "appointments/book_coming.html")
