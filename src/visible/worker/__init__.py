"""The background worker: Huey's consumer and scheduler running Visible's routine work (the
sweep, every minute) and its long jobs, with a heartbeat in the database that the health checks
read (docs/decisions/0008-background-worker.md)."""
