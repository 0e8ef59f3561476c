from newsline.v1 import article_pb2 as _article_pb2
from newsline.v1 import date_pb2 as _date_pb2
from newsline.v1 import entity_pb2 as _entity_pb2
from newsline.v1 import event_pb2 as _event_pb2
from google.protobuf.internal import containers as _containers
from google.protobuf.internal import enum_type_wrapper as _enum_type_wrapper
from google.protobuf import descriptor as _descriptor
from google.protobuf import message as _message
from collections.abc import Iterable as _Iterable, Mapping as _Mapping
from typing import ClassVar as _ClassVar, Optional as _Optional, Union as _Union

DESCRIPTOR: _descriptor.FileDescriptor

class EntityMatch(int, metaclass=_enum_type_wrapper.EnumTypeWrapper):
    __slots__ = ()
    ENTITY_MATCH_UNSPECIFIED: _ClassVar[EntityMatch]
    ENTITY_MATCH_ANY: _ClassVar[EntityMatch]
    ENTITY_MATCH_ALL: _ClassVar[EntityMatch]

class SortOrder(int, metaclass=_enum_type_wrapper.EnumTypeWrapper):
    __slots__ = ()
    SORT_ORDER_UNSPECIFIED: _ClassVar[SortOrder]
    SORT_ORDER_ASCENDING: _ClassVar[SortOrder]
    SORT_ORDER_DESCENDING: _ClassVar[SortOrder]
ENTITY_MATCH_UNSPECIFIED: EntityMatch
ENTITY_MATCH_ANY: EntityMatch
ENTITY_MATCH_ALL: EntityMatch
SORT_ORDER_UNSPECIFIED: SortOrder
SORT_ORDER_ASCENDING: SortOrder
SORT_ORDER_DESCENDING: SortOrder

class TimelineFilter(_message.Message):
    __slots__ = ("to", "entity_ids", "entity_match", "kinds", "location_id", "text")
    FROM_FIELD_NUMBER: _ClassVar[int]
    TO_FIELD_NUMBER: _ClassVar[int]
    ENTITY_IDS_FIELD_NUMBER: _ClassVar[int]
    ENTITY_MATCH_FIELD_NUMBER: _ClassVar[int]
    KINDS_FIELD_NUMBER: _ClassVar[int]
    LOCATION_ID_FIELD_NUMBER: _ClassVar[int]
    TEXT_FIELD_NUMBER: _ClassVar[int]
    to: _date_pb2.CalendarDate
    entity_ids: _containers.RepeatedScalarFieldContainer[str]
    entity_match: EntityMatch
    kinds: _containers.RepeatedScalarFieldContainer[_event_pb2.EventKind]
    location_id: str
    text: str
    def __init__(self, to: _Optional[_Union[_date_pb2.CalendarDate, _Mapping]] = ..., entity_ids: _Optional[_Iterable[str]] = ..., entity_match: _Optional[_Union[EntityMatch, str]] = ..., kinds: _Optional[_Iterable[_Union[_event_pb2.EventKind, str]]] = ..., location_id: _Optional[str] = ..., text: _Optional[str] = ..., **kwargs) -> None: ...

class StreamTimelineRequest(_message.Message):
    __slots__ = ("filter", "order", "max_results", "cursor")
    FILTER_FIELD_NUMBER: _ClassVar[int]
    ORDER_FIELD_NUMBER: _ClassVar[int]
    MAX_RESULTS_FIELD_NUMBER: _ClassVar[int]
    CURSOR_FIELD_NUMBER: _ClassVar[int]
    filter: TimelineFilter
    order: SortOrder
    max_results: int
    cursor: str
    def __init__(self, filter: _Optional[_Union[TimelineFilter, _Mapping]] = ..., order: _Optional[_Union[SortOrder, str]] = ..., max_results: _Optional[int] = ..., cursor: _Optional[str] = ...) -> None: ...

