"""Notifications: telling the right people at once, by email and text message, without naming
the child (docs/notifications.md). ``notify.notify`` is the entry point."""
