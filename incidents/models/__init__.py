from incidents.models.agencies import Agency, IncidentType, RoutingRule
from incidents.models.calls import Call
from incidents.models.incidents import IdempotencyKey, Incident, IncidentAgency
from incidents.models.live import LiveEvent
from incidents.models.responders import Station, Unit, UnitPosition
from incidents.models.timeline import TimelineEvent

__all__ = [
    "Agency",
    "Call",
    "IdempotencyKey",
    "Incident",
    "IncidentAgency",
    "IncidentType",
    "LiveEvent",
    "RoutingRule",
    "Station",
    "TimelineEvent",
    "Unit",
    "UnitPosition",
]
