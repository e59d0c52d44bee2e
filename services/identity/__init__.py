"""Who a user is and how they prove it: passwords, access tokens, sessions, sign-in, two-factor, one-time tokens."""
