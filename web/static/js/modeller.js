// The approval-flow modeller: bpmn-js (global BpmnJS) on a deployed definition, a small side
// form for a task's name, role and form (the properties panel has no ready bundle), and the
// app's own validate and deploy endpoints. Problems are shown at their element as overlays.
(function () {
  "use strict";

  const root = document.getElementById("modeller");
  if (!root || typeof BpmnJS === "undefined") return;

  const SPIFF = "http://spiffworkflow.org/bpmn/schema/1.0/core";
  const HUMAN_TASKS = ["bpmn:UserTask", "bpmn:ManualTask"];
  // The condition the shipped review levels route a return with (bpmn/definitions/review.bpmn).
  const RETURN_CONDITION = "outcome == 'return'";
  const IS_RETURN = /^\s*outcome\s*==\s*['"]return['"]\s*$/;
  const data = root.dataset;
  const status = document.getElementById("modeller-status");
  const form = document.getElementById("element-form");
  const hint = document.getElementById("element-hint");
  const problemList = document.getElementById("problems");
  const problemsEmpty = document.getElementById("problems-empty");
  const removeButton = document.getElementById("remove-element");
  const buttons = ["validate", "deploy", "insert-step"].map((id) => document.getElementById(id));

  // No keyboard.bindTo: bpmn-js 18 logs an error for it, and the page has its own inputs.
  const modeler = new BpmnJS({ container: "#canvas" });
  const modeling = modeler.get("modeling");
  const moddle = modeler.get("moddle");
  const registry = modeler.get("elementRegistry");
  const overlays = modeler.get("overlays");
  const canvas = modeler.get("canvas");
  const selection = modeler.get("selection");
  const elementFactory = modeler.get("elementFactory");
  const bpmnFactory = modeler.get("bpmnFactory");
  let selected = null;
  let marked = [];

  function message(key, values) {
    let text = data["msg" + key] || key;
    Object.entries(values || {}).forEach(([name, value]) => {
      text = text.split("{" + name + "}").join(String(value));
    });
    return text;
  }

  function say(text, kind) {
    status.textContent = text;
    status.className = "modeller-status" + (kind ? " " + kind : "");
  }

  function csrfToken() {
    const meta = document.querySelector('meta[name="csrf-token"]');
    return meta ? meta.content : "";
  }

  function busy(on) {
    buttons.forEach((button) => {
      button.disabled = on;
    });
  }

  // ---- the spiffworkflow:properties extension (read and written as generic moddle elements) --

  function propertiesOf(bo) {
    const values = (bo.extensionElements && bo.extensionElements.values) || [];
    const block = values.find((value) => value.$type === "spiffworkflow:properties");
    const result = {};
    ((block && block.$children) || []).forEach((child) => {
      if (child.$type === "spiffworkflow:property" && child.name) result[child.name] = child.value;
    });
    return result;
  }

  function withProperties(bo, changes) {
    const current = propertiesOf(bo);
    Object.entries(changes).forEach(([name, value]) => {
      if (value) current[name] = value;
      else delete current[name];
    });
    const others = ((bo.extensionElements && bo.extensionElements.values) || []).filter(
      (value) => value.$type !== "spiffworkflow:properties"
    );
    const names = Object.keys(current);
    if (names.length) {
      const block = moddle.createAny("spiffworkflow:properties", SPIFF, {});
      block.$children = names.map((name) =>
        moddle.createAny("spiffworkflow:property", SPIFF, { name: name, value: current[name] })
      );
      others.push(block);
    }
    return others.length ? bpmnFactory.create("bpmn:ExtensionElements", { values: others }) : undefined;
  }

  // ---- the side form ------------------------------------------------------------------------

  function isHumanTask(element) {
    return element && HUMAN_TASKS.includes(element.type);
  }

  function isEditable(element) {
    return element && element.type !== "label" && element !== canvas.getRootElement();
  }

  function showForm(element) {
    // Clicking a name selects its label: edit the element the label belongs to.
    if (element && element.type === "label") element = element.labelTarget;
    selected = isEditable(element) ? element : null;
    removeButton.disabled = !selected;
    form.hidden = !selected;
    hint.hidden = Boolean(selected);
    if (!selected) return;
    const bo = selected.businessObject;
    document.getElementById("element-type").textContent = selected.type.replace("bpmn:", "");
    document.getElementById("element-id").textContent = selected.id;
    document.getElementById("element-name").value = bo.name || "";
    const human = isHumanTask(selected);
    document.getElementById("task-fields").hidden = !human;
    if (human) {
      const properties = propertiesOf(bo);
      setChoice("element-role", properties.role || "");
      setChoice("element-form-name", properties.form || "");
    }
    // A flow out of a gateway carries the condition that routes an outcome (e.g. a return).
    const conditional = isConditionalFlow(selected);
    document.getElementById("flow-fields").hidden = !conditional;
    if (conditional) {
      document.getElementById("element-condition").value =
        (bo.conditionExpression && bo.conditionExpression.body) || "";
      document.getElementById("element-default").checked = Boolean(
        selected.source.businessObject.default === bo
      );
    }
  }

  function isConditionalFlow(element) {
    return (
      element &&
      element.type === "bpmn:SequenceFlow" &&
      element.source &&
      /Gateway$/.test(element.source.type) &&
      element.source.type !== "bpmn:ParallelGateway"
    );
  }

  // Keep a value the list does not know (a form added later) rather than drop it silently.
  function setChoice(id, value) {
    const select = document.getElementById(id);
    if (value && !Array.from(select.options).some((option) => option.value === value)) {
      select.add(new Option(value, value));
    }
    select.value = value;
  }

  form.addEventListener("submit", (event) => {
    event.preventDefault();
    if (!selected) return;
    const changes = { name: document.getElementById("element-name").value.trim() || undefined };
    if (isHumanTask(selected)) {
      changes.extensionElements = withProperties(selected.businessObject, {
        role: document.getElementById("element-role").value,
        form: document.getElementById("element-form-name").value,
      });
    }
    if (isConditionalFlow(selected)) {
      const body = document.getElementById("element-condition").value.trim();
      const makeDefault = document.getElementById("element-default").checked;
      changes.conditionExpression = body && !makeDefault ? condition(body) : undefined;
      const gateway = selected.source;
      const isDefault = gateway.businessObject.default === selected.businessObject;
      if (makeDefault !== isDefault) {
        modeling.updateProperties(gateway, { default: makeDefault ? selected.businessObject : undefined });
      }
    }
    modeling.updateProperties(selected, changes);
    say(message("Edited", { id: selected.id }));
  });

  modeler.on("selection.changed", (event) => showForm(event.newSelection[0] || null));
  modeler.on("element.changed", (event) => {
    if (selected && event.element === selected) showForm(selected);
  });

  // ---- adding and removing a review step ----------------------------------------------------

  function condition(body) {
    return moddle.create("bpmn:FormalExpression", { body: body });
  }

  // Where the flow's existing review levels send a return (the shipped review: 置为已退回).
  function returnTarget(parent) {
    const flow = registry.find(
      (element) =>
        element.type === "bpmn:SequenceFlow" &&
        element.parent === parent &&
        element.businessObject.conditionExpression &&
        IS_RETURN.test(element.businessObject.conditionExpression.body || "")
    );
    return flow ? flow.target : null;
  }

  // Insert a review step on the selected sequence flow, with its outcome gateway: 通过 goes on
  // where the flow went, 退回 goes where the other levels' returns go. Without that gateway
  // a return at the new step would carry on like an approval.
  document.getElementById("insert-step").addEventListener("click", () => {
    if (!selected || selected.type !== "bpmn:SequenceFlow") {
      say(message("PickFlow"), "error");
      return;
    }
    const flow = selected;
    const source = flow.source;
    const target = flow.target;
    const start = flow.waypoints[0];
    const end = flow.waypoints[flow.waypoints.length - 1];
    const width = 100;
    const gateWidth = 50;
    const gap = 50;
    const back = returnTarget(source.parent);
    // Everything from the flow's end rightwards moves by one task, a gateway and their gaps.
    const split = Math.min(start.x, end.x) + 1;
    const moving = registry.filter(
      (element) =>
        !element.waypoints && element.type !== "label" && element.parent === source.parent &&
        element.x >= split - 1 && element !== source
    );
    const delta = { x: width + gateWidth + 2 * gap, y: 0 };
    if (moving.length) modeling.moveElements(moving, delta);
    const middle = source.y + source.height / 2;
    const step = elementFactory.createShape({ type: "bpmn:UserTask" });
    const position = { x: source.x + source.width + gap + width / 2, y: middle };
    const shape = modeling.createShape(step, position, source.parent);
    modeling.updateProperties(shape, {
      name: message("NewStep"),
      extensionElements: withProperties(shape.businessObject, { form: "review" }),
    });
    modeling.reconnectEnd(flow, shape, { x: shape.x, y: shape.y + shape.height / 2 });
    const gate = elementFactory.createShape({ type: "bpmn:ExclusiveGateway" });
    const gatePosition = { x: shape.x + shape.width + gap + gateWidth / 2, y: middle };
    const gateway = modeling.createShape(gate, gatePosition, source.parent);
    modeling.updateProperties(gateway, { name: message("StepOutcome") });
    modeling.connect(shape, gateway, { type: "bpmn:SequenceFlow" });
    const onward = modeling.connect(gateway, target, { type: "bpmn:SequenceFlow" });
    modeling.updateProperties(onward, { name: message("Approve") });
    modeling.updateProperties(gateway, { default: onward.businessObject });
    if (back) {
      const returned = modeling.connect(gateway, back, { type: "bpmn:SequenceFlow" });
      modeling.updateProperties(returned, {
        name: message("Return"),
        conditionExpression: condition(RETURN_CONDITION),
      });
      root.dataset.lastReturn = returned.id;
      say(message("StepAdded", { id: shape.id }));
    } else {
      // No level returns anywhere yet: the user draws the return and sets its condition.
      say(message("DrawReturn", { gateway: gateway.id, condition: RETURN_CONDITION }), "error");
    }
    root.dataset.lastGateway = gateway.id;
    selection.select(shape);
  });

  removeButton.addEventListener("click", () => {
    if (selected) modeling.removeElements([selected]);
    selection.select([]);
  });

  // ---- problems at their elements -------------------------------------------------------------

  function clearProblems() {
    overlays.remove({ type: "problem" });
    marked.forEach((id) => canvas.removeMarker(id, "has-problem"));
    marked = [];
    problemList.replaceChildren();
  }

  function showProblems(problems) {
    clearProblems();
    problemsEmpty.hidden = problems.length > 0;
    problemsEmpty.textContent = message("NoProblems");
    const byElement = {};
    problems.forEach((problem) => {
      const element = problem.element ? registry.get(problem.element) : null;
      const item = document.createElement("li");
      item.className = "problem";
      const where = document.createElement(element ? "button" : "strong");
      where.textContent = problem.element || message("WholeFile");
      if (element) {
        where.type = "button";
        where.className = "link";
        where.addEventListener("click", () => {
          selection.select(element);
          canvas.scrollToElement(element);
        });
      }
      item.append(where, document.createTextNode(" " + (problem.message || problem.reason)));
      if (element) item.dataset.element = problem.element;
      problemList.append(item);
      if (element) (byElement[problem.element] = byElement[problem.element] || []).push(problem);
    });
    Object.entries(byElement).forEach(([id, list]) => {
      const badge = document.createElement("div");
      badge.className = "problem-badge";
      badge.dataset.element = id;
      badge.title = list.map((problem) => problem.message || problem.reason).join("\n");
      badge.textContent = "!" + (list.length > 1 ? " " + list.length : "");
      overlays.add(id, "problem", { position: { top: -10, left: -10 }, html: badge });
      canvas.addMarker(id, "has-problem");
      marked.push(id);
    });
  }

  // ---- validate and deploy --------------------------------------------------------------------

  async function currentXml() {
    const result = await modeler.saveXML({ format: true });
    return result.xml;
  }

  async function send(url, body, headers) {
    const response = await fetch(url, {
      method: "POST",
      credentials: "same-origin",
      headers: Object.assign({ "X-CSRF-Token": csrfToken(), Accept: "application/json" }, headers),
      body: body,
    });
    let payload = null;
    try {
      payload = await response.json();
    } catch (error) {
      payload = null;
    }
    return { status: response.status, payload: payload };
  }

  document.getElementById("validate").addEventListener("click", async () => {
    busy(true);
    say(message("Validating"));
    try {
      const xml = await currentXml();
      const answer = await send(
        data.validateUrl,
        JSON.stringify({ files: [{ name: data.fileName, text: xml }] }),
        { "Content-Type": "application/json" }
      );
      if (answer.status !== 200 || !answer.payload) {
        say(message("Failed", { status: answer.status }), "error");
        return;
      }
      showProblems(answer.payload.problems);
      if (answer.payload.ok) say(message("Valid"), "ok");
      else say(message("Invalid", { count: answer.payload.problems.length }), "error");
    } finally {
      busy(false);
    }
  });

  document.getElementById("deploy").addEventListener("click", async () => {
    busy(true);
    say(message("Deploying"));
    try {
      const xml = await currentXml();
      const body = new FormData();
      body.append("files", new Blob([xml], { type: "application/xml" }), data.fileName);
      const answer = await send(data.deployUrl, body, {});
      const payload = answer.payload || {};
      if (answer.status === 201 && Array.isArray(payload) && payload.length) {
        const deployed = payload[0];
        showProblems([]);
        const key = deployed.changed ? "Deployed" : "Unchanged";
        say(message(key, { version: deployed.version, key: deployed.key }), "ok");
        root.dataset.deployedVersion = String(deployed.version);
        document.getElementById("shown-version").textContent = "v" + deployed.version;
        // Show the whole deployed flow, with nothing selected over it.
        selection.select([]);
        fitBesidePalette();
      } else if (answer.status === 422 && payload.errors && payload.errors.problems) {
        showProblems(payload.errors.problems);
        say(message("Rejected", { count: payload.errors.problems.length }), "error");
      } else {
        say(message("Failed", { status: answer.status }) + (payload.message ? ": " + payload.message : ""), "error");
      }
    } finally {
      busy(false);
    }
  });

  // ---- open the definition ------------------------------------------------------------------

  // Like zoom "fit-viewport", but leave the palette's strip on the left free (never enlarge).
  function fitBesidePalette() {
    const { inner, outer } = canvas.viewbox();
    if (!inner.width || !inner.height) return;
    const scale = Math.min(1, (outer.width - 140) / inner.width, (outer.height - 60) / inner.height);
    canvas.viewbox({
      x: inner.x - 110 / scale,
      y: inner.y - Math.max(30 / scale, (outer.height / scale - inner.height) / 2),
      width: outer.width / scale,
      height: outer.height / scale,
    });
  }

  async function open() {
    busy(true);
    say(message("Loading"));
    try {
      const response = await fetch(data.sourceUrl, { credentials: "same-origin" });
      if (!response.ok) throw new Error("HTTP " + response.status);
      await modeler.importXML(await response.text());
      fitBesidePalette();
      say("");
      root.dataset.ready = "true";
    } catch (error) {
      say(message("LoadFailed", { error: error.message }), "error");
    } finally {
      busy(false);
    }
  }

  open();
})();
