"""The sandbox's demo account, matching PagerBridge's `demo` command."""

import time

DEMO_API_TOKEN = "sandbox-demo-api-token-0001"
DEMO_INTEGRATION_KEY = "d" * 31 + "1"
DAY = 86400


def _monday():
    now = int(time.time())
    return now - now % (7 * DAY) - 3 * DAY


DEMO_SEED = {
    "accounts": [
        {
            "api_token": DEMO_API_TOKEN,
            "token_type": "user",
            "user_email": "admin@example.com",
            "services": [
                {"name": "Security VDP", "id": "PVDP001", "integration_key": DEMO_INTEGRATION_KEY},
                {"name": "Platform On-Call", "id": "PPLAT01", "integration_key": "e" * 31 + "2"},
                {"name": "Payments", "id": "PPAY001"},
                {"name": "Data Platform", "id": "PDATA01"},
                {"name": "Cloud Security", "id": "PCLOUD1", "integration_key": "f" * 31 + "3"},
                {"name": "Identity", "id": "PIDENT1"},
            ],
            "users": [
                {"name": "Ada Admin", "email": "admin@example.com", "id": "PUSER01"},
                {"name": "Max Member", "email": "Member@Example.com", "id": "PUSER02"},
                {"name": "Grace Hopper", "email": "grace@example.com", "id": "PUSER03"},
                {"name": "Linus Ops", "email": "linus@example.org", "id": "PUSER04"},
            ],
            "schedules": [
                {
                    "name": "Security Primary",
                    "id": "PSCHED1",
                    "users": ["admin@example.com", "member@example.com"],
                    "shift_seconds": DAY,
                    "start": _monday(),
                },
                {
                    "name": "Platform Weekly",
                    "id": "PSCHED2",
                    "users": ["grace@example.com", "linus@example.org"],
                    "shift_seconds": 7 * DAY,
                    "start": _monday(),
                },
            ],
            "v3_schedules": [
                {
                    "name": "Follow-the-sun (shift based)",
                    "id": "PSCHED3",
                    "users": ["member@example.com", "admin@example.com"],
                    "shift_seconds": 8 * 3600,
                    "start": _monday(),
                },
            ],
        }
    ]
}


def seed_demo(state):
    """Seed the demo account into a sandbox state."""
    return state.seed(DEMO_SEED)
