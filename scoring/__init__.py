"""Pure scoring over (event log, scenario) and after-action review outputs."""
