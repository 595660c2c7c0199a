"""People and teams: invitations, roles, teams, leavers and returners, the organisation a
person acts for (docs/provisioning.md, "People" and "Teams")."""
