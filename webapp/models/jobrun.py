"""A user-started background run whose progress a page polls (its component: webapp/jobruns.py)."""

from datetime import datetime

from sqlalchemy.orm import Mapped, mapped_column

from webapp.extensions import db
from webapp.models.types import OrgScoped, UTCDateTime, org_index, utcnow
from webapp.models.vocabularies import JobRunStatus, words

JOB_RUN_STATUSES = words(JobRunStatus)


class JobRun(OrgScoped, db.Model):
    """A user-started background run (Sync Services, Test Connection) whose progress a page polls."""

    __tablename__ = "job_runs"
    id: Mapped[int] = mapped_column(primary_key=True)
    kind: Mapped[str] = mapped_column(db.String(32))
    status: Mapped[str] = mapped_column(db.String(16), default="queued")
    progress: Mapped[int] = mapped_column(default=0)
    total: Mapped[int | None] = mapped_column(db.Integer)
    message: Mapped[str | None] = mapped_column(db.Text)
    started_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    finished_at: Mapped[datetime | None] = mapped_column(UTCDateTime)

    __table_args__ = (org_index("job_runs"),)

    @property
    def is_finished(self):
        return self.status in ("done", "failed")
