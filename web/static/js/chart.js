// The criteria chart: inline SVG, no library.
//
// One column per criterion. A column's width is the criterion's weight in the overall score and
// its height the score out of 5, so the shaded share of the whole frame is the overall score
// out of 100 (overall = 20 x the weighted mean). A dashed line marks 3, "adequate".

const SVG_NS = "http://www.w3.org/2000/svg";
const MAX_SCORE = 5;
const ADEQUATE = 3;

function svg(tag, attributes = {}, ...children) {
  const node = document.createElementNS(SVG_NS, tag);
  for (const [name, value] of Object.entries(attributes)) node.setAttribute(name, String(value));
  for (const child of children.flat(Infinity)) {
    if (child !== null && child !== undefined) node.append(child);
  }
  return node;
}

let chartCount = 0;

/**
 * @param {Record<string, number>} scores criterion id -> score (1-5); missing: no evidence
 * @param {{id: string, label: string, weight: number}[]} criteria from /ui/api/scale
 */
export function criteriaChart(scores, criteria, { width = 640, height = 270 } = {}) {
  const id = `chart-${++chartCount}`;
  const margin = { top: 26, right: 6, bottom: 58, left: 30 };
  const plotWidth = width - margin.left - margin.right;
  const plotHeight = height - margin.top - margin.bottom;
  const gap = 4;
  const totalWeight = criteria.reduce((sum, c) => sum + c.weight, 0) || 1;
  const y = (score) => margin.top + plotHeight * (1 - score / MAX_SCORE);

  const axis = [];
  for (let tick = 1; tick <= MAX_SCORE; tick++) {
    axis.push(
      svg("line", {
        x1: margin.left, x2: width - margin.right, y1: y(tick), y2: y(tick),
        class: tick === ADEQUATE ? "grid adequate" : "grid",
        stroke: tick === ADEQUATE ? "#9aa3b2" : "#e6e9ef",
        "stroke-dasharray": tick === ADEQUATE ? "5 4" : "none",
      }),
      svg("text", { x: margin.left - 8, y: y(tick) + 4, "text-anchor": "end", "font-size": 11, fill: "#5b6474" }, String(tick)),
    );
  }

  const columns = [];
  let x = margin.left;
  for (const criterion of criteria) {
    const columnWidth = (plotWidth * criterion.weight) / totalWeight;
    const inner = Math.max(columnWidth - gap, 1);
    const score = scores?.[criterion.id];
    const has = typeof score === "number" && Number.isFinite(score);
    const centre = x + inner / 2;
    columns.push(
      svg("rect", { x, y: margin.top, width: inner, height: plotHeight, fill: "#f5f6f9", stroke: "#dfe3ea" }),
      has
        ? svg("rect", {
            x, y: y(score), width: inner, height: margin.top + plotHeight - y(score),
            fill: score >= ADEQUATE ? "#3d4fd8" : "#c2410c", "fill-opacity": 0.85,
            "data-criterion": criterion.id,
          })
        : svg("text", { x: centre, y: margin.top + plotHeight / 2, "text-anchor": "middle", "font-size": 11, fill: "#5b6474" }, "no evidence"),
      has
        ? svg("text", { x: centre, y: y(score) - 6, "text-anchor": "middle", "font-size": 13, "font-weight": 700, fill: "#1d2330" }, score.toFixed(1))
        : null,
      svg("text", { x: centre, y: height - margin.bottom + 18, "text-anchor": "middle", "font-size": 11.5, "font-weight": 600, fill: "#1d2330" }, shortLabel(criterion.label, inner)),
      svg("text", { x: centre, y: height - margin.bottom + 34, "text-anchor": "middle", "font-size": 11, fill: "#5b6474" }, `weight ${Math.round(criterion.weight * 100)}%`),
    );
    x += columnWidth;
  }

  const described = criteria
    .map((c) => `${c.label} (weight ${Math.round(c.weight * 100)}%): ${scores?.[c.id]?.toFixed?.(1) ?? "no evidence"} of 5`)
    .join("; ");
  return svg(
    "svg",
    { viewBox: `0 0 ${width} ${height}`, role: "img", "aria-labelledby": `${id}-title ${id}-desc`, class: "criteria-chart" },
    svg("title", { id: `${id}-title` }, "Criterion scores against their weights"),
    svg("desc", { id: `${id}-desc` }, described),
    axis,
    columns,
    svg("text", { x: margin.left, y: 14, "font-size": 11, fill: "#5b6474" }, "score out of 5 · dashed line: 3, adequate"),
  );
}

function shortLabel(text, width) {
  // About 6.3 px a character at 11.5 px: shorten rather than overlap the next column.
  const fits = Math.floor(width / 6.3);
  return text.length <= fits ? text : `${text.slice(0, Math.max(fits - 1, 3))}…`;
}
