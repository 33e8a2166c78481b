"""Consent texts, versioned in code (changing a text means a new version: people consent again), and the
check that a consent is in force before new processing starts."""

from __future__ import annotations

from django.core.exceptions import ValidationError
from django.utils.functional import Promise
from django.utils.translation import gettext_lazy as _

from centers.models import Resident
from centers.privacy.models import ConsentPurpose, ConsentRecord

CONSENT_TEXTS: dict[str, tuple[str, Promise]] = {
    ConsentPurpose.SCREENING: (
        "2026-11",
        _(
            "I agree that my answers to the self-screening questionnaires are stored by the center and read by its "
            "counselors, only to offer me suitable help. I can withdraw this consent at any time; answers already "
            "given are then no longer used for new processing."
        ),
    ),
    ConsentPurpose.CASE_RECORD: (
        "2026-11",
        _(
            "I agree that the center keeps a confidential counseling record about me, readable only by the "
            "counselors and supervisor responsible for my care. It is never shared outside the center without my "
            "consent, except when life or health is in danger."
        ),
    ),
    ConsentPurpose.ONLINE_COUNSELING: (
        "2026-11",
        _(
            "I agree that my online conversations with the counselor on duty are stored encrypted and read only by "
            "the counselors caring for me. Online counseling is not an emergency service: in danger, call 110 or 120."
        ),
    ),
}


def current_version(purpose: str) -> str:
    return CONSENT_TEXTS[purpose][0]


def consent_text(purpose: str) -> Promise:
    return CONSENT_TEXTS[purpose][1]


def has_consent(resident: Resident, purpose: str) -> bool:
    """True while an unwithdrawn consent for the purpose exists (any version still in force)."""
    return ConsentRecord.objects.filter(resident=resident, purpose=purpose, withdrawn_at__isnull=True).exists()


def require_consent(resident: Resident, purpose: str) -> None:
    """For services that start new processing (a screening, a case record, a conversation):
    refuse with a clear message when the consent for the purpose is missing or withdrawn."""
    if not has_consent(resident, purpose):
        if resident.needs_guardian_consent:
            raise ValidationError(
                _("A parent or guardian must first consent to this on the “My consents” page."), code="no_consent"
            )
        raise ValidationError(
            _("This needs your consent first. You can give it on the “My consents” page."), code="no_consent"
        )
