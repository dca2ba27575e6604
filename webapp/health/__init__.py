"""Health: what stands between an org's PagerDuty setup and a page that reaches someone, checked and kept."""
