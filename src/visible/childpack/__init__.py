"""Information for the child (issue 18, the report's Recommendation 2): a pack in the child's
own language saying who helps them, what happens next and what to do if someone asks them to
leave or they feel unsafe, with their contacts filled in from the record (docs/child-pack.md)."""
