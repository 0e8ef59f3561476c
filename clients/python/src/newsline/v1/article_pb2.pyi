from newsline.v1 import date_pb2 as _date_pb2
from google.protobuf.internal import containers as _containers
from google.protobuf import descriptor as _descriptor
from google.protobuf import message as _message
from collections.abc import Iterable as _Iterable, Mapping as _Mapping
from typing import ClassVar as _ClassVar, Optional as _Optional, Union as _Union

DESCRIPTOR: _descriptor.FileDescriptor

class Article(_message.Message):
    __slots__ = ("id", "title", "series", "authors", "sections", "published", "reference_year", "reference_year_source", "source_uri", "text", "entity_ids")
    ID_FIELD_NUMBER: _ClassVar[int]
    TITLE_FIELD_NUMBER: _ClassVar[int]
    SERIES_FIELD_NUMBER: _ClassVar[int]
    AUTHORS_FIELD_NUMBER: _ClassVar[int]
    SECTIONS_FIELD_NUMBER: _ClassVar[int]
    PUBLISHED_FIELD_NUMBER: _ClassVar[int]
    REFERENCE_YEAR_FIELD_NUMBER: _ClassVar[int]
    REFERENCE_YEAR_SOURCE_FIELD_NUMBER: _ClassVar[int]
    SOURCE_URI_FIELD_NUMBER: _ClassVar[int]
    TEXT_FIELD_NUMBER: _ClassVar[int]
    ENTITY_IDS_FIELD_NUMBER: _ClassVar[int]
    id: str
    title: str
    series: str
    authors: _containers.RepeatedScalarFieldContainer[str]
    sections: _containers.RepeatedCompositeFieldContainer[Section]
    published: _date_pb2.CalendarDate
    reference_year: int
    reference_year_source: _date_pb2.YearSource
    source_uri: str
    text: str
    entity_ids: _containers.RepeatedScalarFieldContainer[str]
    def __init__(self, id: _Optional[str] = ..., title: _Optional[str] = ..., series: _Optional[str] = ..., authors: _Optional[_Iterable[str]] = ..., sections: _Optional[_Iterable[_Union[Section, _Mapping]]] = ..., published: _Optional[_Union[_date_pb2.CalendarDate, _Mapping]] = ..., reference_year: _Optional[int] = ..., reference_year_source: _Optional[_Union[_date_pb2.YearSource, str]] = ..., source_uri: _Optional[str] = ..., text: _Optional[str] = ..., entity_ids: _Optional[_Iterable[str]] = ...) -> None: ...

class Section(_message.Message):
    __slots__ = ("heading", "paragraphs")
    HEADING_FIELD_NUMBER: _ClassVar[int]
    PARAGRAPHS_FIELD_NUMBER: _ClassVar[int]
    heading: str
    paragraphs: _containers.RepeatedScalarFieldContainer[str]
    def __init__(self, heading: _Optional[str] = ..., paragraphs: _Optional[_Iterable[str]] = ...) -> None: ...
