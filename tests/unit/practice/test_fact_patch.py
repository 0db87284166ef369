"""The fact-source port: a patch names only `EpisodeFacts` fields, each with the field's type."""

from typing import get_type_hints

from practice.tasks import EpisodeFacts, FactPatch


def test_a_fact_patch_names_only_episode_facts_fields_with_their_exact_types() -> None:
    fields = get_type_hints(EpisodeFacts)
    patch = get_type_hints(FactPatch)
    assert patch, "FactPatch holds no facts"
    unknown = sorted(set(patch) - set(fields))
    assert not unknown, f"FactPatch names facts EpisodeFacts lacks: {unknown}"
    mistyped = {name: (hint, fields[name]) for name, hint in patch.items() if hint != fields[name]}
    assert not mistyped, f"FactPatch types these facts unlike EpisodeFacts: {mistyped}"


def test_a_fact_patch_is_partial_so_a_source_gives_only_the_facts_it_holds() -> None:
    assert FactPatch.__total__ is False
    assert not FactPatch.__required_keys__
