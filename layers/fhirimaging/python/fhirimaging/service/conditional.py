"""Conditional create, update and delete: find the target by a search, then act as the plain interaction.

A query that is exactly `identifier=system|value` is race-free: the target is the study holding that
identifier's guard item (strongly consistent, unlike the search GSI), and a write that would create claims
the guard in its own transaction, so concurrent conditional writes of one Study Instance UID can never make
two studies. Other queries are best-effort: they read the search index, which real DynamoDB updates within
about a second.
"""
from __future__ import annotations

import json
from decimal import Decimal

from fhirimaging import identifiers
from fhirimaging.errors import BadRequest, Forbidden, PreconditionFailed
from fhirimaging.search import plan
from fhirimaging.search.query import SearchQuery, TokenValue
from fhirimaging.service.access import Access
from fhirimaging.store import StoredVersion
from fhirimaging.store.base import Guard, GuardClaim


def guard_key(query: SearchQuery) -> str | None:
    """The guard a query is keyed on: a single `identifier=system|value` criterion, nothing else."""
    if len(query.criteria) != 1:
        return None
    criterion = query.criteria[0]
    if criterion.parameter.code != "identifier" or criterion.modifier is not None or len(criterion.values) != 1:
        return None
    value = criterion.values[0]
    if not isinstance(value, TokenValue) or not value.system or not value.code:
        return None
    return identifiers.guard_key(value.system, value.code)


def require_criteria(query: SearchQuery, interaction: str) -> None:
    if not query.criteria:
        raise BadRequest(f"a conditional {interaction} needs search criteria that identify the study")


class ConditionalTargets:
    """Mixed into the service: the studies a conditional query selects, guard first."""

    def _matches(self, query: SearchQuery, access: Access, creates: bool = False
                 ) -> tuple[list[StoredVersion], GuardClaim | None]:
        """At most two live matches (two already means "several") among the studies the caller's searches reach,
        and the guard claim a write would make. An identifier names one study across patients: when a write
        that would create (`creates`) asks for one that a study out of the caller's reach carries, it is a 403."""
        found: dict[str, StoredVersion] = {}
        claim = None
        key = guard_key(query)
        confined = access.search_patient is not None
        if key is not None:
            guard = self._store.get_guard(key)
            holder = self._holder(key, guard)
            if holder is None:
                claim = GuardClaim(key, guard)  # free (None), or a guard to take over from a study without it
            elif confined and not access.searches(_content(holder)):
                _out_of_reach(key, creates)
            else:
                claim = GuardClaim(key)
                if identifiers.unique(key):
                    return [holder], claim  # no other live study can carry it
                found[holder.id] = holder
        if confined and not (key is not None and creates):
            query = query.confined_to(access.search_patient)
        page = plan.run(self._store, query, plan.plan(query), 2, {})
        for match in page.matches:
            if confined and not access.searches(_content(match)):
                _out_of_reach(key, creates)  # an identifier-keyed create's match, looked for among all studies
                continue
            found.setdefault(match.id, match)
        return list(found.values())[:2], claim

    def _holder(self, key: str, guard: Guard | None) -> StoredVersion | None:
        """The live study that holds this guard; None if the guard is free or stale (its holder is deleted or
        no longer holds the key: only a guard from before studies recorded their guards can be stale)."""
        if guard is None:
            return None
        current = self._store.get_current(guard.holder)
        if current is None or current.deleted:
            return None
        if current.guards:
            return current if key in current.guards else None
        # No record of its guards: it holds the key while it carries the identifier.
        return current if key in identifiers.carried(_content(current)) else None

    def _stale(self, key: str, resource_id: str) -> Guard | None:
        """The guard of `key` when another resource has it but does not hold it (so a claim may take it over)."""
        guard = self._store.get_guard(key)
        if guard is None or guard.holder == resource_id or self._holder(key, guard) is not None:
            return None
        return guard

    @staticmethod
    def _single(matches: list[StoredVersion], interaction: str) -> StoredVersion | None:
        if len(matches) > 1:
            raise PreconditionFailed(f"the conditional {interaction} matches more than one study")
        return matches[0] if matches else None


def _content(version: StoredVersion) -> dict:
    return json.loads(version.body, parse_float=Decimal)


def _out_of_reach(key: str | None, creates: bool) -> None:
    """A match the caller may not know of: no match at all, unless the write would give its identifier to a second
    study."""
    if creates:
        raise Forbidden(f"the identifier {identifiers.described(key)} belongs to a study this token does not reach"
                        if key is not None else "the conditional write matches a study this token does not reach")
