"""National monitoring (report Rec 6.i): collections of every authority's FOI return, their
data-quality checks, the national tables of the report's Appendix 3, disclosure control for
publication, charts and maps."""
