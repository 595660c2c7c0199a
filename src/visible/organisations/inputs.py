"""What each organisation action takes (actions.py): one frozen dataclass per write, required
fields required (visible/inputs.py says why). Codes are GSS codes as typed: the actions tidy
them (spaces, case) and say what is wrong with them."""

from __future__ import annotations

from dataclasses import dataclass

from visible.inputs import ActionInput


@dataclass(frozen=True, kw_only=True)
class CouncilInput(ActionInput):
    """A council's children's services, or a Northern Ireland HSC Trust, by the GSS code of its
    authority in the reference data (E10000016 for Kent; NIHSCT-BEL for the Belfast Trust)."""

    code: str


@dataclass(frozen=True, kw_only=True)
class ForceInput(ActionInput):
    """A police force, by its name (police.POLICE_FORCES); its area comes from the data."""

    name: str


@dataclass(frozen=True, kw_only=True)
class ServiceInput(ActionInput):
    """A guardian or advocacy service, or an NGO, with the authorities it works in (GSS codes)."""

    name: str
    kind: str
    areas: tuple[str, ...]

    def __post_init__(self) -> None:
        self._as_tuple("areas")


@dataclass(frozen=True, kw_only=True)
class NationalBodyInput(ActionInput):
    name: str


@dataclass(frozen=True, kw_only=True)
class ReorganisationInput(ActionInput):
    """A predecessor authority's children moved to its successor(s). `successors` defaults to
    the reference data's (the authority's replaced-by); with more than one, each child goes to
    the successor `assignments` names for its Visible number, else to the one its current
    placement is in."""

    predecessor: str
    successors: tuple[str, ...] = ()
    assignments: tuple[tuple[str, str], ...] = ()  # (Visible number, successor's GSS code)
    reason: str = ""

    def __post_init__(self) -> None:
        self._as_tuple("successors")
        object.__setattr__(
            self, "assignments", tuple((str(n), str(c)) for n, c in (self.assignments or ()))
        )
