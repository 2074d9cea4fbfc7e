"""Table 3 of the seed study as data: reasons, their time of emergence, second-order themes and relationship types.

Source: Järvi, H., Kähkönen, A.-K., & Torvinen, H. (2018). When value co-creation fails: Reasons that lead to
value co-destruction. *Scandinavian Journal of Management*, 34(1), 63–77, Table 3. "RI" (any relationship type)
is expanded to all four types.

Examples
--------
>>> [r.code for r in TABLE3]
['INF', 'TRU', 'MIS', 'SRV', 'CHG', 'EXP', 'MSB', 'BLM']
>>> TABLE3_BY_NAME["inability_to_change"].time
'before'
"""

from __future__ import annotations

from dataclasses import dataclass

RELATIONSHIP_TYPES: tuple[str, ...] = ("B2C", "B2B", "B2G", "G2C")
RI: tuple[str, ...] = RELATIONSHIP_TYPES
TIMES: tuple[str, ...] = ("any", "before", "during", "after")
PERSPECTIVES: tuple[str, ...] = ("provider", "customer")
TRAPD_STATUSES: tuple[str, ...] = ("source", "draft1", "draft2", "reviewed", "adjudicated", "pretested")
#: statuses at or above which a translation counts as reviewed (exports warn below this).
REVIEWED_STATUSES: tuple[str, ...] = ("source", "reviewed", "adjudicated", "pretested")


@dataclass(frozen=True)
class Table3Theme:
    """A second-order theme of Table 3 with the relationship types where it was observed."""

    code: str
    description: str
    relationship_types: tuple[str, ...]


@dataclass(frozen=True)
class Table3Reason:
    """A reason for value co-destruction (aggregate dimension of Table 3)."""

    name: str
    code: str
    time: str
    themes: tuple[Table3Theme, ...]


TABLE3: tuple[Table3Reason, ...] = (
    Table3Reason("absence_of_information", "INF", "any", (
        Table3Theme("provider_incorrect_information", "Provider unable to provide correct information", ("B2C", "G2C")),
        Table3Theme("customer_cannot_produce_information",
                    "Customer unable to produce information (e.g. fails to report problems)", ("B2C", "G2C")),
        Table3Theme("customer_fails_to_process_information", "Customer fails to process information", ("B2C", "B2B")),
    )),
    Table3Reason("insufficient_trust", "TRU", "any", (
        Table3Theme("customer_unwilling_to_share_information", "Customer unwilling to provide information",
                    ("B2B", "B2G")),
        Table3Theme("inability_to_trust", "Inability to trust", ("B2B", "B2G")),
        Table3Theme("customer_acts_selfishly", "Customer acts selfishly", ("B2C", "B2G", "G2C")),
    )),
    Table3Reason("mistakes", "MIS", "any", (
        Table3Theme("wrong_assumptions", "Wrong assumptions (different terms, different pictures of the project)", RI),
        Table3Theme("incorrect_product", "Incorrect product", ("B2B",)),
    )),
    Table3Reason("inability_to_serve", "SRV", "any", (
        Table3Theme("expensive_offering", "Expensive offering", RI),
        Table3Theme("inadequate_crm", "Inadequate customer-relationship management", RI),
        Table3Theme("promise_not_kept", "Promise not kept", RI),
        Table3Theme("slow_processes", "Slow processes", RI),
    )),
    Table3Reason("inability_to_change", "CHG", "before", (
        Table3Theme("provider_fails_to_respond", "Provider fails to respond to contingencies and trends", ("B2C",)),
        Table3Theme("customer_resists_new_ways", "Customer will not adopt new ways (e.g. self-service)", ("B2C",)),
    )),
    Table3Reason("absence_of_clear_expectations", "EXP", "before", (
        Table3Theme("absence_of_clear_needs", "Absence of clear needs", RI),
        Table3Theme("inaccurate_expectations", "Customer has inaccurate expectations", ("B2B", "B2G")),
    )),
    Table3Reason("customer_misbehaviour", "MSB", "after", (
        Table3Theme("misuses_product", "Customer misuses the product", RI),
        Table3Theme("stores_product_incorrectly", "Customer stores the product incorrectly", ("B2C",)),
        Table3Theme("acts_disruptively", "Customer acts disruptively in a project", ("B2B", "B2G")),
    )),
    Table3Reason("blaming", "BLM", "after", (
        Table3Theme("harmful_complaining", "Harmful (public) complaining", RI),
        Table3Theme("groundless_complaining", "Groundless blaming of the wrong actor", ("B2G",)),
    )),
)

TABLE3_BY_NAME: dict[str, Table3Reason] = {r.name: r for r in TABLE3}
