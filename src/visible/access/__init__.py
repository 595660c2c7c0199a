"""Who may see and do what: every access decision, in one package below the domain operations.

- ``register``: the grant for a child (who sees which children, in which view, on what basis).
- ``missing``: missing episodes, grab packs and alerts, built on the register's grant.
- ``disclosures``: recording what another organisation saw, and on what legal basis.
- ``opening``: the one gate the web pages and the REST API open records through: it asks the
  policies, records the view or the refusal, and raises 404 or 403.

The package imports the models of the register, missing and sharing apps, the audit log and the
agencies, and nothing above them: the domain operations (``children.actions``,
``missing.actions``, ``sharing.actions`` ...) import it, never the other way round. The layers
are enforced by import-linter (``.importlinter``; docs/architecture.md, "Layers").
"""
