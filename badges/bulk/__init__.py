"""Bulk awards: reading an uploaded CSV or JSON-lines file and checking every row before anything is issued."""
