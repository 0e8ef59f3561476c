from google.protobuf.internal import containers as _containers
from google.protobuf.internal import enum_type_wrapper as _enum_type_wrapper
from google.protobuf import descriptor as _descriptor
from google.protobuf import message as _message
from collections.abc import Iterable as _Iterable
from typing import ClassVar as _ClassVar, Optional as _Optional, Union as _Union

DESCRIPTOR: _descriptor.FileDescriptor

class EntityKind(int, metaclass=_enum_type_wrapper.EnumTypeWrapper):
    __slots__ = ()
    ENTITY_KIND_UNSPECIFIED: _ClassVar[EntityKind]
    ENTITY_KIND_PERSON: _ClassVar[EntityKind]
    ENTITY_KIND_COUNTRY: _ClassVar[EntityKind]
    ENTITY_KIND_ORGANIZATION: _ClassVar[EntityKind]
    ENTITY_KIND_CITY: _ClassVar[EntityKind]
ENTITY_KIND_UNSPECIFIED: EntityKind
ENTITY_KIND_PERSON: EntityKind
ENTITY_KIND_COUNTRY: EntityKind
ENTITY_KIND_ORGANIZATION: EntityKind
ENTITY_KIND_CITY: EntityKind

class Entity(_message.Message):
    __slots__ = ("id", "kind", "name", "aliases", "roles", "country_code")
    ID_FIELD_NUMBER: _ClassVar[int]
    KIND_FIELD_NUMBER: _ClassVar[int]
    NAME_FIELD_NUMBER: _ClassVar[int]
    ALIASES_FIELD_NUMBER: _ClassVar[int]
    ROLES_FIELD_NUMBER: _ClassVar[int]
    COUNTRY_CODE_FIELD_NUMBER: _ClassVar[int]
    id: str
    kind: EntityKind
    name: str
    aliases: _containers.RepeatedScalarFieldContainer[str]
    roles: _containers.RepeatedScalarFieldContainer[str]
    country_code: str
    def __init__(self, id: _Optional[str] = ..., kind: _Optional[_Union[EntityKind, str]] = ..., name: _Optional[str] = ..., aliases: _Optional[_Iterable[str]] = ..., roles: _Optional[_Iterable[str]] = ..., country_code: _Optional[str] = ...) -> None: ...
