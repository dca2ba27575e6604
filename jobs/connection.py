"""Connection jobs: Test Connection."""

from webapp.connection import testing


def run_test(org_id, run_id):
    """Send a test trigger and resolve for the org; progress goes to JobRun `run_id`."""
    return testing.run_test(org_id, run_id)
