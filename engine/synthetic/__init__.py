"""A synthetic province: realistic organisations, projects and target tables from a seed."""
