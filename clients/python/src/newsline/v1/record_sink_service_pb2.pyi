from newsline.v1 import article_pb2 as _article_pb2
from newsline.v1 import entity_pb2 as _entity_pb2
from newsline.v1 import event_pb2 as _event_pb2
from google.protobuf.internal import containers as _containers
from google.protobuf import descriptor as _descriptor
from google.protobuf import message as _message
from collections.abc import Iterable as _Iterable, Mapping as _Mapping
from typing import ClassVar as _ClassVar, Optional as _Optional, Union as _Union

DESCRIPTOR: _descriptor.FileDescriptor

class PublishRequest(_message.Message):
    __slots__ = ("producer_id", "sequence", "articles", "entities", "events")
    PRODUCER_ID_FIELD_NUMBER: _ClassVar[int]
    SEQUENCE_FIELD_NUMBER: _ClassVar[int]
    ARTICLES_FIELD_NUMBER: _ClassVar[int]
    ENTITIES_FIELD_NUMBER: _ClassVar[int]
    EVENTS_FIELD_NUMBER: _ClassVar[int]
    producer_id: str
    sequence: int
    articles: _containers.RepeatedCompositeFieldContainer[_article_pb2.Article]
    entities: _containers.RepeatedCompositeFieldContainer[_entity_pb2.Entity]
    events: _containers.RepeatedCompositeFieldContainer[_event_pb2.Event]
    def __init__(self, producer_id: _Optional[str] = ..., sequence: _Optional[int] = ..., articles: _Optional[_Iterable[_Union[_article_pb2.Article, _Mapping]]] = ..., entities: _Optional[_Iterable[_Union[_entity_pb2.Entity, _Mapping]]] = ..., events: _Optional[_Iterable[_Union[_event_pb2.Event, _Mapping]]] = ...) -> None: ...

class PublishResponse(_message.Message):
    __slots__ = ("sequence", "revision", "duplicate", "articles_upserted", "entities_upserted", "events_upserted", "events_removed")
    SEQUENCE_FIELD_NUMBER: _ClassVar[int]
    REVISION_FIELD_NUMBER: _ClassVar[int]
    DUPLICATE_FIELD_NUMBER: _ClassVar[int]
    ARTICLES_UPSERTED_FIELD_NUMBER: _ClassVar[int]
    ENTITIES_UPSERTED_FIELD_NUMBER: _ClassVar[int]
    EVENTS_UPSERTED_FIELD_NUMBER: _ClassVar[int]
    EVENTS_REMOVED_FIELD_NUMBER: _ClassVar[int]
    sequence: int
    revision: int
    duplicate: bool
    articles_upserted: int
    entities_upserted: int
    events_upserted: int
    events_removed: int
    def __init__(self, sequence: _Optional[int] = ..., revision: _Optional[int] = ..., duplicate: _Optional[bool] = ..., articles_upserted: _Optional[int] = ..., entities_upserted: _Optional[int] = ..., events_upserted: _Optional[int] = ..., events_removed: _Optional[int] = ...) -> None: ...
