"""Read models for the API and the pages: scoped, filtered, paged queries (no writes here)."""
