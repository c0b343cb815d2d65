"""Work a command starts before it loads Prefect, to run while it does: the process pool,
and the first weeks the pool groups into stories."""

from __future__ import annotations

from flows.settings import Settings


def start_pool_early(settings: Settings, storing: bool, grouping: bool) -> None:
    """The process pool (that parses and stores feeds, groups weeks ahead: the jobs this
    command gives it), started in the background now, so that it comes up while this
    process loads Prefect rather than after."""
    from flows.pipeline.cpu_pool import GROUPING, STORING, start_cpu_pool

    start_cpu_pool(settings, (*(STORING if storing else ()), *(GROUPING if grouping else ())))


def group_early(
    settings: Settings, from_week: str | None, to_week: str | None, digest: str | None
) -> None:
    """With nothing to ingest first, the pool groups the first weeks into stories while this
    process loads Prefect; the run takes them if their documents are still the same. A
    database that cannot say its weeks yet (not made, not upgraded) leaves it to the run."""
    from db.location import not_made_yet
    from flows.pipeline.digests import chosen_digests, weeks_to_build
    from flows.pipeline.stories_ahead import group_ahead

    if not_made_yet(settings.database_url):
        return
    names = [d.name for d in chosen_digests(settings, digest)]
    try:
        weeks = weeks_to_build(settings, from_week, to_week, names)
    except Exception:  # the run reads them again, and says what is wrong
        return
    group_ahead(settings, weeks, names, first_too=True)
