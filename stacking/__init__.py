"""Qualifications: rules that roll a learner's badges up into a larger credential, and their evaluation."""
