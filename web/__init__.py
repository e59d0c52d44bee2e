"""HTTP around the GraphQL endpoint: the per-request log line, logging set-up, GraphiQL's local assets."""
