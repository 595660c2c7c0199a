"""SSDA903 (England's children looked after return) and CIN census factors: import and export."""
