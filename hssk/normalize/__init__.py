"""Pure Vietnamese standardisation functions (filled in below)."""
