"""The parts of a PagerDuty v3 webhook event that PagerBridge reads, checked for shape before anything uses them."""

from pydantic import BaseModel, ConfigDict, Field, ValidationError


class _Lenient(BaseModel):
    """Unknown fields are PagerDuty's business; the ones we read must have the type we expect."""

    model_config = ConfigDict(extra="ignore", frozen=True)


class Agent(_Lenient):
    """Who did it (a user or service reference)."""

    summary: str | None = None
    type: str | None = None


class Reference(_Lenient):
    """A PagerDuty object reference: its name is the summary."""

    id: str | None = None
    summary: str | None = None


class IncidentData(_Lenient):
    """An incident, or another resource (a note) that names its incident."""

    id: str | None = Field(None, max_length=32)
    type: str = "incident"
    incident_key: str | None = None
    html_url: str | None = Field(None, max_length=500)
    incident: "IncidentData | None" = None
    status: str | None = None
    urgency: str | None = None
    priority: Reference | None = None
    assignees: list[Reference] | None = None
    escalation_level: int | None = None
    content: str | None = None  # a note's text (incident.annotated)
    trimmed: bool | None = False

    def assignee_names(self) -> list[str] | None:
        """The names of who is assigned now (None when the payload does not say)."""
        if self.assignees is None:
            return None
        return [a.summary for a in self.assignees if a.summary][:20]

    def says(self, field: str) -> bool:
        """Whether the payload carries `field` at all (a null priority says "no priority")."""
        return field in self.model_fields_set

    def the_incident(self) -> "IncidentData":
        """This resource if it is an incident, else the incident it names (empty when it names none)."""
        if self.type == "incident":
            return self
        return self.incident or IncidentData()


class Event(_Lenient):
    """One webhook event."""

    event_type: str = ""
    occurred_at: str | None = None
    agent: Agent | None = None
    data: IncidentData | None = None

    @property
    def incident(self) -> IncidentData:
        """The incident the event is about (empty when it is about none)."""
        return self.data.the_incident() if self.data else IncidentData()


class UnexpectedShape(ValueError):
    """The event does not have the shape PagerBridge reads; says where, in a few words."""


def parse_event(body: object) -> Event:
    """The event of a stored webhook body, or UnexpectedShape naming the first fields that do not fit."""
    event = body.get("event") if isinstance(body, dict) else None
    if not isinstance(event, dict):
        raise UnexpectedShape("event: not an object")
    try:
        return Event.model_validate(event)
    except ValidationError as error:
        problems = [f"{'.'.join(map(str, e['loc'])) or 'event'}: {e['msg']}" for e in error.errors()[:3]]
        raise UnexpectedShape("; ".join(problems)) from None
