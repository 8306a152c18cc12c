"""The rules layer: rule sets as JSON, evaluated on durable_rules."""
