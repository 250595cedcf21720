"""pygame-ce drawing of a trainee picture (read-only view)."""
