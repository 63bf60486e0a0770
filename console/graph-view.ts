// Draws a graph model as SVG, laid out left to right by dagre; a poll that changes only states recolours without a new layout.
import dagre from "@dagrejs/dagre";
import type { GraphModel, GraphNode } from "./model/graph-model";
import { shapeKey } from "./model/graph-model";

const SVG = "http://www.w3.org/2000/svg";
const NODE_HEIGHT = 46;
const CHAR_WIDTH = 7.4;

function svg<K extends keyof SVGElementTagNameMap>(
  tag: K,
  attributes: Record<string, string | number> = {},
): SVGElementTagNameMap[K] {
  const element = document.createElementNS(SVG, tag);
  for (const [name, value] of Object.entries(attributes)) element.setAttribute(name, String(value));
  return element;
}

/** The node's second line: its type, or for a batch its workers per state. */
function subtitle(node: GraphNode): string {
  if (node.kind === "step") return node.state === "not_created" ? `${node.type} · not created` : `${node.type} · ${node.state}`;
  const total = node.total;
  if (total === 0) return "batch workers · not created";
  const parts = Object.entries(node.counts).map(([state, count]) => `${count} ${state}`);
  return `${total} workers: ${parts.join(", ")}`;
}

function widthOf(node: GraphNode): number {
  return Math.max(
    140,
    Math.ceil(Math.max(node.name.length * (CHAR_WIDTH + 0.8), subtitle(node).length * CHAR_WIDTH * 0.85)) + 28,
  );
}

export interface GraphView {
  /** Draws (or, when only states changed, recolours) the model. */
  update(model: GraphModel): void;
}

/** A graph view inside `host`; `onSelect` gets the clicked node. */
export function createGraphView(host: HTMLElement, onSelect: (node: GraphNode) => void): GraphView {
  let drawnShape = "";
  const drawn = new Map<string, { group: SVGGElement; sub: SVGTextElement }>();
  let current: GraphModel = { nodes: [], edges: [] };

  function layout(model: GraphModel): void {
    const graph = new dagre.graphlib.Graph();
    graph.setGraph({ rankdir: "LR", nodesep: 18, ranksep: 56, marginx: 12, marginy: 12 });
    graph.setDefaultEdgeLabel(() => ({}));
    for (const node of model.nodes)
      graph.setNode(node.id, { width: widthOf(node), height: node.kind === "batch" ? NODE_HEIGHT + 10 : NODE_HEIGHT });
    for (const edge of model.edges) graph.setEdge(edge.from, edge.to);
    dagre.layout(graph);

    const { width = 0, height = 0 } = graph.graph();
    const root = svg("svg", { viewBox: `0 0 ${width} ${height}`, width, height, class: "graph", role: "img" });
    const defs = svg("defs");
    const marker = svg("marker", {
      id: "arrow",
      viewBox: "0 0 10 10",
      refX: 9,
      refY: 5,
      markerWidth: 7,
      markerHeight: 7,
      orient: "auto",
    });
    marker.append(svg("path", { d: "M0,0 L10,5 L0,10 z", class: "arrow-head" }));
    defs.append(marker);
    root.append(defs);

    for (const edge of model.edges) {
      const points: { x: number; y: number }[] = graph.edge(edge.from, edge.to)?.points ?? [];
      const d = points.map((point, index) => `${index === 0 ? "M" : "L"}${point.x.toFixed(1)},${point.y.toFixed(1)}`).join(" ");
      root.append(svg("path", { d, class: "edge", "marker-end": "url(#arrow)" }));
    }
    drawn.clear();
    for (const node of model.nodes) {
      const box = graph.node(node.id);
      const group = svg("g", {
        class: `node kind-${node.kind}`,
        transform: `translate(${(box.x - box.width / 2).toFixed(1)},${(box.y - box.height / 2).toFixed(1)})`,
        tabindex: 0,
        role: "button",
        "data-node": node.name,
        "data-kind": node.kind,
      });
      group.append(svg("rect", { width: box.width, height: box.height, rx: 7, class: "box" }));
      if (node.kind === "batch")
        group.append(svg("rect", { x: 4, y: 4, width: box.width - 8, height: box.height - 8, rx: 5, class: "stack" }));
      const title = svg("text", { x: 12, y: 19, class: "title" });
      title.textContent = node.name;
      const sub = svg("text", { x: 12, y: 36, class: "sub" });
      group.append(title, sub);
      group.addEventListener("click", () => {
        const latest = current.nodes.find((candidate) => candidate.id === node.id);
        if (latest) onSelect(latest);
      });
      group.addEventListener("keydown", (event) => {
        if (event.key === "Enter") group.dispatchEvent(new MouseEvent("click"));
      });
      drawn.set(node.id, { group, sub });
      root.append(group);
    }
    host.replaceChildren(root);
  }

  return {
    update(model) {
      current = model;
      const shape = shapeKey(model);
      if (shape !== drawnShape) {
        layout(model);
        drawnShape = shape;
      }
      for (const node of model.nodes) {
        const entry = drawn.get(node.id);
        if (!entry) continue;
        entry.group.setAttribute("data-state", node.state);
        entry.group.setAttribute("class", `node kind-${node.kind} state-${node.state}`);
        entry.sub.textContent = subtitle(node);
      }
    },
  };
}
