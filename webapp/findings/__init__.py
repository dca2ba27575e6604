"""The health model's findings: what stands between an alert and the right PagerDuty service, stored and derived.

Below webhooks, on-call and health in the layer order: those areas record and clear findings here; `health` runs the
checks against PagerDuty and shows the panel and badge."""
