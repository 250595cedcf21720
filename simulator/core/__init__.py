"""Pure, deterministic simulation engine: no pygame, no wall clock, no global RNG."""
