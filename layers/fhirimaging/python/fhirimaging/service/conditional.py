"""Conditional create, update and delete: find the target by a search, then act as the plain interaction.

A query that is exactly `identifier=system|value` is race-free: the write claims a guard item for that
identifier in its own transaction (strongly consistent, unlike the search GSI), so concurrent conditional
writes of one Study Instance UID can never make two studies. Other queries are best-effort: they read
the search index, which real DynamoDB updates within about a second.
"""
from __future__ import annotations

import json
from decimal import Decimal

from fhirimaging.errors import BadRequest, PreconditionFailed
from fhirimaging.search import plan
from fhirimaging.search.match import matches_all
from fhirimaging.search.query import SearchQuery, TokenValue
from fhirimaging.store import StoredVersion
from fhirimaging.store.base import GuardClaim


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
    return f"identifier|{value.system}|{value.code}"


def require_criteria(query: SearchQuery, interaction: str) -> None:
    if not query.criteria:
        raise BadRequest(f"a conditional {interaction} needs search criteria that identify the study")


class ConditionalTargets:
    """Mixed into the service: the studies a conditional query selects, guard first."""

    def _matches(self, query: SearchQuery) -> tuple[list[StoredVersion], GuardClaim | None]:
        """At most two live matches (two already means "several"), and the guard claim a write would make."""
        found: dict[str, StoredVersion] = {}
        claim = None
        key = guard_key(query)
        if key is not None:
            holder = self._store.get_guard(key)
            current = self._store.get_current(holder) if holder else None
            if current is not None and not current.deleted and matches_all(
                    json.loads(current.body, parse_float=Decimal), query.criteria):
                found[current.id] = current
                claim = GuardClaim(key, holder)
            else:
                claim = GuardClaim(key, holder)  # free, or held by a study that no longer has it
        page = plan.run(self._store, query, plan.plan(query), 2, {})
        for match in page.matches:
            found.setdefault(match.id, match)
        return list(found.values())[:2], claim

    @staticmethod
    def _single(matches: list[StoredVersion], interaction: str) -> StoredVersion | None:
        if len(matches) > 1:
            raise PreconditionFailed(f"the conditional {interaction} matches more than one study")
        return matches[0] if matches else None
