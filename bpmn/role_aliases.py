"""Roles named the way other tools and people name them: lane labels and candidate groups.

A lane called 主管部门 (the label the pages themselves show) or a Camunda/Flowable/Activiti
`candidateGroups="department"` means the role `department`; the catalogue writes the role it
finds into the task's `role` property, so validation and the work queue read one place.
"""

from __future__ import annotations

from lxml import etree

# The interface's own labels (web/messages/common.json role.*), in both languages, and the
# role names themselves.
_LABELS = {
    "unit": ("预算单位", "Budget unit"),
    "department": ("主管部门", "Department"),
    "finance": ("财政业务处室", "Finance desk"),
    "performance": ("预算绩效管理处", "Performance division"),
    "evaluator": ("第三方机构", "Evaluator"),
    "supervisor": ("监督部门", "Supervisor"),
}
ALIASES = {
    label.strip().casefold(): role for role, labels in _LABELS.items() for label in (role, *labels)
}


def role_for(label: str | None) -> str | None:
    """The role a lane name or candidate group stands for, if it stands for one."""
    if not label:
        return None
    return ALIASES.get(" ".join(label.split()).casefold())


def candidate_groups(node: etree._Element) -> list[str]:
    """The candidate groups a BPMN element names (Camunda 7, Flowable, Activiti, Zeebe)."""
    texts = [value for name, value in node.attrib.items() if _local(name) == "candidateGroups"]
    for child in node.iter():
        if isinstance(child.tag, str) and _local(child.tag) == "assignmentDefinition":
            texts.append(child.get("candidateGroups") or "")
    return [group.strip() for text in texts for group in text.split(",") if group.strip()]


def _local(name: str) -> str:
    return etree.QName(name).localname
