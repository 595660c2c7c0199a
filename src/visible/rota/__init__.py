"""The on-call rota: who in an organisation is on duty when, out of hours included, at each
position of the escalation ladder (docs/notifications.md, ADR 0019)."""
