// The network map: sigma.js (WebGL) over a graphology graph, positions from the worker's snapshot.
// Without WebGL the same data, filters and search drive the table view instead.
(function () {
  "use strict";
  const urls = JSON.parse(document.getElementById("map-urls").textContent);
  const ROLES = JSON.parse(document.getElementById("map-roles").textContent);
  const COMMUNITY_COLOURS = [
    "#4e79a7", "#f28e2b", "#e15759", "#76b7b2", "#59a14f", "#edc948",
    "#b07aa1", "#ff9da7", "#9c755f", "#17becf", "#bcbd22", "#8c6d31",
  ];
  const ROLE_COLOURS = {
    gatekeeper: "#d62728",
    hub_and_spoke: "#ff7f0e",
    hub: "#e8a317",
    broker: "#7b4ea3",
    bridge_builder: "#1f77b4",
    peripheral: "#9aa5a0",
    isolate: "#c8cfcb",
  };
  const ROLE_ORDER = Object.keys(ROLE_COLOURS);
  const PLAIN_COLOUR = "#5d8a7c";
  const FADED = "#e3e8e6";
  const HIGHLIGHT_HELP = {
    "": "",
    hubs: "Members with many more contacts than most.",
    bridges: "Relationships in red: if one ended, part of the network would be cut off.",
    gatekeepers: "Members without whom part of the network would be cut off.",
    periphery: "Members held by one relationship or none.",
  };
  const TABLE_STEP = 100;
  // A tie's strength (1-5) in its shade: stronger ties are drawn darker.
  const TIE_COLOURS = ["#dbe2df", "#ccd5d1", "#bcc8c3", "#a9b8b2", "#94a69f"];
  // Above this many ties the map drops them while it moves and draws them again when it stops. Drawing
  // 20,000 ties costs a GPU nothing, but on a machine without one (software WebGL) a frame with them
  // takes ~80 ms and one without ~20 ms: benchmarks/map_bench.py, benchmarks/README.md.
  const LARGE_MAP_TIES = 5000;

  const $ = (id) => document.getElementById(id);
  const state = {
    data: null,
    byId: new Map(),
    communities: new Map(),
    tags: new Map(),
    bridges: new Set(),
    selected: null,
    neighbours: new Set(),
    colourBy: "community",
    sizeBy: "degree",
    highlight: "",
    filter: { role: "", community: "", tag: "" },
    tableRows: TABLE_STEP,
  };
  let graph = null;
  let renderer = null;

  function webglAvailable() {
    try {
      const canvas = document.createElement("canvas");
      return !!(window.WebGLRenderingContext && (canvas.getContext("webgl2") || canvas.getContext("webgl")));
    } catch (error) {
      return false;
    }
  }

  function escapeHtml(text) {
    const div = document.createElement("div");
    div.textContent = text == null ? "" : String(text);
    return div.innerHTML;
  }

  function formatShare(value) {
    if (!value) return "0%";
    return value < 0.01 ? "<1%" : Math.round(value * 100) + "%";
  }

  function mainRole(roles) {
    for (const role of ROLE_ORDER) if (roles.includes(role)) return role;
    return null;
  }

  function communityName(id) {
    if (id === null || id === undefined) return "";
    const c = state.communities.get(id);
    return (c && c.name) || "Community " + (id + 1);
  }

  function colourOf(node) {
    if (state.colourBy === "role") {
      const role = mainRole(node.roles);
      return role ? ROLE_COLOURS[role] : PLAIN_COLOUR;
    }
    if (node.community === null || node.community === undefined) return ROLE_COLOURS.isolate;
    return COMMUNITY_COLOURS[node.community % COMMUNITY_COLOURS.length];
  }

  function sizeOf(node, max) {
    const value = state.sizeBy === "betweenness" ? node.betweenness : node.degree;
    return 3 + 13 * Math.sqrt(max ? value / max : 0);
  }

  function pairKey(a, b) {
    return a < b ? a + "-" + b : b + "-" + a;
  }

  function matchesFilter(node) {
    const f = state.filter;
    if (f.role && !node.roles.includes(f.role)) return false;
    if (f.community !== "" && String(node.community) !== f.community) return false;
    if (f.tag && !node.tags.includes(Number(f.tag))) return false;
    return true;
  }

  function matchesHighlight(node) {
    switch (state.highlight) {
      case "hubs":
        return node.roles.includes("hub") || node.roles.includes("hub_and_spoke");
      case "gatekeepers":
        return node.roles.includes("gatekeeper");
      case "periphery":
        return node.roles.includes("peripheral") || node.roles.includes("isolate");
      case "bridges":
        return node.onBridge;
      default:
        return true;
    }
  }

  function visibleNodes() {
    return state.data.nodes.filter(matchesFilter);
  }

  // Drawing

  function nodeReducer(key, attrs) {
    const node = state.byId.get(Number(key));
    const out = { ...attrs };
    if (!matchesFilter(node)) {
      out.hidden = true;
      return out;
    }
    if (state.selected !== null) {
      if (node.id === state.selected) {
        out.highlighted = true;
        out.forceLabel = true;
        out.zIndex = 2;
      } else if (state.neighbours.has(node.id)) {
        out.forceLabel = true;
        out.zIndex = 1;
      } else {
        out.color = FADED;
        out.label = "";
      }
      return out;
    }
    if (state.highlight) {
      if (matchesHighlight(node)) {
        out.forceLabel = state.highlight !== "periphery";
        out.zIndex = 1;
      } else {
        out.color = FADED;
        out.label = "";
      }
    }
    return out;
  }

  function edgeReducer(key, attrs) {
    const out = { ...attrs };
    const [source, target] = graph.extremities(key).map(Number);
    if (state.selected !== null) {
      if (source === state.selected || target === state.selected) {
        out.color = "#4d6b62";
        out.type = "thick";
        out.size = 1.5;
      } else {
        out.hidden = true;
      }
      return out;
    }
    if (state.highlight === "bridges") {
      if (state.bridges.has(pairKey(source, target))) {
        out.color = "#c0392b";
        out.type = "thick";
        out.size = 3;
        out.zIndex = 1;
      } else {
        out.color = "#eef1f0";
      }
    } else if (state.highlight) {
      out.color = "#eef1f0";
    }
    return out;
  }

  function buildGraph() {
    graph.clear();
    const nodes = state.data.nodes;
    nodes.forEach((node, i) => {
      // A member the worker placed nowhere (added since) goes on a spiral at the edge.
      const angle = i * 2.399963;
      graph.addNode(String(node.id), {
        label: node.label,
        x: node.x ?? 1050 + 20 * Math.cos(angle) * Math.sqrt(i),
        y: node.y ?? 500 + 20 * Math.sin(angle) * Math.sqrt(i),
        size: sizeOf(node, state.max[state.sizeBy]),
        color: colourOf(node),
      });
    });
    for (const [a, b, weight] of state.data.edges) {
      graph.addUndirectedEdge(String(a), String(b), {
        color: TIE_COLOURS[Math.min(Math.max(weight, 1), 5) - 1],
      });
    }
  }

  function restyle() {
    if (!graph) return;
    const max = state.max[state.sizeBy];
    graph.updateEachNodeAttributes(
      (key, attrs) => {
        const node = state.byId.get(Number(key));
        attrs.color = colourOf(node);
        attrs.size = sizeOf(node, max);
        return attrs;
      },
      { attributes: ["color", "size"] },
    );
  }

  function refresh() {
    if (renderer) renderer.refresh();
    renderLegend();
    renderCount();
    if (!$("map-table-card").classList.contains("d-none")) renderTable();
  }

  // Side panel, search, selection

  function select(id, { focus = false } = {}) {
    const node = state.byId.get(id);
    if (!node) return;
    state.selected = id;
    state.neighbours = new Set();
    if (graph) graph.forEachNeighbor(String(id), (n) => state.neighbours.add(Number(n)));
    const panel = $("map-panel");
    panel.classList.remove("d-none");
    $("map-panel-body").innerHTML =
      '<h2 class="h5 mb-0">' + escapeHtml(node.label) + '</h2><div class="small text-body-secondary">Loading…</div>';
    fetch(urls.member.replace("/0/", "/" + id + "/"), { headers: { "HX-Request": "true" } })
      .then((response) => (response.ok ? response.text() : Promise.reject(response.status)))
      .then((html) => {
        if (state.selected === id) $("map-panel-body").innerHTML = html;
      })
      .catch(() => {
        $("map-panel-body").insertAdjacentHTML(
          "beforeend",
          '<p class="small text-danger">Could not load the details. Try again.</p>',
        );
      });
    if (renderer && focus) {
      const display = renderer.getNodeDisplayData(String(id));
      if (display) renderer.getCamera().animate({ x: display.x, y: display.y, ratio: 0.6 }, { duration: 500 });
    }
    refresh();
  }

  function deselect() {
    state.selected = null;
    state.neighbours = new Set();
    $("map-panel").classList.add("d-none");
    refresh();
  }

  function search(text) {
    const needle = text.trim().toLocaleLowerCase();
    const message = $("map-search-message");
    message.textContent = "";
    if (!needle) return;
    const nodes = state.data.nodes;
    const found =
      nodes.find((n) => n.label.toLocaleLowerCase() === needle) ||
      nodes.find((n) => n.label.toLocaleLowerCase().includes(needle));
    if (!found) {
      message.textContent = "Nobody called “" + text.trim() + "” in this view.";
      return;
    }
    if (!matchesFilter(found)) {
      state.filter = { role: "", community: "", tag: "" };
      ["filter-role", "filter-community", "filter-tag"].forEach((id) => ($(id).value = ""));
    }
    select(found.id, { focus: true });
  }

  // Legend, counts, table

  function renderLegend() {
    const legend = $("map-legend");
    let items = [];
    if (state.colourBy === "role") {
      items = ROLE_ORDER.map((role) => [ROLE_COLOURS[role], ROLES[role].label, ROLES[role].help]);
      items.push([PLAIN_COLOUR, "No particular role", ""]);
    } else {
      const sorted = [...state.communities.values()].sort((a, b) => b.size - a.size);
      items = sorted.slice(0, 12).map((c) => [
        COMMUNITY_COLOURS[c.id % COMMUNITY_COLOURS.length],
        (c.name || "Community " + (c.id + 1)) + " (" + c.size + ")",
        "",
      ]);
      if (sorted.length > 12) items.push(["#ffffff", "and " + (sorted.length - 12) + " smaller", ""]);
    }
    // Built as elements: the Content-Security-Policy refuses style attributes written as HTML.
    const heading = document.createElement("div");
    heading.className = "fw-semibold mb-1";
    heading.textContent = state.colourBy === "role" ? "Roles" : "Communities found in the network";
    legend.replaceChildren(
      heading,
      ...items.map(([colour, label, help]) => {
        const item = document.createElement("div");
        item.className = "legend-item";
        item.title = help;
        const dot = document.createElement("span");
        dot.className = "legend-dot";
        dot.style.background = colour;
        item.append(dot, label);
        return item;
      }),
    );
  }

  function renderCount() {
    const shown = visibleNodes();
    const total = state.data.nodes.length;
    let text = shown.length === total ? total + " members" : shown.length + " of " + total + " members";
    if (state.highlight) {
      const lit =
        state.highlight === "bridges"
          ? state.data.bridges.length + " bridge" + (state.data.bridges.length === 1 ? "" : "s")
          : shown.filter(matchesHighlight).length + " highlighted";
      text += " · " + lit;
    }
    $("map-count").textContent = text + " · " + state.data.edges.length + " relationships";
    $("map-highlight-help").textContent = HIGHLIGHT_HELP[state.highlight] || "";
  }

  function renderTable() {
    if (!state.data) return;
    const rows = visibleNodes()
      .filter((n) => !state.highlight || matchesHighlight(n))
      .sort((a, b) => b.degree - a.degree || a.label.localeCompare(b.label));
    const body = $("map-table").querySelector("tbody");
    body.innerHTML = rows
      .slice(0, state.tableRows)
      .map(
        (n) =>
          '<tr data-member="' + n.id + '"' + (n.id === state.selected ? ' class="table-active"' : "") + ">" +
          '<td><button type="button" class="btn btn-link p-0 text-start map-table-name" data-member="' + n.id + '">' +
          escapeHtml(n.label) + "</button></td>" +
          "<td>" + (n.kind === "organisation" ? "Organisation" : "Person") + "</td>" +
          "<td>" + escapeHtml(communityName(n.community)) + "</td>" +
          '<td class="text-end">' + n.degree + "</td>" +
          '<td class="text-end">' + formatShare(n.betweenness) + "</td>" +
          "<td>" + n.roles.map((r) => '<span class="badge role-badge role-' + r + '">' + escapeHtml(ROLES[r] ? ROLES[r].label : r) + "</span>").join(" ") + "</td></tr>",
      )
      .join("");
    $("map-table-count").textContent =
      "Showing " + Math.min(rows.length, state.tableRows) + " of " + rows.length + ", most connected first";
    $("map-table-more").classList.toggle("d-none", rows.length <= state.tableRows);
  }

  function showTable(show) {
    $("map-table-card").classList.toggle("d-none", !show);
    $("map-table-toggle").setAttribute("aria-pressed", String(show));
    $("map-table-toggle").classList.toggle("active", show);
    if (show) renderTable();
  }

  function fillFilters() {
    const fill = (select, options) => {
      const current = select.value;
      const first = select.options[0];
      select.innerHTML = "";
      select.appendChild(first);
      for (const [value, label] of options) select.add(new Option(label, value));
      select.value = options.some(([value]) => String(value) === current) ? current : "";
    };
    fill($("filter-role"), ROLE_ORDER.map((r) => [r, ROLES[r].label]));
    fill(
      $("filter-community"),
      [...state.communities.values()].map((c) => [String(c.id), (c.name || "Community " + (c.id + 1)) + " (" + c.size + ")"]),
    );
    fill($("filter-tag"), [...state.tags.values()].map((t) => [String(t.id), t.name]));
    state.filter = { role: $("filter-role").value, community: $("filter-community").value, tag: $("filter-tag").value };
    const names = $("map-names");
    names.innerHTML = "";
    state.data.nodes.forEach((n) => names.appendChild(new Option(n.label)));
  }

  // Loading

  function load(view) {
    $("map-loading").classList.remove("d-none");
    return fetch(urls.data + "?view=" + encodeURIComponent(view))
      .then((response) => response.json())
      .then((data) => {
        state.data = data;
        state.byId = new Map(data.nodes.map((n) => [n.id, n]));
        state.communities = new Map((data.communities || []).map((c) => [c.id, c]));
        state.tags = new Map((data.tags || []).map((t) => [t.id, t]));
        state.bridges = new Set(data.bridges.map(([a, b]) => pairKey(a, b)));
        const onBridge = new Set(data.bridges.flat());
        data.nodes.forEach((n) => (n.onBridge = onBridge.has(n.id)));
        state.selected = null;
        $("map-panel").classList.add("d-none");
        // A loop, not Math.max(...array): spreading 100,000+ values overflows the call stack.
        state.max = data.nodes.reduce(
          (max, n) => ({
            degree: Math.max(max.degree, n.degree),
            betweenness: Math.max(max.betweenness, n.betweenness),
          }),
          { degree: 1, betweenness: 0 },
        );
        fillFilters();
        if (graph) {
          buildGraph();
          // After the graph is rebuilt: changing a setting redraws at once, with the reducers.
          renderer.setSetting("hideEdgesOnMove", data.edges.length > LARGE_MAP_TIES);
          renderer.getCamera().animatedReset({ duration: 300 });
        }
        refresh();
        $("map-loading").classList.add("d-none");
        document.body.dataset.mapView = view;
      });
  }

  function startRenderer() {
    if (!webglAvailable() || typeof Sigma === "undefined" || typeof graphology === "undefined") return false;
    graph = new graphology.Graph({ type: "undirected" });
    try {
      renderer = new Sigma(graph, $("map-canvas"), {
        nodeReducer,
        edgeReducer,
        zIndex: true,
        labelRenderedSizeThreshold: 9,
        labelFont: "system-ui, sans-serif",
        labelSize: 12,
        defaultEdgeColor: TIE_COLOURS[1],
        // Programs drawn without instancing (one point per member, a 1-pixel line per tie). sigma's
        // default circles and rectangles are instanced, which software WebGL (SwiftShader, on machines
        // without a GPU) draws many times slower: at 5,000 members 2 fps, against 13 fps with points and
        // lines, 47 fps with the ties hidden while moving. Highlighted ties (bridges, the selected
        // member's) are few and keep sigma's thick rectangles.
        defaultNodeType: "point",
        nodeProgramClasses: { point: Sigma.rendering.NodePointProgram },
        defaultEdgeType: "line",
        edgeProgramClasses: { line: Sigma.rendering.EdgeLineProgram, thick: Sigma.rendering.EdgeRectangleProgram },
      });
    } catch (error) {
      graph = null;
      renderer = null;
      return false;
    }
    renderer.on("clickNode", ({ node }) => select(Number(node)));
    renderer.on("clickStage", () => deselect());
    renderer.on("enterNode", () => ($("map-canvas").style.cursor = "pointer"));
    renderer.on("leaveNode", () => ($("map-canvas").style.cursor = ""));
    return true;
  }

  function withoutWebgl() {
    $("map-wrap").classList.add("no-webgl");
    $("map-canvas").classList.add("d-none");
    $("map-no-webgl").classList.remove("d-none");
    $("map-refine").disabled = true;
    $("map-refine").title = "Needs WebGL";
    showTable(true);
  }

  let layout = null;
  function refine() {
    if (!graph || layout || typeof graphologyLibrary === "undefined") return;
    const button = $("map-refine");
    const settings = graphologyLibrary.layoutForceAtlas2.inferSettings(graph);
    layout = new graphologyLibrary.FA2Layout(graph, { settings: { ...settings, barnesHutOptimize: graph.order > 1000 } });
    button.disabled = true;
    button.innerHTML = '<span class="spinner-border spinner-border-sm" aria-hidden="true"></span> Refining…';
    layout.start();
    setTimeout(() => {
      layout.kill();
      layout = null;
      button.disabled = false;
      button.innerHTML = '<i class="bi bi-magic"></i> Refine layout';
    }, 4000);
  }

  // Wiring

  const hasRenderer = startRenderer();
  if (!hasRenderer) withoutWebgl();
  // For the browser tests and for poking at the map from the console.
  window.weaverMap = { state, graph, renderer, select };

  document.querySelectorAll('input[name="map-view"]').forEach((radio) =>
    radio.addEventListener("change", () => radio.checked && load(radio.value)),
  );
  $("map-colour").addEventListener("change", (e) => {
    state.colourBy = e.target.value;
    restyle();
    refresh();
  });
  $("map-size").addEventListener("change", (e) => {
    state.sizeBy = e.target.value;
    restyle();
    refresh();
  });
  document.querySelectorAll('input[name="highlight"]').forEach((radio) =>
    radio.addEventListener("change", () => {
      if (!radio.checked) return;
      state.highlight = radio.value;
      state.selected = null;
      $("map-panel").classList.add("d-none");
      if (renderer) renderer.getCamera().animatedReset({ duration: 300 });
      refresh();
    }),
  );
  ["role", "community", "tag"].forEach((name) =>
    $("filter-" + name).addEventListener("change", (e) => {
      state.filter[name] = e.target.value;
      state.tableRows = TABLE_STEP;
      if (state.selected !== null && !matchesFilter(state.byId.get(state.selected))) {
        state.selected = null;
        $("map-panel").classList.add("d-none");
      }
      if (renderer) renderer.getCamera().animatedReset({ duration: 300 });
      refresh();
    }),
  );
  $("map-search").addEventListener("submit", (e) => {
    e.preventDefault();
    search($("map-search-input").value);
  });
  $("map-panel-close").addEventListener("click", deselect);
  $("map-refine").addEventListener("click", refine);
  $("map-table-toggle").addEventListener("click", () =>
    showTable($("map-table-card").classList.contains("d-none")),
  );
  $("map-table-more").addEventListener("click", () => {
    state.tableRows += TABLE_STEP;
    renderTable();
  });
  $("map-table").addEventListener("click", (e) => {
    const button = e.target.closest(".map-table-name");
    if (button) select(Number(button.dataset.member), { focus: true });
  });

  const focus = Number(new URLSearchParams(window.location.search).get("focus"));
  load("all").then(() => {
    if (focus && state.byId.has(focus)) select(focus, { focus: true });
  });
})();
