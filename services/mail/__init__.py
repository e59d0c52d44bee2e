"""Mail: an outbox written with the change that causes a mail, templates, transports, and the sender."""
