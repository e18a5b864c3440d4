"""Experiments: run replications of scenarios (one, compared, swept) and return tables, never text."""
