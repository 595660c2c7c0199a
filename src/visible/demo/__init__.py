"""The demo and everything synthetic, kept out of the service itself.

- `setup.py`: `visible demo`: the demo database, its staff and logins (`print_logins`).
- `synthetic/`: `visible generate`: the deterministic synthetic register (children, their
  records and missing history) and synthetic national returns (`synthetic/returns.py`).
- `sharing.py`, `national.py`: the demo's multi-agency sharing and national collections.
- `pseudo.py`: synthetic pseudonymised submissions for the benchmark and the tables' tests.

It needs the optional extra `demo` (Faker): `pip install 'visible[demo]'`. No production
module imports it; only the command line does, inside the demo's own commands. Whether a
database may receive demo data is decided by `visible.installation`.
"""
