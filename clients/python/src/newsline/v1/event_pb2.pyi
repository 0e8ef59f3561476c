from newsline.v1 import date_pb2 as _date_pb2
from google.protobuf.internal import containers as _containers
from google.protobuf.internal import enum_type_wrapper as _enum_type_wrapper
from google.protobuf import descriptor as _descriptor
from google.protobuf import message as _message
from collections.abc import Iterable as _Iterable, Mapping as _Mapping
from typing import ClassVar as _ClassVar, Optional as _Optional, Union as _Union

DESCRIPTOR: _descriptor.FileDescriptor

class EventKind(int, metaclass=_enum_type_wrapper.EnumTypeWrapper):
    __slots__ = ()
    EVENT_KIND_UNSPECIFIED: _ClassVar[EventKind]
    EVENT_KIND_VISIT: _ClassVar[EventKind]
    EVENT_KIND_MEETING: _ClassVar[EventKind]
    EVENT_KIND_CONFERENCE: _ClassVar[EventKind]
    EVENT_KIND_AGREEMENT: _ClassVar[EventKind]
    EVENT_KIND_STATEMENT: _ClassVar[EventKind]
    EVENT_KIND_VOTE: _ClassVar[EventKind]
    EVENT_KIND_SANCTION: _ClassVar[EventKind]
    EVENT_KIND_LEGAL: _ClassVar[EventKind]
    EVENT_KIND_TRADE: _ClassVar[EventKind]
    EVENT_KIND_OTHER: _ClassVar[EventKind]

class ParticipantRole(int, metaclass=_enum_type_wrapper.EnumTypeWrapper):
    __slots__ = ()
    PARTICIPANT_ROLE_UNSPECIFIED: _ClassVar[ParticipantRole]
    PARTICIPANT_ROLE_HOST: _ClassVar[ParticipantRole]
    PARTICIPANT_ROLE_GUEST: _ClassVar[ParticipantRole]
    PARTICIPANT_ROLE_PARTY: _ClassVar[ParticipantRole]
    PARTICIPANT_ROLE_SPEAKER: _ClassVar[ParticipantRole]
    PARTICIPANT_ROLE_TARGET: _ClassVar[ParticipantRole]

class TradeMetric(int, metaclass=_enum_type_wrapper.EnumTypeWrapper):
    __slots__ = ()
    TRADE_METRIC_UNSPECIFIED: _ClassVar[TradeMetric]
    TRADE_METRIC_TURNOVER: _ClassVar[TradeMetric]
    TRADE_METRIC_EXPORTS: _ClassVar[TradeMetric]
    TRADE_METRIC_IMPORTS: _ClassVar[TradeMetric]
    TRADE_METRIC_INVESTMENT: _ClassVar[TradeMetric]
    TRADE_METRIC_CONTRACTS: _ClassVar[TradeMetric]
    TRADE_METRIC_OTHER: _ClassVar[TradeMetric]
EVENT_KIND_UNSPECIFIED: EventKind
EVENT_KIND_VISIT: EventKind
EVENT_KIND_MEETING: EventKind
EVENT_KIND_CONFERENCE: EventKind
EVENT_KIND_AGREEMENT: EventKind
EVENT_KIND_STATEMENT: EventKind
EVENT_KIND_VOTE: EventKind
EVENT_KIND_SANCTION: EventKind
EVENT_KIND_LEGAL: EventKind
EVENT_KIND_TRADE: EventKind
EVENT_KIND_OTHER: EventKind
PARTICIPANT_ROLE_UNSPECIFIED: ParticipantRole
PARTICIPANT_ROLE_HOST: ParticipantRole
PARTICIPANT_ROLE_GUEST: ParticipantRole
PARTICIPANT_ROLE_PARTY: ParticipantRole
PARTICIPANT_ROLE_SPEAKER: ParticipantRole
PARTICIPANT_ROLE_TARGET: ParticipantRole
TRADE_METRIC_UNSPECIFIED: TradeMetric
TRADE_METRIC_TURNOVER: TradeMetric
TRADE_METRIC_EXPORTS: TradeMetric
TRADE_METRIC_IMPORTS: TradeMetric
TRADE_METRIC_INVESTMENT: TradeMetric
TRADE_METRIC_CONTRACTS: TradeMetric
TRADE_METRIC_OTHER: TradeMetric

