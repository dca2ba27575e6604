"""What PagerDuty did with a report or incident, kept for response analytics (F48): paged, acknowledged, resolved."""

from datetime import datetime

from sqlalchemy.orm import Mapped, mapped_column

from webapp.extensions import db
from webapp.models.types import UTCDateTime


class ResponseRecord:
    """When PagerDuty accepted the first trigger (where, how severe), first acknowledged it (who), last resolved it.

    The three durations are kept beside the times they come from (webapp/analytics/record.py keeps them in step), so
    medians and percentiles are ordered queries on one column in any database.
    """

    pd_paged_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    # True once the paging time is PagerDuty's own (a trigger webhook), not the moment our delivery was accepted.
    pd_paged_exact: Mapped[bool] = mapped_column(db.Boolean, default=False, server_default=db.false())
    pd_service: Mapped[str | None] = mapped_column(db.String(255))
    pd_severity: Mapped[str | None] = mapped_column(db.String(16))
    pd_acknowledged_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    pd_acknowledged_by: Mapped[str | None] = mapped_column(db.String(254))
    pd_resolved_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    pd_reopened_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    pd_page_seconds: Mapped[float | None] = mapped_column(db.Float)
    pd_ack_seconds: Mapped[float | None] = mapped_column(db.Float)
    pd_resolve_seconds: Mapped[float | None] = mapped_column(db.Float)
