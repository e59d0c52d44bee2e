"""Webhooks: account events written with their change, delivered signed (Standard Webhooks) to endpoints."""
