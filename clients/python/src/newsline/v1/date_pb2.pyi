from google.protobuf.internal import enum_type_wrapper as _enum_type_wrapper
from google.protobuf import descriptor as _descriptor
from google.protobuf import message as _message
from collections.abc import Mapping as _Mapping
from typing import ClassVar as _ClassVar, Optional as _Optional, Union as _Union

DESCRIPTOR: _descriptor.FileDescriptor

class YearSource(int, metaclass=_enum_type_wrapper.EnumTypeWrapper):
    __slots__ = ()
    YEAR_SOURCE_UNSPECIFIED: _ClassVar[YearSource]
    YEAR_SOURCE_EXPLICIT: _ClassVar[YearSource]
    YEAR_SOURCE_PUBLICATION_DATE: _ClassVar[YearSource]
    YEAR_SOURCE_ARTICLE: _ClassVar[YearSource]
    YEAR_SOURCE_RELATIVE: _ClassVar[YearSource]
    YEAR_SOURCE_UNKNOWN: _ClassVar[YearSource]
YEAR_SOURCE_UNSPECIFIED: YearSource
YEAR_SOURCE_EXPLICIT: YearSource
YEAR_SOURCE_PUBLICATION_DATE: YearSource
YEAR_SOURCE_ARTICLE: YearSource
YEAR_SOURCE_RELATIVE: YearSource
YEAR_SOURCE_UNKNOWN: YearSource

class CalendarDate(_message.Message):
    __slots__ = ("year", "month", "day")
    YEAR_FIELD_NUMBER: _ClassVar[int]
    MONTH_FIELD_NUMBER: _ClassVar[int]
    DAY_FIELD_NUMBER: _ClassVar[int]
    year: int
    month: int
    day: int
    def __init__(self, year: _Optional[int] = ..., month: _Optional[int] = ..., day: _Optional[int] = ...) -> None: ...

class DateRange(_message.Message):
    __slots__ = ("start", "end", "year_inferred", "year_source", "text")
    START_FIELD_NUMBER: _ClassVar[int]
    END_FIELD_NUMBER: _ClassVar[int]
    YEAR_INFERRED_FIELD_NUMBER: _ClassVar[int]
    YEAR_SOURCE_FIELD_NUMBER: _ClassVar[int]
    TEXT_FIELD_NUMBER: _ClassVar[int]
    start: CalendarDate
    end: CalendarDate
    year_inferred: bool
    year_source: YearSource
    text: str
    def __init__(self, start: _Optional[_Union[CalendarDate, _Mapping]] = ..., end: _Optional[_Union[CalendarDate, _Mapping]] = ..., year_inferred: _Optional[bool] = ..., year_source: _Optional[_Union[YearSource, str]] = ..., text: _Optional[str] = ...) -> None: ...
