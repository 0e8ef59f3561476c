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

class DiagnosticSeverity(int, metaclass=_enum_type_wrapper.EnumTypeWrapper):
    __slots__ = ()
    DIAGNOSTIC_SEVERITY_UNSPECIFIED: _ClassVar[DiagnosticSeverity]
    DIAGNOSTIC_SEVERITY_INFO: _ClassVar[DiagnosticSeverity]
    DIAGNOSTIC_SEVERITY_WARNING: _ClassVar[DiagnosticSeverity]
DIAGNOSTIC_SEVERITY_UNSPECIFIED: DiagnosticSeverity
DIAGNOSTIC_SEVERITY_INFO: DiagnosticSeverity
DIAGNOSTIC_SEVERITY_WARNING: DiagnosticSeverity

class IngestDocumentRequest(_message.Message):
    __slots__ = ("text", "source_uri", "published", "raw")
    TEXT_FIELD_NUMBER: _ClassVar[int]
    SOURCE_URI_FIELD_NUMBER: _ClassVar[int]
    PUBLISHED_FIELD_NUMBER: _ClassVar[int]
    RAW_FIELD_NUMBER: _ClassVar[int]
    text: str
    source_uri: str
    published: _date_pb2.CalendarDate
    raw: bytes
    def __init__(self, text: _Optional[str] = ..., source_uri: _Optional[str] = ..., published: _Optional[_Union[_date_pb2.CalendarDate, _Mapping]] = ..., raw: _Optional[bytes] = ...) -> None: ...

class IngestDocumentResponse(_message.Message):
    __slots__ = ("document_id", "article_ids", "article_count", "entity_count", "event_count", "diagnostics", "spooled")
    DOCUMENT_ID_FIELD_NUMBER: _ClassVar[int]
    ARTICLE_IDS_FIELD_NUMBER: _ClassVar[int]
    ARTICLE_COUNT_FIELD_NUMBER: _ClassVar[int]
    ENTITY_COUNT_FIELD_NUMBER: _ClassVar[int]
    EVENT_COUNT_FIELD_NUMBER: _ClassVar[int]
    DIAGNOSTICS_FIELD_NUMBER: _ClassVar[int]
    SPOOLED_FIELD_NUMBER: _ClassVar[int]
    document_id: str
    article_ids: _containers.RepeatedScalarFieldContainer[str]
    article_count: int
    entity_count: int
    event_count: int
    diagnostics: _containers.RepeatedCompositeFieldContainer[Diagnostic]
    spooled: bool
    def __init__(self, document_id: _Optional[str] = ..., article_ids: _Optional[_Iterable[str]] = ..., article_count: _Optional[int] = ..., entity_count: _Optional[int] = ..., event_count: _Optional[int] = ..., diagnostics: _Optional[_Iterable[_Union[Diagnostic, _Mapping]]] = ..., spooled: _Optional[bool] = ...) -> None: ...

class IngestDocumentsRequest(_message.Message):
    __slots__ = ("text", "source_uri", "published", "raw", "tag")
    TEXT_FIELD_NUMBER: _ClassVar[int]
    SOURCE_URI_FIELD_NUMBER: _ClassVar[int]
    PUBLISHED_FIELD_NUMBER: _ClassVar[int]
    RAW_FIELD_NUMBER: _ClassVar[int]
    TAG_FIELD_NUMBER: _ClassVar[int]
    text: str
    source_uri: str
    published: _date_pb2.CalendarDate
    raw: bytes
    tag: str
    def __init__(self, text: _Optional[str] = ..., source_uri: _Optional[str] = ..., published: _Optional[_Union[_date_pb2.CalendarDate, _Mapping]] = ..., raw: _Optional[bytes] = ..., tag: _Optional[str] = ...) -> None: ...

class IngestDocumentsResponse(_message.Message):
    __slots__ = ("index", "tag", "result", "error")
    INDEX_FIELD_NUMBER: _ClassVar[int]
    TAG_FIELD_NUMBER: _ClassVar[int]
    RESULT_FIELD_NUMBER: _ClassVar[int]
    ERROR_FIELD_NUMBER: _ClassVar[int]
    index: int
    tag: str
    result: IngestDocumentResponse
    error: DocumentError
    def __init__(self, index: _Optional[int] = ..., tag: _Optional[str] = ..., result: _Optional[_Union[IngestDocumentResponse, _Mapping]] = ..., error: _Optional[_Union[DocumentError, _Mapping]] = ...) -> None: ...

class DocumentError(_message.Message):
    __slots__ = ("code", "message")
    CODE_FIELD_NUMBER: _ClassVar[int]
    MESSAGE_FIELD_NUMBER: _ClassVar[int]
    code: int
    message: str
    def __init__(self, code: _Optional[int] = ..., message: _Optional[str] = ...) -> None: ...

class ParseDocumentRequest(_message.Message):
    __slots__ = ("text", "source_uri", "published", "raw")
    TEXT_FIELD_NUMBER: _ClassVar[int]
    SOURCE_URI_FIELD_NUMBER: _ClassVar[int]
    PUBLISHED_FIELD_NUMBER: _ClassVar[int]
    RAW_FIELD_NUMBER: _ClassVar[int]
    text: str
    source_uri: str
    published: _date_pb2.CalendarDate
    raw: bytes
    def __init__(self, text: _Optional[str] = ..., source_uri: _Optional[str] = ..., published: _Optional[_Union[_date_pb2.CalendarDate, _Mapping]] = ..., raw: _Optional[bytes] = ...) -> None: ...

class ParseDocumentResponse(_message.Message):
    __slots__ = ("articles", "entities", "events", "diagnostics")
    ARTICLES_FIELD_NUMBER: _ClassVar[int]
    ENTITIES_FIELD_NUMBER: _ClassVar[int]
    EVENTS_FIELD_NUMBER: _ClassVar[int]
    DIAGNOSTICS_FIELD_NUMBER: _ClassVar[int]
    articles: _containers.RepeatedCompositeFieldContainer[_article_pb2.Article]
    entities: _containers.RepeatedCompositeFieldContainer[_entity_pb2.Entity]
    events: _containers.RepeatedCompositeFieldContainer[_event_pb2.Event]
    diagnostics: _containers.RepeatedCompositeFieldContainer[Diagnostic]
    def __init__(self, articles: _Optional[_Iterable[_Union[_article_pb2.Article, _Mapping]]] = ..., entities: _Optional[_Iterable[_Union[_entity_pb2.Entity, _Mapping]]] = ..., events: _Optional[_Iterable[_Union[_event_pb2.Event, _Mapping]]] = ..., diagnostics: _Optional[_Iterable[_Union[Diagnostic, _Mapping]]] = ...) -> None: ...

class Diagnostic(_message.Message):
    __slots__ = ("severity", "code", "message", "line", "text")
    SEVERITY_FIELD_NUMBER: _ClassVar[int]
    CODE_FIELD_NUMBER: _ClassVar[int]
    MESSAGE_FIELD_NUMBER: _ClassVar[int]
    LINE_FIELD_NUMBER: _ClassVar[int]
    TEXT_FIELD_NUMBER: _ClassVar[int]
    severity: DiagnosticSeverity
    code: str
    message: str
    line: int
    text: str
    def __init__(self, severity: _Optional[_Union[DiagnosticSeverity, str]] = ..., code: _Optional[str] = ..., message: _Optional[str] = ..., line: _Optional[int] = ..., text: _Optional[str] = ...) -> None: ...
