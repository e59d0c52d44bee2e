"""Thin resolvers: unpack the input, call a service, map the result. Query and Mutation live here."""

from resolvers.users import Mutation, Query

__all__ = ["Mutation", "Query"]