class StreamTimelineResponse(_message.Message):
    __slots__ = ("event", "cursor")
    EVENT_FIELD_NUMBER: _ClassVar[int]
    CURSOR_FIELD_NUMBER: _ClassVar[int]
    event: _event_pb2.Event
    cursor: str
    def __init__(self, event: _Optional[_Union[_event_pb2.Event, _Mapping]] = ..., cursor: _Optional[str] = ...) -> None: ...

class WatchTimelineRequest(_message.Message):
    __slots__ = ("filter", "cursor", "heartbeat_interval_ms")
    FILTER_FIELD_NUMBER: _ClassVar[int]
    CURSOR_FIELD_NUMBER: _ClassVar[int]
    HEARTBEAT_INTERVAL_MS_FIELD_NUMBER: _ClassVar[int]
    filter: TimelineFilter
    cursor: str
    heartbeat_interval_ms: int
    def __init__(self, filter: _Optional[_Union[TimelineFilter, _Mapping]] = ..., cursor: _Optional[str] = ..., heartbeat_interval_ms: _Optional[int] = ...) -> None: ...

class WatchTimelineResponse(_message.Message):
    __slots__ = ("event", "caught_up", "heartbeat")
    EVENT_FIELD_NUMBER: _ClassVar[int]
    CAUGHT_UP_FIELD_NUMBER: _ClassVar[int]
    HEARTBEAT_FIELD_NUMBER: _ClassVar[int]
    event: WatchedEvent
    caught_up: CaughtUp
    heartbeat: Heartbeat
    def __init__(self, event: _Optional[_Union[WatchedEvent, _Mapping]] = ..., caught_up: _Optional[_Union[CaughtUp, _Mapping]] = ..., heartbeat: _Optional[_Union[Heartbeat, _Mapping]] = ...) -> None: ...

class WatchedEvent(_message.Message):
    __slots__ = ("event", "cursor", "backdated", "replayed")
    EVENT_FIELD_NUMBER: _ClassVar[int]
    CURSOR_FIELD_NUMBER: _ClassVar[int]
    BACKDATED_FIELD_NUMBER: _ClassVar[int]
    REPLAYED_FIELD_NUMBER: _ClassVar[int]
    event: _event_pb2.Event
    cursor: str
    backdated: bool
    replayed: bool
    def __init__(self, event: _Optional[_Union[_event_pb2.Event, _Mapping]] = ..., cursor: _Optional[str] = ..., backdated: _Optional[bool] = ..., replayed: _Optional[bool] = ...) -> None: ...

class CaughtUp(_message.Message):
    __slots__ = ("cursor", "revision")
    CURSOR_FIELD_NUMBER: _ClassVar[int]
    REVISION_FIELD_NUMBER: _ClassVar[int]
    cursor: str
    revision: int
    def __init__(self, cursor: _Optional[str] = ..., revision: _Optional[int] = ...) -> None: ...

class Heartbeat(_message.Message):
    __slots__ = ("cursor", "revision")
    CURSOR_FIELD_NUMBER: _ClassVar[int]
    REVISION_FIELD_NUMBER: _ClassVar[int]
    cursor: str
    revision: int
    def __init__(self, cursor: _Optional[str] = ..., revision: _Optional[int] = ...) -> None: ...

class GetEntityRequest(_message.Message):
    __slots__ = ("id",)
    ID_FIELD_NUMBER: _ClassVar[int]
    id: str
    def __init__(self, id: _Optional[str] = ...) -> None: ...

class GetEntityResponse(_message.Message):
    __slots__ = ("entity", "event_count", "article_count", "first_date", "last_date")
    ENTITY_FIELD_NUMBER: _ClassVar[int]
    EVENT_COUNT_FIELD_NUMBER: _ClassVar[int]
    ARTICLE_COUNT_FIELD_NUMBER: _ClassVar[int]
    FIRST_DATE_FIELD_NUMBER: _ClassVar[int]
    LAST_DATE_FIELD_NUMBER: _ClassVar[int]
    entity: _entity_pb2.Entity
    event_count: int
    article_count: int
    first_date: _date_pb2.CalendarDate
    last_date: _date_pb2.CalendarDate
    def __init__(self, entity: _Optional[_Union[_entity_pb2.Entity, _Mapping]] = ..., event_count: _Optional[int] = ..., article_count: _Optional[int] = ..., first_date: _Optional[_Union[_date_pb2.CalendarDate, _Mapping]] = ..., last_date: _Optional[_Union[_date_pb2.CalendarDate, _Mapping]] = ...) -> None: ...

