"""Multi-agency working: what is shared with whom and why (disclosures), grab packs shared in
advance with a police force (Philomena Protocol), break-glass access, and transfers of a child
between authorities."""
