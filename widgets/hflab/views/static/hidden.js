// hflab HiddenStateView — ES module for anywidget (shipped in the package: no CDN, no build).
// Numbers arrive as float32 bytes; token text only ever goes through textContent.

const PANELS = [
  ["norms", "노름 · norms"],
  ["layer_cos", "층 유사도 · layer cosine"],
  ["token_cos", "토큰 유사도 · token cosine"],
  ["pca", "PCA 경로 · paths"],
  ["lens", "로짓 렌즈 · logit lens"],
];
const MAX_PATHS = 48; // PCA panel: at most this many token paths (evenly spaced) stay readable

function h(tag, attrs = {}, text) {
  const e = document.createElement(tag);
  for (const [k, v] of Object.entries(attrs)) {
    if (k === "class") e.className = v;
    else if (k.startsWith("data-") || k.startsWith("aria-") || k === "role") e.setAttribute(k, v);
    else e[k] = v;
  }
  if (text !== undefined) e.textContent = String(text);
  return e;
}

function s(tag, attrs = {}) {
  const e = document.createElementNS("http://www.w3.org/2000/svg", tag);
  for (const [k, v] of Object.entries(attrs)) e.setAttribute(k, String(v));
  return e;
}

function floats(value) {
  if (!value) return new Float32Array(0);
  const buf = value.buffer ? value.buffer.slice(value.byteOffset, value.byteOffset + value.byteLength) : value;
  return new Float32Array(buf);
}

function showError(wrap, err) {
  console.error("hflab HiddenStateView:", err);
  let box = wrap.querySelector(".hflab-error");
  if (!box) {
    box = h("div", { class: "hflab-error", "data-testid": "hflab-error", role: "alert" });
    wrap.prepend(box);
  }
  box.textContent = "HiddenStateView 오류 · error: " + ((err && err.message) || String(err));
}

// value in [0, 1] -> viridis-like ramp (dark purple -> teal -> yellow)
function ramp(u) {
  const stops = [[68, 1, 84], [59, 82, 139], [33, 145, 140], [94, 201, 98], [253, 231, 37]];
  const x = Math.max(0, Math.min(1, u)) * (stops.length - 1);
  const i = Math.min(stops.length - 2, Math.floor(x));
  const f = x - i;
  return stops[i].map((c, j) => Math.round(c + f * (stops[i + 1][j] - c)));
}

function heatmap(stage, rows, cols, valueAt, lo, hi, describe, say) {
  const canvas = h("canvas", { class: "hflab-heat", "data-testid": "hidden-canvas", width: cols, height: rows });
  const wide = Math.min(640, Math.max(200, cols * 12));
  canvas.style.width = `${wide}px`;
  canvas.style.height = `${Math.min(420, Math.max(120, rows * 12))}px`;
  const g = canvas.getContext("2d");
  const img = g.createImageData(cols, rows);
  for (let r = 0; r < rows; r++) {
    for (let c = 0; c < cols; c++) {
      const [R, G, B] = ramp((valueAt(r, c) - lo) / (hi - lo || 1));
      const i = 4 * (r * cols + c);
      img.data[i] = R; img.data[i + 1] = G; img.data[i + 2] = B; img.data[i + 3] = 255;
    }
  }
  g.putImageData(img, 0, 0);
  canvas.addEventListener("mousemove", (ev) => {
    const rect = canvas.getBoundingClientRect();
    const c = Math.min(cols - 1, Math.floor(((ev.clientX - rect.left) / rect.width) * cols));
    const r = Math.min(rows - 1, Math.floor(((ev.clientY - rect.top) / rect.height) * rows));
    say(describe(r, c));
  });
  stage.appendChild(canvas);
  stage.appendChild(h("div", { class: "hflab-scale" }, `색 · color: ${lo.toFixed(2)} (보라 · purple) … ${hi.toFixed(2)} (노랑 · yellow)`));
}