class SearchEntitiesRequest(_message.Message):
    __slots__ = ("query", "kinds", "max_results")
    QUERY_FIELD_NUMBER: _ClassVar[int]
    KINDS_FIELD_NUMBER: _ClassVar[int]
    MAX_RESULTS_FIELD_NUMBER: _ClassVar[int]
    query: str
    kinds: _containers.RepeatedScalarFieldContainer[_entity_pb2.EntityKind]
    max_results: int
    def __init__(self, query: _Optional[str] = ..., kinds: _Optional[_Iterable[_Union[_entity_pb2.EntityKind, str]]] = ..., max_results: _Optional[int] = ...) -> None: ...

class SearchEntitiesResponse(_message.Message):
    __slots__ = ("entity", "score", "matched_alias", "event_count")
    ENTITY_FIELD_NUMBER: _ClassVar[int]
    SCORE_FIELD_NUMBER: _ClassVar[int]
    MATCHED_ALIAS_FIELD_NUMBER: _ClassVar[int]
    EVENT_COUNT_FIELD_NUMBER: _ClassVar[int]
    entity: _entity_pb2.Entity
    score: float
    matched_alias: str
    event_count: int
    def __init__(self, entity: _Optional[_Union[_entity_pb2.Entity, _Mapping]] = ..., score: _Optional[float] = ..., matched_alias: _Optional[str] = ..., event_count: _Optional[int] = ...) -> None: ...

class StreamEntityRelationsRequest(_message.Message):
    __slots__ = ("entity_id", "to", "kinds", "max_results", "max_sample_events")
    ENTITY_ID_FIELD_NUMBER: _ClassVar[int]
    FROM_FIELD_NUMBER: _ClassVar[int]
    TO_FIELD_NUMBER: _ClassVar[int]
    KINDS_FIELD_NUMBER: _ClassVar[int]
    MAX_RESULTS_FIELD_NUMBER: _ClassVar[int]
    MAX_SAMPLE_EVENTS_FIELD_NUMBER: _ClassVar[int]
    entity_id: str
    to: _date_pb2.CalendarDate
    kinds: _containers.RepeatedScalarFieldContainer[_entity_pb2.EntityKind]
    max_results: int
    max_sample_events: int
    def __init__(self, entity_id: _Optional[str] = ..., to: _Optional[_Union[_date_pb2.CalendarDate, _Mapping]] = ..., kinds: _Optional[_Iterable[_Union[_entity_pb2.EntityKind, str]]] = ..., max_results: _Optional[int] = ..., max_sample_events: _Optional[int] = ..., **kwargs) -> None: ...

class EventKindCount(_message.Message):
    __slots__ = ("kind", "count")
    KIND_FIELD_NUMBER: _ClassVar[int]
    COUNT_FIELD_NUMBER: _ClassVar[int]
    kind: _event_pb2.EventKind
    count: int
    def __init__(self, kind: _Optional[_Union[_event_pb2.EventKind, str]] = ..., count: _Optional[int] = ...) -> None: ...

