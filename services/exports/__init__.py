"""Data exports ("download my data", GDPR articles 15 and 20): an account asks for a copy of everything held
about it (``requests``), a background builder in each server process writes the archive (``queue``, ``builder``,
``contents``) into private storage (``storage``), the owner gets a mail with a one-time link, and downloads it
(``downloads``) until the maintenance loop expires it (``expiry``)."""
