"""Demo data: realistic, valid and deterministic customers, staff and history for a seed."""