function drawPaths(stage, paths, L, N, tokens, layer, say) {
  const W = 560, H = 400, pad = 24;
  let x0 = Infinity, x1 = -Infinity, y0 = Infinity, y1 = -Infinity;
  for (let i = 0; i < paths.length; i += 2) {
    x0 = Math.min(x0, paths[i]); x1 = Math.max(x1, paths[i]);
    y0 = Math.min(y0, paths[i + 1]); y1 = Math.max(y1, paths[i + 1]);
  }
  const X = (v) => pad + ((v - x0) / (x1 - x0 || 1)) * (W - 2 * pad);
  const Y = (v) => H - pad - ((v - y0) / (y1 - y0 || 1)) * (H - 2 * pad);
  const svg = s("svg", { class: "hflab-paths", "data-testid": "hidden-svg", width: W, height: H });
  const step = Math.max(1, Math.ceil(N / MAX_PATHS));
  for (let t = 0; t < N; t += step) {
    const pts = [];
    for (let l = 0; l < L; l++) pts.push(`${X(paths[2 * (l * N + t)]).toFixed(1)},${Y(paths[2 * (l * N + t) + 1]).toFixed(1)}`);
    const line = s("polyline", { points: pts.join(" "), class: "hflab-path" });
    line.addEventListener("mouseenter", () => say(`토큰 · token ${t}: 「${tokens[t]}」`));
    svg.appendChild(line);
    const [px, py] = pts[Math.min(layer, L - 1)].split(",");
    const dot = s("circle", { cx: px, cy: py, r: 3.5, class: "hflab-dot" });
    const tip = s("title");
    tip.textContent = `${t}: ${tokens[t]} (layer ${layer})`;
    dot.appendChild(tip);
    svg.appendChild(dot);
    const label = s("text", { x: Number(px) + 5, y: Number(py) - 4, class: "hflab-dot-label" });
    label.textContent = tokens[t];
    svg.appendChild(label);
  }
  stage.appendChild(svg);
  if (step > 1) stage.appendChild(h("div", { class: "hflab-note" }, `${N}개 중 ${Math.ceil(N / step)}개 토큰 경로 · showing every ${step}th token`));
}

function drawLens(stage, lens, tokens) {
  const table = h("table", { class: "hflab-lens", "data-testid": "logit-lens" });
  const head = h("tr");
  head.appendChild(h("th", {}, "층 layer"));
  for (const p of lens.positions) head.appendChild(h("th", {}, `${p}: ${tokens[p]}`));
  table.appendChild(head);
  for (let l = lens.tokens.length - 1; l >= 0; l--) {
    const tr = h("tr");
    tr.appendChild(h("th", {}, l));
    lens.tokens[l].forEach((top, j) => {
      const prob = lens.probs[l][j][0];
      const td = h("td", {}, `${top[0]} ${(100 * prob).toFixed(0)}%`);
      td.title = top.map((t, i) => `${t}  ${(100 * lens.probs[l][j][i]).toFixed(1)}%`).join("\n");
      td.style.background = `rgba(37, 99, 235, ${Math.min(0.85, prob).toFixed(2)})`;
      if (prob > 0.5) td.style.color = "#fff";
      tr.appendChild(td);
    });
    table.appendChild(tr);
  }
  stage.appendChild(table);
}

