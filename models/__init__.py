"""Tortoise models. The app label is ``models``; Tortoise discovers them from this module."""

from models.user import User, UserProfile

__all__ = ["User", "UserProfile"]
