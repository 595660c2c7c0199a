"""Statutory and partnership returns: the report's data request (FOI return) and the
safeguarding partnership's annual report."""
