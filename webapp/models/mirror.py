"""The columns that mirror the PagerDuty incident behind a report or runtime incident."""

from datetime import datetime

from sqlalchemy.orm import Mapped, mapped_column

from webapp.extensions import db
from webapp.models.types import UTCDateTime
from webapp.models.vocabularies import PagerDutyStatus, PagerDutyUrgency, words

PAGERDUTY_STATUSES = words(PagerDutyStatus)
PAGERDUTY_URGENCIES = words(PagerDutyUrgency)


class PagerDutyMirror:
    """Columns that mirror the PagerDuty incident behind a report or runtime incident."""

    pd_status: Mapped[str | None] = mapped_column(db.String(16))
    pd_incident_id: Mapped[str | None] = mapped_column(db.String(32), index=True)
    pd_incident_url: Mapped[str | None] = mapped_column(db.String(500))
    # PagerDuty's occurred_at of the newest status event applied, and of the newest incident snapshot (urgency,
    # priority, assignees): an older event arriving late adds its timeline line but never undoes a newer one.
    pd_status_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    pd_details_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    pd_urgency: Mapped[str | None] = mapped_column(db.String(8))
    pd_priority: Mapped[str | None] = mapped_column(db.String(100))
    pd_assignees: Mapped[list | None] = mapped_column(db.JSON)
    pd_escalation_level: Mapped[int | None] = mapped_column(db.Integer)
    pd_notes_read_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