function build(model, wrap) {
  const meta = model.get("meta") || {};
  const tokens = model.get("tokens") || [];
  const L = meta.layers, N = meta.tokens;
  wrap.appendChild(h("div", { class: "hflab-title" }, `${meta.model} · ${meta.kind} · ${meta.side} · ${L - 1} layers × ${N} tokens`));
  const bar = h("div", { class: "hflab-controls" });
  const tabs = PANELS.map(([p, label]) => {
    const b = h("button", { class: "hflab-tab", type: "button", "data-testid": `panel-${p}` }, label);
    b.addEventListener("click", () => { model.set("panel", p); model.save_changes(); });
    bar.appendChild(b);
    return [p, b];
  });
  const layerSel = h("select", { "data-testid": "layer-select", "aria-label": "layer" });
  for (let l = 0; l < L; l++) layerSel.appendChild(h("option", { value: l }, l === 0 ? "0 (임베딩 · embeddings)" : l));
  layerSel.addEventListener("change", () => { model.set("layer", Number(layerSel.value)); model.save_changes(); });
  bar.append(h("label", {}, " 층 layer "), layerSel);
  wrap.appendChild(bar);
  const stage = h("div", { class: "hflab-stage", "data-testid": "hidden-stage" });
  const status = h("div", { class: "hflab-status", "data-testid": "hidden-status" });
  wrap.append(stage, status);
  const say = (t) => { status.textContent = t; };

  let next = 1;
  const waiting = new Map();
  const onMsg = (msg, buffers) => {
    if (!msg || !waiting.has(msg.id)) return;
    const [ok, fail] = waiting.get(msg.id);
    waiting.delete(msg.id);
    if (msg.type === "error") fail(new Error(msg.message));
    else ok({ header: msg, bytes: new Uint8Array(buffers[0].buffer, buffers[0].byteOffset, buffers[0].byteLength) });
  };
  model.on("msg:custom", onMsg);
  const ask = (req) => new Promise((ok, fail) => { const id = next++; waiting.set(id, [ok, fail]); model.send({ ...req, id }); });

  let seq = 0;
  async function refresh() {
    const mine = ++seq;
    try {
      const panel = model.get("panel");
      const layer = model.get("layer");
      layerSel.value = String(layer);
      for (const [p, b] of tabs) b.classList.toggle("active", p === panel);
      let draw;
      if (panel === "norms") {
        const v = floats(model.get("norms_bytes"));
        let hi = 0;
        for (const x of v) hi = Math.max(hi, x);
        draw = () => heatmap(stage, L, N, (r, c) => v[r * N + c], 0, hi, (r, c) => `층 layer ${r}, ${c}:「${tokens[c]}」 노름 norm = ${v[r * N + c].toFixed(2)}`, say);
      } else if (panel === "layer_cos") {
        const v = floats(model.get("layer_cos_bytes"));
        let lo = 1;
        for (const x of v) lo = Math.min(lo, x);
        draw = () => heatmap(stage, L, L, (r, c) => v[r * L + c], Math.min(lo, 0.99), 1, (r, c) => `층 ${r} ↔ 층 ${c}: cos = ${v[r * L + c].toFixed(3)}`, say);
      } else if (panel === "token_cos") {
        status.textContent = "불러오는 중 · loading…";
        const { header, bytes } = await ask({ type: "token_cos", layer });
        const [n] = header.shape;
        const block = header.block || 1; // long inputs: each cell is the mean over blocks of tokens
        const label = (i) => (block === 1 ? `「${tokens[i]}」` : `tokens ${i * block}–${Math.min((i + 1) * block, header.tokens) - 1}`);
        draw = () => {
          heatmap(stage, n, n, (r, c) => bytes[r * n + c] / 127.5 - 1, -1, 1, (r, c) => `${label(r)} ↔ ${label(c)} (층 ${layer}): cos ≈ ${(bytes[r * n + c] / 127.5 - 1).toFixed(2)}`, say);
          if (meta.token_cos_note) stage.appendChild(h("div", { class: "hflab-note" }, meta.token_cos_note));
        };
      } else if (panel === "pca") {
        const v = floats(model.get("paths_bytes"));
        const [a, b] = meta.pca_ratio || [0, 0];
        draw = () => {
          drawPaths(stage, v, L, N, tokens, layer, say);
          stage.appendChild(h("div", { class: "hflab-note" }, `PC1 ${(100 * a).toFixed(1)}%, PC2 ${(100 * b).toFixed(1)}% 분산 · variance; 점 = 선택한 층 · dots = the chosen layer`));
        };
      } else {
        const lens = model.get("lens_data");
        draw = () => {
          if (!lens || !lens.tokens) stage.appendChild(h("div", { class: "hflab-note", "data-testid": "lens-note" }, meta.lens_note || "logit lens not available"));
          else drawLens(stage, lens, tokens);
        };
      }
      if (mine !== seq) return;
      stage.replaceChildren();
      draw();
      if (panel !== "token_cos" || status.textContent.startsWith("불러오는")) say("");
      wrap.dataset.rendered = `${panel}/${layer}`;
    } catch (err) {
      if (mine === seq) showError(wrap, err);
    }
  }
  model.on("change:panel", refresh);
  model.on("change:layer", refresh);
  refresh();
  return () => {
    model.off("change:panel", refresh);
    model.off("change:layer", refresh);
    model.off("msg:custom", onMsg);
  };
}

function render({ model, el }) {
  const wrap = h("div", { class: "hflab-hidden", "data-testid": "hflab-hidden" });
  el.appendChild(wrap);
  try {
    return build(model, wrap);
  } catch (err) {
    showError(wrap, err);
  }
}

export default { render };
