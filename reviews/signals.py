"""Signals the review app sends after the transaction commits; greencode listens, reviews never imports it."""

from django.dispatch import Signal

# A city accepted a filing. kwargs: filing.
filing_accepted = Signal()
# A city reported a major accident at a unit. kwargs: incident.
incident_reported = Signal()
