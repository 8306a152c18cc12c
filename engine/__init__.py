"""The budget performance cycle: domain model, workflow runtime, scoring, alerts, results."""
