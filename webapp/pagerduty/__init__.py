"""HTTP to PagerDuty's REST API v2 and Events API v2, on requests (no other client library)."""
