"""Query helpers that PostgreSQL plans better than Django's default SQL for them."""

from __future__ import annotations

from django.db.models import F
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


class IdsAny(In):
    """`field IN (1, 2, …)` for a list of ids read earlier in the request, written `field = ANY(%s::bigint[])`
    on PostgreSQL with the list as one array literal ('{1,2,…}'): Django builds one placeholder per id
    otherwise, and psycopg2 an ARRAY[…] of one constant per id, which PostgreSQL parses element by element
    (2,500 ids cost 8 ms a statement that way, against 0.3 ms for one literal). An empty list still runs the
    query, so a page keeps the same number of queries whatever the person sees. Other databases get the
    plain IN."""

    def as_sql(self, compiler, connection):
        if not self.rhs:  # Django's IN would skip the query: ask it all the same, matching nothing
            return "1 = 0", ()
        return super().as_sql(compiler, connection)

    def as_postgresql(self, compiler, connection):
        lhs, lhs_params = self.process_lhs(compiler, connection)
        literal = "{" + ",".join(str(int(pk)) for pk in self.rhs) + "}"
        return f"{lhs} = ANY(%s::bigint[])", (*lhs_params, literal)


def ids_any(field: str, ids: list[int]) -> IdsAny:
    """A filter condition: `field` is one of `ids` (a list read earlier in the request)."""
    return IdsAny(F(field), list(ids))
