"""Sent when someone's access to an organisation ends, inside the transaction that ends it, so
that what hangs on that access elsewhere ends with it. Receivers return a list of the things
they ended, in words (the API app revokes the API clients the person created for that
organisation: api/signals.py); the deactivation reports them and audits them."""

from django.dispatch import Signal

# Sent with: membership (the Membership just deactivated), by (who did it, as the audit log
# names them), now.
membership_deactivated = Signal()
