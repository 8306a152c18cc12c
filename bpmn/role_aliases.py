"""Roles named the way other tools and people name them: lane labels and candidate groups.

A lane called 主管部门 (the label the pages themselves show) or a Camunda/Flowable/Activiti
`candidateGroups` naming a role means that role; the catalogue writes the role it finds into
the task's `role` property, so validation and the work queue read one place.
"""

from __future__ import annotations

from lxml import etree

# Label (casefolded, spaces collapsed) → role. The roles and what people call them are the
# engine's (its permission table); it registers them here when an engine is composed, so this
# layer spells no role name of its own.
ALIASES: dict[str, str] = {}


def register_role(role: str, labels: tuple[str, ...] = ()) -> None:
    """Let a lane or candidate group named `role` or one of its `labels` mean `role`."""
    for label in (role, *labels):
        ALIASES[_key(label)] = role


def role_for(label: str | None) -> str | None:
    """The role a lane name or candidate group stands for, if it stands for one."""
    if not label:
        return None
    return ALIASES.get(_key(label))


def _key(label: str) -> str:
    return " ".join(label.split()).casefold()


def candidate_groups(node: etree._Element) -> list[str]:
    """The candidate groups a BPMN element names (Camunda 7, Flowable, Activiti, Zeebe)."""
    texts = [value for name, value in node.attrib.items() if _local(name) == "candidateGroups"]
    for child in node.iter():
        if isinstance(child.tag, str) and _local(child.tag) == "assignmentDefinition":
            texts.append(child.get("candidateGroups") or "")
    return [group.strip() for text in texts for group in text.split(",") if group.strip()]


def _local(name: str) -> str:
    return etree.QName(name).localname
