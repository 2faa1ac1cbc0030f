"""The learner's side: password-less sign-in by e-mail, their collection of credentials and the public profile
they choose to show."""
