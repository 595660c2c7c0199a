"""The TOTP second factor (RFC 6238) and one-time recovery codes.

pyotp computes the codes (SHA-1, 6 digits, 30-second steps: what every authenticator app
expects); segno draws the enrolment QR code as SVG on the server. A code is accepted for the
current step and one step either side (clocks drift), and never twice: the device remembers
the newest step it accepted, and a code for that step or an earlier one is refused, so a code
seen over someone's shoulder cannot be replayed. The check-and-mark is one conditional UPDATE,
so two processes cannot both accept the same code.

Recovery codes are ten random 12-character codes (60 bits each), shown once, stored only as
password hashes (argon2 in production), and each works once.
"""

from __future__ import annotations

import datetime as dt
import hmac
import re
import secrets

import pyotp
import segno
from django.conf import settings
from django.contrib.auth.hashers import check_password, make_password
from django.db import transaction
from django.utils import timezone

from visible.agencies.viewer import Viewer, viewer_for
from visible.audit.log import record

from .models import RecoveryCode, TotpDevice

ENROLLED = "second_factor_enrolled"
FAILED = "second_factor_failed"
RECOVERY_USED = "recovery_code_used"
RESET = "second_factor_reset"

DRIFT_STEPS = 1
RECOVERY_CODES = 10
RECOVERY_ALPHABET = (
    "ABCDEFGHJKLMNPQRSTUVWXYZ23456789"  # no 0/O or 1/I: read aloud or typed without doubt
)
RECOVERY_LENGTH = 12


def issuer() -> str:
    return getattr(settings, "VISIBLE_TOTP_ISSUER", "Visible")


def _totp(secret: str) -> pyotp.TOTP:
    return pyotp.TOTP(secret)


STEP_SECONDS = 30


def step_at(at: dt.datetime | None = None) -> int:
    """The RFC 6238 time step: 30-second intervals since the Unix epoch."""
    return int((at or timezone.now()).timestamp()) // STEP_SECONDS


def code_at(secret: str, step: int) -> str:
    return _totp(secret).generate_otp(step)


def current_code(secret: str, at: dt.datetime | None = None) -> str:
    return code_at(secret, step_at(at))


def grouped(secret: str) -> str:
    """The secret as people copy it: groups of four."""
    return " ".join(secret[i : i + 4] for i in range(0, len(secret), 4))


def provisioning_uri(device: TotpDevice) -> str:
    return _totp(device.secret).provisioning_uri(
        name=device.user.get_username(), issuer_name=issuer()
    )


def qr_svg(device: TotpDevice) -> str:
    """An inline SVG (no script, no style attribute: the CSP allows it) of the otpauth URI."""
    svg = segno.make(provisioning_uri(device), error="m").svg_inline(
        scale=5,
        border=4,
        dark="#0b0c0c",
        light="#ffffff",
        title="QR code to scan with your authenticator app",
    )
    return svg.replace(
        "<svg ",
        '<svg role="img" aria-label="QR code to scan with your authenticator app" focusable="false" ',
        1,
    )


def confirmed_device(user) -> TotpDevice | None:
    return TotpDevice.objects.filter(user=user, confirmed_at__isnull=False).first()


def device_for_enrolment(user) -> TotpDevice:
    """The person's unconfirmed device, made now if they have none. The same secret is shown
    again if they come back before confirming (they may have scanned it already)."""
    device, _ = TotpDevice.objects.get_or_create(
        user=user, defaults={"secret": pyotp.random_base32()}
    )
    return device


def normalise_code(text: str) -> str:
    return re.sub(r"[\s-]", "", text or "")


def verify(device: TotpDevice, code: str, at: dt.datetime | None = None) -> bool:
    """True if `code` is the device's code for now (one step either side) and no code at or
    after that step has been accepted before. Marks the step used."""
    code = normalise_code(code)
    if not re.fullmatch(r"\d{6}", code):
        return False
    now_step = step_at(at)
    for step in sorted(range(now_step - DRIFT_STEPS, now_step + DRIFT_STEPS + 1), reverse=True):
        if hmac.compare_digest(code_at(device.secret, step), code):
            # The conditional update is the replay check: only one request can move the step on.
            won = TotpDevice.objects.filter(pk=device.pk, last_used_step__lt=step).update(
                last_used_step=step
            )
            if won:
                device.last_used_step = step
            return bool(won)
    return False


def confirm(device: TotpDevice, code: str) -> list[str] | None:
    """Enrolment: the first code from the app proves it holds the secret. Returns the new
    recovery codes (to show once), or None if the code was wrong."""
    with transaction.atomic():
        if not verify(device, code):
            return None
        device.confirmed_at = timezone.now()
        device.save(update_fields=["confirmed_at"])
        codes = new_recovery_codes(device.user)
        record(
            viewer_for(device.user),
            ENROLLED,
            object_type="user",
            object_id=device.user.pk,
            summary="Set up an authenticator app for the second factor",
            detail={"recovery_codes_issued": len(codes)},
        )
    return codes


def new_recovery_codes(user) -> list[str]:
    """Replace the person's recovery codes with ten new ones; return them (shown once)."""
    codes = [
        "".join(secrets.choice(RECOVERY_ALPHABET) for _ in range(RECOVERY_LENGTH))
        for _ in range(RECOVERY_CODES)
    ]
    RecoveryCode.objects.filter(user=user).delete()
    RecoveryCode.objects.bulk_create(
        [RecoveryCode(user=user, code_hash=make_password(code)) for code in codes]
    )
    return [display_recovery_code(code) for code in codes]


def display_recovery_code(code: str) -> str:
    return "-".join(code[i : i + 4] for i in range(0, len(code), 4))


def use_recovery_code(user, text: str) -> int | None:
    """If `text` is one of the person's unused recovery codes, spend it and return how many
    are left; otherwise None."""
    code = normalise_code(text).upper()
    if not re.fullmatch(f"[{RECOVERY_ALPHABET}]{{{RECOVERY_LENGTH}}}", code):
        return None
    for candidate in RecoveryCode.objects.filter(user=user, used_at__isnull=True).order_by("pk"):
        if check_password(code, candidate.code_hash):
            spent = RecoveryCode.objects.filter(pk=candidate.pk, used_at__isnull=True).update(
                used_at=timezone.now()
            )
            if not spent:
                return None  # used a moment ago by another request
            left = RecoveryCode.objects.filter(user=user, used_at__isnull=True).count()
            record(
                viewer_for(user),
                RECOVERY_USED,
                object_type="user",
                object_id=user.pk,
                summary=f"Signed in with a recovery code ({left} left)",
                detail={"recovery_codes_left": left},
            )
            return left
    return None


def record_failure(user, stage_label: str) -> None:
    record(
        viewer_for(user),
        FAILED,
        object_type="user",
        object_id=user.pk,
        summary=f"Wrong {stage_label} at the second sign-in step",
    )


def reset(user, by: str) -> None:
    """Lost phone: remove the device and recovery codes; they set up a new one at next sign-in."""
    with transaction.atomic():
        TotpDevice.objects.filter(user=user).delete()
        RecoveryCode.objects.filter(user=user).delete()
        record(
            Viewer.system(by or "administrator"),
            RESET,
            object_type="user",
            object_id=user.pk,
            summary=f"Removed the authenticator and recovery codes of '{user.get_username()}': "
            "they set up a new authenticator at their next sign-in",
        )
