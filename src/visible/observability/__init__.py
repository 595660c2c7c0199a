"""Visible's logs and error reports, with no domain knowledge of their own (docs/operations.md).

- `context.py`: the fields every log line of a request or a job carries (its request id or
  job id, the user and organisation by number), kept in a context variable; `log_context()`
  for a worker's job.
- `formatting.py`: the JSON lines of production and the readable lines of the demo, with
  tracebacks whose exception messages are withheld unless known to hold no data; the LOGGING
  dictionary the settings and gunicorn use.
- `sentry.py`: error reports to Sentry when VISIBLE_SENTRY_DSN is set, stripped to the code
  and the ids before they leave.

The request's own middleware (the request id, the access line) is `visible.web.request_log`.
`context` and `formatting` use only the standard library: gunicorn's master, which must not
load Django, imports them for its own log lines.
"""
