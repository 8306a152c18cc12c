"""The workflow runtime: deployment, instances, the work queue, timers and incidents."""
