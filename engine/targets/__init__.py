"""Target tables: validation against the indicator frame, the indicator library, Excel."""
