from geo.models.admin import AdminArea
from geo.models.gazetteer import GazetteerEntry, StreetPart
from geo.models.layers import ReferenceLayer
from geo.models.places import Place
from geo.models.roads import RoadSegment, Street

__all__ = [
    "AdminArea",
    "GazetteerEntry",
    "Place",
    "ReferenceLayer",
    "RoadSegment",
    "Street",
    "StreetPart",
]
