"""The on-call rota\x27s pages: who is on duty now and this week, and adding, changing and removing a shift (rota/actions.py)."""
