"""Read definition files as XML safely, and say precisely what is wrong with a bad one."""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass

from lxml import etree

from bpmn.errors import DefinitionError

BPMN_NS = "http://www.omg.org/spec/BPMN/20100524/MODEL"
# DMN 1.3: the library's schemas for older versions do not compile, so they cannot be validated.
DMN_NAMESPACES = {"https://www.omg.org/spec/DMN/20191111/MODEL/"}
DI_NAMESPACES = {
    "http://www.omg.org/spec/BPMN/20100524/DI",
    "http://www.omg.org/spec/DD/20100524/DI",
    "http://www.omg.org/spec/DD/20100524/DC",
    "https://www.omg.org/spec/DMN/20191111/DMNDI/",
    "http://www.omg.org/spec/DMN/20180521/DI/",
}
MAX_BYTES = 5 * 1024 * 1024

# No DTDs, no entity expansion, no network: a definition is data from a browser.
_PARSER = etree.XMLParser(
    resolve_entities=False, no_network=True, load_dtd=False, huge_tree=False, remove_comments=False
)


@dataclass(frozen=True)
class Source:
    """A definition file as uploaded: its name and its text."""

    name: str
    text: str


def read_xml(source: Source) -> etree._Element:
    """The file's root element, or a DefinitionError naming the line and the problem."""
    data = source.text.encode("utf-8")
    if len(data) > MAX_BYTES:
        raise DefinitionError(
            source.name,
            None,
            f"file is larger than {MAX_BYTES // 1024**2} MB",
            "too_large",
            {"mb": MAX_BYTES // 1024**2},
        )
    if b"<!DOCTYPE" in data or b"<!ENTITY" in data:
        raise DefinitionError(
            source.name,
            None,
            "DOCTYPE and entity declarations are not allowed; remove them",
            "doctype",
        )
    try:
        root = etree.fromstring(data, _PARSER)
    except etree.XMLSyntaxError as error:
        raise DefinitionError(
            source.name, None, f"not well-formed XML: {error}", "not_xml", {"detail": str(error)}
        ) from None
    _check_unique_ids(source.name, root)
    return root


def kind_of(source: Source, root: etree._Element) -> str:
    """'bpmn' or 'dmn', from the root element's namespace."""
    namespace = etree.QName(root).namespace
    if namespace == BPMN_NS and etree.QName(root).localname == "definitions":
        return "bpmn"
    if namespace in DMN_NAMESPACES:
        return "dmn"
    if namespace and "DMN" in namespace.upper():
        raise DefinitionError(
            source.name,
            None,
            f"DMN version {namespace} is not supported (use DMN 1.3)",
            "dmn_version",
            {"namespace": namespace},
        )
    raise DefinitionError(
        source.name,
        None,
        f"not a BPMN 2.0 or DMN document (root element {root.tag})",
        "not_bpmn",
        {"root": root.tag},
    )


def _check_unique_ids(name: str, root: etree._Element) -> None:
    # Only model elements carry document-wide ids; extension elements (e.g. Spiff's service
    # parameters) use `id` for local names that may repeat.
    model = {etree.QName(root).namespace, *DI_NAMESPACES}
    lines: dict[str, list[int]] = defaultdict(list)
    for element in root.iter():
        if (
            isinstance(element.tag, str)
            and etree.QName(element).namespace in model
            and element.get("id")
        ):
            lines[element.get("id")].append(element.sourceline or 0)
    duplicates = {key: where for key, where in lines.items() if len(where) > 1}
    if duplicates:
        key, where = next(iter(sorted(duplicates.items())))
        lines_text = ", ".join(str(line) for line in where)
        raise DefinitionError(
            name,
            key,
            f"duplicate id (lines {lines_text}); give each element an id of its own",
            "duplicate_id",
            {"lines": lines_text},
        )
