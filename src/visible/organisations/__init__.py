"""Putting organisations on Visible and keeping them right: the set-up of a new service
(`visible setup`), councils and HSC Trusts from the reference authorities, police forces with
their areas, guardian and NGO services with the authorities they cover, the national body;
deactivation and reactivation; local government reorganisations (docs/provisioning.md).

`actions.py` holds every write (each audited in its own transaction), `inputs.py` what they
take, `queries.py` what the pages and the command line show, `policy.py` who may do it (a
national administrator of the national body, or an operator at the server's command line),
`setup.py` the bootstrap and `cli.py` the commands.
"""
