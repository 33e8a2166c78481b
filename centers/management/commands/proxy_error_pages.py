"""Write the reverse proxy's own error pages (502, 503, 504) with the crisis hotlines, so that a person whose
request an instance dropped sees the numbers to call, not a bare "502 Bad Gateway"."""

from __future__ import annotations

from pathlib import Path

from django.conf import settings
from django.core.management.base import BaseCommand
from django.utils import translation

from centers.infra.error_pages import PROXY_STATUSES, proxy_error_html, proxy_error_response

# HAProxy keeps an errorfile in one buffer (tune.bufsize, 16 kB by default), headers included.
HAPROXY_LIMIT = 16384


class Command(BaseCommand):
    help = "Write <status>.http (HAProxy errorfile) and <status>.html (nginx error_page) for 502, 503 and 504."

    def add_arguments(self, parser):
        parser.add_argument("directory", help="where to write the pages (created if missing)")
        parser.add_argument("--language", default=settings.LANGUAGE_CODE, help="default: the site's language")

    def handle(self, *args, directory: str, language: str, **options):
        target = Path(directory)
        target.mkdir(parents=True, exist_ok=True)
        with translation.override(language):
            for status in PROXY_STATUSES:
                response = proxy_error_response(status)
                if len(response) > HAPROXY_LIMIT:
                    raise ValueError(f"the {status} page is {len(response)} bytes, over HAProxy's {HAPROXY_LIMIT}")
                (target / f"{status}.http").write_bytes(response)
                (target / f"{status}.html").write_text(proxy_error_html(status), encoding="utf-8")
        self.stdout.write(f"Written to {target}. HAProxy (defaults or backend section):")
        for status in PROXY_STATUSES:
            self.stdout.write(f"    errorfile {status} {target.resolve() / f'{status}.http'}")
