"""The one error a bad environment raises."""


class SettingsError(RuntimeError):
    """The environment cannot run the server; the message says what to set."""