class StreamEntityRelationsResponse(_message.Message):
    __slots__ = ("entity", "event_count", "first_date", "last_date", "kind_counts", "sample_event_ids")
    ENTITY_FIELD_NUMBER: _ClassVar[int]
    EVENT_COUNT_FIELD_NUMBER: _ClassVar[int]
    FIRST_DATE_FIELD_NUMBER: _ClassVar[int]
    LAST_DATE_FIELD_NUMBER: _ClassVar[int]
    KIND_COUNTS_FIELD_NUMBER: _ClassVar[int]
    SAMPLE_EVENT_IDS_FIELD_NUMBER: _ClassVar[int]
    entity: _entity_pb2.Entity
    event_count: int
    first_date: _date_pb2.CalendarDate
    last_date: _date_pb2.CalendarDate
    kind_counts: _containers.RepeatedCompositeFieldContainer[EventKindCount]
    sample_event_ids: _containers.RepeatedScalarFieldContainer[str]
    def __init__(self, entity: _Optional[_Union[_entity_pb2.Entity, _Mapping]] = ..., event_count: _Optional[int] = ..., first_date: _Optional[_Union[_date_pb2.CalendarDate, _Mapping]] = ..., last_date: _Optional[_Union[_date_pb2.CalendarDate, _Mapping]] = ..., kind_counts: _Optional[_Iterable[_Union[EventKindCount, _Mapping]]] = ..., sample_event_ids: _Optional[_Iterable[str]] = ...) -> None: ...

class GetArticleRequest(_message.Message):
    __slots__ = ("id",)
    ID_FIELD_NUMBER: _ClassVar[int]
    id: str
    def __init__(self, id: _Optional[str] = ...) -> None: ...

class GetArticleResponse(_message.Message):
    __slots__ = ("article", "event_ids")
    ARTICLE_FIELD_NUMBER: _ClassVar[int]
    EVENT_IDS_FIELD_NUMBER: _ClassVar[int]
    article: _article_pb2.Article
    event_ids: _containers.RepeatedScalarFieldContainer[str]
    def __init__(self, article: _Optional[_Union[_article_pb2.Article, _Mapping]] = ..., event_ids: _Optional[_Iterable[str]] = ...) -> None: ...

class StreamArticlesRequest(_message.Message):
    __slots__ = ("to", "entity_id", "series", "author", "max_results")
    FROM_FIELD_NUMBER: _ClassVar[int]
    TO_FIELD_NUMBER: _ClassVar[int]
    ENTITY_ID_FIELD_NUMBER: _ClassVar[int]
    SERIES_FIELD_NUMBER: _ClassVar[int]
    AUTHOR_FIELD_NUMBER: _ClassVar[int]
    MAX_RESULTS_FIELD_NUMBER: _ClassVar[int]
    to: _date_pb2.CalendarDate
    entity_id: str
    series: str
    author: str
    max_results: int
    def __init__(self, to: _Optional[_Union[_date_pb2.CalendarDate, _Mapping]] = ..., entity_id: _Optional[str] = ..., series: _Optional[str] = ..., author: _Optional[str] = ..., max_results: _Optional[int] = ..., **kwargs) -> None: ...

class StreamArticlesResponse(_message.Message):
    __slots__ = ("article",)
    ARTICLE_FIELD_NUMBER: _ClassVar[int]
    article: _article_pb2.Article
    def __init__(self, article: _Optional[_Union[_article_pb2.Article, _Mapping]] = ...) -> None: ...

class GetStatsRequest(_message.Message):
    __slots__ = ()
    def __init__(self) -> None: ...

class GetStatsResponse(_message.Message):
    __slots__ = ("articles", "entities", "events", "revision", "approx_memory_bytes", "uptime_seconds", "watchers")
    ARTICLES_FIELD_NUMBER: _ClassVar[int]
    ENTITIES_FIELD_NUMBER: _ClassVar[int]
    EVENTS_FIELD_NUMBER: _ClassVar[int]
    REVISION_FIELD_NUMBER: _ClassVar[int]
    APPROX_MEMORY_BYTES_FIELD_NUMBER: _ClassVar[int]
    UPTIME_SECONDS_FIELD_NUMBER: _ClassVar[int]
    WATCHERS_FIELD_NUMBER: _ClassVar[int]
    articles: int
    entities: int
    events: int
    revision: int
    approx_memory_bytes: int
    uptime_seconds: int
    watchers: int
    def __init__(self, articles: _Optional[int] = ..., entities: _Optional[int] = ..., events: _Optional[int] = ..., revision: _Optional[int] = ..., approx_memory_bytes: _Optional[int] = ..., uptime_seconds: _Optional[int] = ..., watchers: _Optional[int] = ...) -> None: ...