class Participant(_message.Message):
    __slots__ = ("entity_id", "name", "role")
    ENTITY_ID_FIELD_NUMBER: _ClassVar[int]
    NAME_FIELD_NUMBER: _ClassVar[int]
    ROLE_FIELD_NUMBER: _ClassVar[int]
    entity_id: str
    name: str
    role: ParticipantRole
    def __init__(self, entity_id: _Optional[str] = ..., name: _Optional[str] = ..., role: _Optional[_Union[ParticipantRole, str]] = ...) -> None: ...

class Amount(_message.Message):
    __slots__ = ("value", "currency", "metric", "period", "text")
    VALUE_FIELD_NUMBER: _ClassVar[int]
    CURRENCY_FIELD_NUMBER: _ClassVar[int]
    METRIC_FIELD_NUMBER: _ClassVar[int]
    PERIOD_FIELD_NUMBER: _ClassVar[int]
    TEXT_FIELD_NUMBER: _ClassVar[int]
    value: float
    currency: str
    metric: TradeMetric
    period: _date_pb2.DateRange
    text: str
    def __init__(self, value: _Optional[float] = ..., currency: _Optional[str] = ..., metric: _Optional[_Union[TradeMetric, str]] = ..., period: _Optional[_Union[_date_pb2.DateRange, _Mapping]] = ..., text: _Optional[str] = ...) -> None: ...

class Event(_message.Message):
    __slots__ = ("id", "article_id", "kind", "when", "participants", "location_id", "sentence", "sentence_start", "sentence_end", "amounts", "planned", "location_name")
    ID_FIELD_NUMBER: _ClassVar[int]
    ARTICLE_ID_FIELD_NUMBER: _ClassVar[int]
    KIND_FIELD_NUMBER: _ClassVar[int]
    WHEN_FIELD_NUMBER: _ClassVar[int]
    PARTICIPANTS_FIELD_NUMBER: _ClassVar[int]
    LOCATION_ID_FIELD_NUMBER: _ClassVar[int]
    SENTENCE_FIELD_NUMBER: _ClassVar[int]
    SENTENCE_START_FIELD_NUMBER: _ClassVar[int]
    SENTENCE_END_FIELD_NUMBER: _ClassVar[int]
    AMOUNTS_FIELD_NUMBER: _ClassVar[int]
    PLANNED_FIELD_NUMBER: _ClassVar[int]
    LOCATION_NAME_FIELD_NUMBER: _ClassVar[int]
    id: str
    article_id: str
    kind: EventKind
    when: _date_pb2.DateRange
    participants: _containers.RepeatedCompositeFieldContainer[Participant]
    location_id: str
    sentence: str
    sentence_start: int
    sentence_end: int
    amounts: _containers.RepeatedCompositeFieldContainer[Amount]
    planned: bool
    location_name: str
    def __init__(self, id: _Optional[str] = ..., article_id: _Optional[str] = ..., kind: _Optional[_Union[EventKind, str]] = ..., when: _Optional[_Union[_date_pb2.DateRange, _Mapping]] = ..., participants: _Optional[_Iterable[_Union[Participant, _Mapping]]] = ..., location_id: _Optional[str] = ..., sentence: _Optional[str] = ..., sentence_start: _Optional[int] = ..., sentence_end: _Optional[int] = ..., amounts: _Optional[_Iterable[_Union[Amount, _Mapping]]] = ..., planned: _Optional[bool] = ..., location_name: _Optional[str] = ...) -> None: ...
