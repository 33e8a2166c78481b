"""Query helpers that PostgreSQL plans better than Django's default SQL for them."""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from functools import cached_property
from typing import Any

from django.db.models import F, Lookup
from django.db.models.lookups import In


class InIdArray(In):
    """`field IN (subquery)`, written `field = ANY(ARRAY(subquery))` on PostgreSQL.

    PostgreSQL runs the ARRAY(...) subquery once and looks each id up in the index; with a plain
    IN (subquery) of a UNION it often hashed the subquery and scanned the whole table to join it
    (workspace queue on the street dataset: 19 ms against 9 ms; it grows with the table). Other
    databases get the plain IN."""

    def as_postgresql(self, compiler, connection):
        if self.rhs_is_direct_value():  # a list of ids: Django's IN (…) already does well
            return super().as_sql(compiler, connection)
        lhs, lhs_params = self.process_lhs(compiler, connection)
        rhs, rhs_params = self.process_rhs(compiler, connection)
        return f"{lhs} = ANY(ARRAY{rhs})", (*lhs_params, *rhs_params)


def id_in(field: str, ids) -> InIdArray:
    """A filter condition: `field` is one of the ids a values() queryset (or a union of them) returns."""
    return InIdArray(F(field), ids)


@dataclass(frozen=True)
class IdArray:
    """A list of ids read earlier in the request, kept as its PostgreSQL array literal ('{1,2,…}'): a page that
    filters several panels by the same ids (the workspace: a station counselor's ~2,500 visible cases) writes
    the text once, or has the database write it (from_csv: string_agg), not once per panel."""

    literal: str

    @classmethod
    def of(cls, ids: Iterable[int]) -> IdArray:
        return cls("{" + ",".join(str(int(pk)) for pk in ids) + "}")

    @classmethod
    def from_csv(cls, text: str | None) -> IdArray:
        """From the database's comma-separated ids (string_agg), None meaning none."""
        return cls("{" + (text or "") + "}")

    @cached_property
    def ids(self) -> tuple[int, ...]:
        inner = self.literal[1:-1]
        return tuple(int(pk) for pk in inner.split(",")) if inner else ()

    def __len__(self) -> int:
        return len(self.ids)

    def __iter__(self) -> Iterator[int]:
        return iter(self.ids)


class IdsAny(Lookup):
    """`field IN (1, 2, …)` for an IdArray, written `field = ANY(%s::bigint[])` on PostgreSQL with the ids as
    one array literal ('{1,2,…}'): Django's IN prepares each id and builds one placeholder per id, and
    psycopg2 an ARRAY[…] of one constant per id, which PostgreSQL parses element by element (2,500 ids cost
    8 ms a statement that way, against 0.3 ms for one literal). An empty list still runs the query, so a page
    keeps the same number of queries whatever the person sees. Other databases get the plain IN."""

    lookup_name = "ids_any"
    prepare_rhs = False

    def get_prep_lookup(self) -> Any:
        return self.rhs  # an IdArray, prepared once by IdArray.of

    def as_sql(self, compiler, connection):
        lhs, lhs_params = self.process_lhs(compiler, connection)
        ids = self.rhs.ids
        if not ids:  # ask all the same, matching nothing
            return "1 = 0", ()
        return f"{lhs} IN ({', '.join(['%s'] * len(ids))})", (*lhs_params, *ids)

    def as_postgresql(self, compiler, connection):
        lhs, lhs_params = self.process_lhs(compiler, connection)
        return f"{lhs} = ANY(%s::bigint[])", (*lhs_params, self.rhs.literal)


def ids_any(field: str, ids: IdArray | Iterable[int]) -> IdsAny:
    """A filter condition: `field` is one of `ids` (read earlier in the request; an IdArray is reused as is)."""
    return IdsAny(F(field), ids if isinstance(ids, IdArray) else IdArray.of(ids))
