"""Signing in safely: argon2 passwords, a TOTP second factor with recovery codes, throttling
and lockout, session timeouts, and the retention schedule (rulebook §9). See docs/security.md."""
