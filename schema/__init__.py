"""The GraphQL edge: Strawberry types and inputs, the request context, permissions, error mapping."""
