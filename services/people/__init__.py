"""People and their relations: follows, requests, blocks, counters, lookups, lists, directory, visibility."""
