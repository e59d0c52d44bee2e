"""An account's own life: registration, profile changes and their validation, email undo, lifecycle."""
