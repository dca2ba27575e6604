"""Background jobs: thin functions that take ids and call services, run by RQ workers."""
