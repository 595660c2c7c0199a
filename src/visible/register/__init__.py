"""The register import: a council's register of children from its own case system (CSV or
XLSX), with the column mapping it saves once (docs/register-import.md)."""
