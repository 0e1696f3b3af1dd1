"""Signals the review app sends; greencode listens, reviews never imports it.

filing_accepted is sent after the transaction commits (greencode queues a re-score). incident_reported is
sent INSIDE the transaction that records the incident, so the receiver's revocation of the unit's codes
commits or rolls back with it.
"""

from django.dispatch import Signal

# A city accepted a filing. kwargs: filing.
filing_accepted = Signal()
# A city reported a major accident at a unit. kwargs: incident.
incident_reported = Signal()
