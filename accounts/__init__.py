"""Staff accounts: sign-in by username or e-mail, sign-out and password reset."""
