"""Bulk issuance: uploaded files of awards stored as jobs of rows and issued in chunks by background tasks."""
