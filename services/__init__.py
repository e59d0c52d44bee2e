"""Domain rules: accounts, validation, passwords and tokens. Nothing here knows GraphQL."""
