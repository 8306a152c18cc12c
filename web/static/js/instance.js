// Where a project's process instance is, drawn read-only with the bpmn-js NavigatedViewer
// (global BpmnJS): the elements the token has passed are marked `instance-completed`, the ones it
// waits at `instance-active`, the sequence flows taken `instance-taken`. The data comes from
// GET /api/v1/projects/<id>/instance; each diagram's XML from the deployed definition's source.
// A call activity that was entered can be clicked to drill into its diagram; the buttons above
// the canvas show every diagram the instance entered (the running ones form the active stack).
(function () {
  "use strict";

  const root = document.getElementById("instance-view");
  if (!root || typeof BpmnJS === "undefined") return;

  const data = root.dataset;
  const status = document.getElementById("instance-status");
  const buttons = Array.from(document.querySelectorAll("button[data-diagram]"));
  const viewer = new BpmnJS({ container: "#instance-canvas" });
  const sources = new Map();
  let instance = null;
  let shown = null;

  function message(key, values) {
    let text = data["msg" + key] || key;
    Object.entries(values || {}).forEach(([name, value]) => {
      text = text.split("{" + name + "}").join(String(value));
    });
    return text;
  }

  function say(text, kind) {
    status.textContent = text;
    status.className = "instance-status" + (kind ? " " + kind : " muted");
  }

  function sourceUrl(definitionId) {
    // The template renders the URL for definition 0; the id is the only path part that varies.
    return data.source.replace(/\/0\/source$/, "/" + definitionId + "/source");
  }

  async function xmlOf(diagram) {
    if (!sources.has(diagram.definition_id)) {
      const response = await fetch(sourceUrl(diagram.definition_id), {
        credentials: "same-origin",
      });
      if (!response.ok) throw new Error(String(response.status));
      sources.set(diagram.definition_id, await response.text());
    }
    return sources.get(diagram.definition_id);
  }

  // The diagram a call activity entered: the running one if it was entered more than once.
  function childOf(index, elementId) {
    let found = null;
    instance.diagrams.forEach((diagram, childIndex) => {
      if (diagram.parent === index && diagram.call_activity === elementId) {
        if (found === null || diagram.running || !instance.diagrams[found].running) {
          found = childIndex;
        }
      }
    });
    return found;
  }

  function mark(index) {
    const diagram = instance.diagrams[index];
    const canvas = viewer.get("canvas");
    const registry = viewer.get("elementRegistry");
    const active = new Set(diagram.active);
    const completed = new Set(diagram.completed);
    const taken = new Set(diagram.flows.map(([source, target]) => source + "\u0000" + target));
    registry.getAll().forEach((element) => {
      if (element.waypoints) {
        if (element.source && element.target) {
          if (taken.has(element.source.id + "\u0000" + element.target.id)) {
            canvas.addMarker(element.id, "instance-taken");
          }
        }
        return;
      }
      if (active.has(element.id)) canvas.addMarker(element.id, "instance-active");
      else if (completed.has(element.id)) canvas.addMarker(element.id, "instance-completed");
      if (childOf(index, element.id) !== null) canvas.addMarker(element.id, "instance-drill");
    });
  }

  async function show(index) {
    const diagram = instance.diagrams[index];
    if (!diagram || diagram.definition_id === null) return;
    say(message("Loading"));
    root.dataset.state = "loading";
    try {
      await viewer.importXML(await xmlOf(diagram));
    } catch (error) {
      say(message("Failed", { error: error.message }), "error");
      root.dataset.state = "failed";
      return;
    }
    shown = index;
    viewer.get("canvas").zoom("fit-viewport", "auto");
    mark(index);
    buttons.forEach((button) => {
      if (Number(button.dataset.diagram) === index) button.setAttribute("aria-current", "true");
      else button.removeAttribute("aria-current");
    });
    const label = buttons[index] ? buttons[index].dataset.label : diagram.process;
    say(message("Shown", { diagram: label + " v" + diagram.version }) + " " + message("Legend"));
    root.dataset.state = "ready";
    root.dataset.shown = diagram.called_as;
  }

  buttons.forEach((button) => {
    button.addEventListener("click", () => show(Number(button.dataset.diagram)));
  });

  viewer.on("element.click", (event) => {
    if (shown === null) return;
    const child = childOf(shown, event.element.id);
    if (child !== null) show(child);
  });

  say(message("Loading"));
  fetch(data.url, { credentials: "same-origin", headers: { Accept: "application/json" } })
    .then((response) => {
      if (!response.ok) throw new Error(String(response.status));
      return response.json();
    })
    .then((body) => {
      instance = body;
      return show(0);
    })
    .catch((error) => {
      say(message("Failed", { error: error.message }), "error");
      root.dataset.state = "failed";
    });
})();
