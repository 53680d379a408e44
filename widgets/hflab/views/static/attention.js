// hflab AttentionView — the ES module anywidget loads (shipped in the package: no CDN, no build).
// Python sends small state (tokens, statistics); attention weights arrive one head at a time as
// uint8 bytes (value = byte / 255 * scale). Token text only ever goes through textContent.

const VIEWS = [
  ["head", "헤드 뷰 · lines"],
  ["matrix", "행렬 · heatmap"],
  ["grid", "전체 · all heads"],
  ["rollout", "롤아웃 · rollout"],
];
const KIND_LABEL = { encoder: "인코더 · encoder", decoder: "디코더 · decoder", cross: "교차 · cross" };
const WINDOW = 64; // tokens per column in the head view; longer inputs scroll with a slider
const MAX_LINES = 3000; // the head view draws the strongest lines only
const CACHE = 24; // answers kept in the browser (a 2048-token head is 4 MB)
const CACHE_MAX_BYTES = 16 << 20; // larger answers (an 8192-token head is 67 MB) are not kept

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

function asBytes(buf) {
  if (buf instanceof Uint8Array) return buf;
  if (buf instanceof ArrayBuffer) return new Uint8Array(buf);
  return new Uint8Array(buf.buffer, buf.byteOffset, buf.byteLength);
}

function fromBase64(b64) {
  const bin = atob(b64);
  const out = new Uint8Array(bin.length);
  for (let i = 0; i < bin.length; i++) out[i] = bin.charCodeAt(i);
  return out;
}

// The name of one answer (attention_protocol.request_key builds the same string in Python):
// "head/encoder/2/5", "thumbs/encoder", "rollout/decoder/3".
const REQUEST_FIELDS = { head: ["kind", "layer", "head"], thumbs: ["kind"], rollout: ["kind", "layer"] };
export function requestKey(req) {
  return [req.type, ...(REQUEST_FIELDS[req.type] || []).map((f) => String(req[f]))].join("/");
}

// Requests to Python (model.send) answered by a custom message carrying one buffer.
function makeClient(model) {
  let next = 1;
  const waiting = new Map();
  const cache = new Map();
  const onMsg = (msg, buffers) => {
    if (!msg || msg.id == null || !waiting.has(msg.id)) return;
    const { resolve, reject } = waiting.get(msg.id);
    waiting.delete(msg.id);
    if (msg.type === "error") reject(new Error(msg.message));
    else resolve({ header: msg, bytes: asBytes(buffers[0]) });
  };
  model.on("msg:custom", onMsg);
  function request(req) {
    const key = requestKey(req);
    if (cache.has(key)) return cache.get(key);
    const promise = new Promise((resolve, reject) => {
      const id = next++;
      waiting.set(id, { resolve, reject });
      model.send({ ...req, id });
      setTimeout(() => {
        if (waiting.has(id)) {
          waiting.delete(id);
          reject(new Error("커널 응답 없음 · no answer from the kernel in 120 s (is it running?)"));
        }
      }, 120000);
    });
    promise.then(({ bytes }) => { if (bytes.length > CACHE_MAX_BYTES) cache.delete(key); }, () => cache.delete(key));
    cache.set(key, promise);
    if (cache.size > CACHE) cache.delete(cache.keys().next().value);
    return promise;
  }
  return { request, dispose: () => model.off("msg:custom", onMsg) };
}

// A model for the standalone page (save_html): state and answers come from the inlined data.
export function staticModel(data) {
  const state = { ...data.state };
  const listeners = new Map();
  const fire = (ev, ...args) => (listeners.get(ev) || []).slice().forEach((f) => f(...args));
  function answer(msg) {
    const entry = data.answers[requestKey(msg)];
    if (!entry) {
      return [{ type: "error", id: msg.id, message: "이 페이지에 저장되지 않은 데이터 · not saved in this page (open the notebook)" }, []];
    }
    const { b64, ...header } = entry;
    return [{ ...header, id: msg.id }, [fromBase64(b64)]];
  }
  return {
    get: (k) => state[k],
    set: (k, v) => {
      state[k] = v;
      fire(`change:${k}`);
    },
    save_changes() {},
    on(ev, f) {
      if (!listeners.has(ev)) listeners.set(ev, []);
      listeners.get(ev).push(f);
    },
    off(ev, f) {
      listeners.set(ev, (listeners.get(ev) || []).filter((g) => g !== f));
    },
    send(msg) {
      setTimeout(() => fire("msg:custom", ...answer(msg)), 0);
    },
  };
}

function showError(wrap, err) {
  console.error("hflab AttentionView:", err);
  let box = wrap.querySelector(".hflab-error");
  if (!box) {
    box = h("div", { class: "hflab-error", "data-testid": "hflab-error", role: "alert" });
    wrap.prepend(box);
  }
  box.textContent = "AttentionView 오류 · error: " + ((err && err.message) || String(err));
}

function blues(u) {
  // white -> dark blue (matplotlib "Blues" ends)
  return [255 - u * 247, 255 - u * 207, 255 - u * 148];
}

// byte -> r, g, b for all 256 values (dimmed: rows outside the focused token)
function colorTable(dimmed) {
  const t = new Uint8ClampedArray(256 * 3);
  for (let b = 0; b < 256; b++) {
    const c = blues(b / 255);
    for (let j = 0; j < 3; j++) t[3 * b + j] = dimmed ? (c[j] + 510) / 3 : c[j];
  }
  return t;
}

// ---- the four drawings --------------------------------------------------------------------
function drawMatrix(stage, bytes, header, ctx) {
  const [nq, nk] = header.shape;
  const canvas = h("canvas", { class: "hflab-matrix", "data-testid": "attention-canvas", width: nk, height: nq });
  const side = Math.min(520, Math.max(180, 8 * Math.max(nq, nk)));
  canvas.style.width = `${nq >= nk ? Math.round((side * nk) / nq) : side}px`;
  canvas.style.height = `${nq >= nk ? side : Math.round((side * nq) / nk)}px`;
  const g = canvas.getContext("2d");
  const img = g.createImageData(nk, nq);
  const cut = header.scale > 0 ? (ctx.threshold / header.scale) * 255 : 256;
  const lut = colorTable(false), dim = colorTable(true);
  const px = img.data;
  for (let q = 0; q < nq; q++) {
    const table = ctx.focus >= 0 && q !== ctx.focus ? dim : lut;
    for (let k = 0, i = q * nk; k < nk; k++, i++) {
      const b = bytes[i] >= cut ? bytes[i] : 0;
      px[4 * i] = table[3 * b]; px[4 * i + 1] = table[3 * b + 1]; px[4 * i + 2] = table[3 * b + 2]; px[4 * i + 3] = 255;
    }
  }
  g.putImageData(img, 0, 0);
  const cell = (ev) => {
    const rect = canvas.getBoundingClientRect();
    const k = Math.min(nk - 1, Math.floor(((ev.clientX - rect.left) / rect.width) * nk));
    const q = Math.min(nq - 1, Math.floor(((ev.clientY - rect.top) / rect.height) * nq));
    return [q, k];
  };
  canvas.addEventListener("mousemove", (ev) => {
    const [q, k] = cell(ev);
    const w = (bytes[q * nk + k] / 255) * header.scale;
    ctx.say(`${q}:「${ctx.queries[q]}」 → ${k}:「${ctx.keys[k]}」 = ${w.toFixed(4)}`);
  });
  canvas.addEventListener("click", (ev) => ctx.setFocus(cell(ev)[0]));
  stage.appendChild(canvas);
}

function tokenColumn(svg, labels, start, count, x, anchor, special, cls, onPick, rowH) {
  for (let i = 0; i < count; i++) {
    const idx = start + i;
    const t = s("text", { x, y: 14 + i * rowH, "text-anchor": anchor, class: `hflab-token ${cls}`, "data-index": idx });
    t.textContent = labels[idx];
    if (special[idx]) t.classList.add("special");
    t.addEventListener("mouseenter", () => onPick(idx, false));
    t.addEventListener("mouseleave", () => onPick(-1, false));
    t.addEventListener("click", () => onPick(idx, true));
    svg.appendChild(t);
  }
}

function drawHeadView(stage, bytes, header, ctx) {
  const [nq, nk] = header.shape;
  const win = Math.min(WINDOW, Math.max(nq, nk));
  const qs = Math.max(0, Math.min(ctx.start, nq - win));
  const ks = Math.max(0, Math.min(ctx.start, nk - win));
  const qn = Math.min(win, nq), kn = Math.min(win, nk);
  if (Math.max(nq, nk) > WINDOW) {
    const row = h("label", { class: "hflab-window" }, `토큰 창 · tokens ${qs}–${qs + qn - 1} / ${nq} `);
    const slider = h("input", { type: "range", min: 0, max: Math.max(nq, nk) - win, value: ctx.start, "data-testid": "window-slider" });
    slider.addEventListener("input", () => ctx.setStart(Number(slider.value)));
    row.appendChild(slider);
    stage.appendChild(row);
  }
  const rowH = 18;
  const width = 560;
  const svg = s("svg", { class: "hflab-headview", "data-testid": "attention-svg", width, height: 20 + rowH * Math.max(qn, kn) });
  const lines = s("g", { class: "hflab-lines" });
  svg.appendChild(lines);
  const draw = (only) => {
    lines.replaceChildren();
    const cut = header.scale > 0 ? Math.max(1, (ctx.threshold / header.scale) * 255) : 256;
    const picked = [];
    for (let i = 0; i < qn; i++) {
      const q = qs + i;
      if (only >= 0 && q !== only) continue;
      for (let j = 0; j < kn; j++) {
        const b = bytes[q * nk + ks + j];
        if (b >= cut) picked.push([b, i, j]);
      }
    }
    picked.sort((a, b) => b[0] - a[0]);
    for (const [b, i, j] of picked.slice(0, MAX_LINES)) {
      lines.appendChild(s("line", { x1: 205, y1: 10 + i * rowH, x2: 355, y2: 10 + j * rowH, "stroke-opacity": (b / 255).toFixed(3), class: "hflab-line" }));
    }
    ctx.say(`${picked.length > MAX_LINES ? `가장 강한 ${MAX_LINES}개 · strongest ${MAX_LINES} of ${picked.length}` : `${picked.length}`} 선 · lines`);
  };
  const onPick = (idx, clicked) => {
    if (clicked) ctx.setFocus(ctx.focus === idx ? -1 : idx);
    else draw(idx >= 0 ? idx : ctx.focus);
  };
  tokenColumn(svg, ctx.queries, qs, qn, 200, "end", ctx.qSpecial, "query", onPick, rowH);
  tokenColumn(svg, ctx.keys, ks, kn, 360, "start", ctx.kSpecial, "key", () => {}, rowH);
  if (ctx.focus >= 0) svg.querySelectorAll(`text.query[data-index="${ctx.focus}"]`).forEach((t) => t.classList.add("focus"));
  draw(ctx.focus);
  stage.appendChild(svg);
}

function drawGrid(stage, bytes, header, ctx) {
  const [L, H, tq, tk] = header.shape;
  const grid = h("div", { class: "hflab-grid", "data-testid": "attention-grid" });
  grid.style.gridTemplateColumns = `3.2em repeat(${H}, 46px)`;
  grid.appendChild(h("span", { class: "hflab-grid-corner" }, "층/헤드"));
  for (let hd = 0; hd < H; hd++) grid.appendChild(h("span", { class: "hflab-grid-head" }, hd));
  const st = ctx.stats;
  const lut = colorTable(false);
  for (let l = 0; l < L; l++) {
    grid.appendChild(h("span", { class: "hflab-grid-layer" }, l));
    for (let hd = 0; hd < H; hd++) {
      const c = h("canvas", { width: tk, height: tq, class: "hflab-thumb", "data-testid": `thumb-${l}-${hd}` });
      if (l === ctx.layer && hd === ctx.head) c.classList.add("current");
      const g = c.getContext("2d");
      const img = g.createImageData(tk, tq);
      const off = (l * H + hd) * tq * tk;
      for (let i = 0; i < tq * tk; i++) {
        const b = bytes[off + i];
        img.data[4 * i] = lut[3 * b]; img.data[4 * i + 1] = lut[3 * b + 1]; img.data[4 * i + 2] = lut[3 * b + 2]; img.data[4 * i + 3] = 255;
      }
      g.putImageData(img, 0, 0);
      if (st) c.title = `layer ${l} head ${hd}\nentropy ${st.entropy[l][hd]}\ndistance ${st.distance[l][hd]}\nspecial ${(100 * st.special[l][hd]).toFixed(1)}%`;
      c.addEventListener("click", () => ctx.pick(l, hd, "matrix"));
      grid.appendChild(c);
    }
  }
  stage.appendChild(grid);
  ctx.say(`${L}×${H} 헤드, 각 ${tq}×${tk}로 축소 · every head, downsampled; click one to open it`);
}

function statsTable(box, ctx) {
  box.replaceChildren();
  const st = ctx.stats;
  if (!st) return;
  const table = h("table", { class: "hflab-stats" });
  const head = h("tr");
  for (const t of ["헤드 head", "엔트로피 entropy", "평균 거리 mean distance", "특수 토큰 special"]) head.appendChild(h("th", {}, t));
  table.appendChild(head);
  const H = st.entropy[ctx.layer].length;
  for (let hd = 0; hd < H; hd++) {
    const tr = h("tr", { "data-testid": `stats-row-${hd}` });
    if (hd === ctx.head) tr.classList.add("current");
    const cells = [hd, st.entropy[ctx.layer][hd].toFixed(2), st.distance[ctx.layer][hd].toFixed(1), `${(100 * st.special[ctx.layer][hd]).toFixed(1)}%`];
    for (const c of cells) tr.appendChild(h("td", {}, c));
    tr.addEventListener("click", () => ctx.pick(ctx.layer, hd, null));
    table.appendChild(tr);
  }
  const note = st.rows < st.of_rows ? ` (${st.of_rows}개 중 ${st.rows}개 query 행 표본 · sampled rows)` : "";
  box.appendChild(h("div", { class: "hflab-stats-title" }, `층 ${ctx.layer} 헤드별 통계 · per-head statistics${note}`));
  box.appendChild(table);
}

// ---- the widget ----------------------------------------------------------------------------
function build(model, wrap) {
  const client = makeClient(model);
  const meta = model.get("meta") || {};
  const title = h("div", { class: "hflab-title" }, `${meta.model || "model"} · ${meta.kind || ""}`);
  wrap.appendChild(title);
  for (const line of [meta.note, meta.approximation, meta.no_rollout, meta.generated && `생성 · generated: ${meta.generated}`, meta.page_note]) {
    if (line) wrap.appendChild(h("div", { class: "hflab-note" }, line));
  }
  const bar = h("div", { class: "hflab-controls" });
  const kindSel = h("select", { "data-testid": "kind-select", "aria-label": "attention kind" });
  for (const k of meta.kinds || []) kindSel.appendChild(h("option", { value: k }, KIND_LABEL[k] || k));
  kindSel.disabled = (meta.kinds || []).length < 2;
  const tabs = h("span", { class: "hflab-tabs", role: "tablist" });
  const tabButtons = VIEWS.map(([v, label]) => {
    const b = h("button", { class: "hflab-tab", "data-testid": `view-${v}`, role: "tab", type: "button" }, label);
    b.addEventListener("click", () => set({ view: v }));
    if (v === "rollout" && meta.no_rollout) { b.disabled = true; b.title = meta.no_rollout; }
    tabs.appendChild(b);
    return [v, b];
  });
  const layerSel = h("select", { "data-testid": "layer-select", "aria-label": "layer" });
  const headSel = h("select", { "data-testid": "head-select", "aria-label": "head" });
  const thr = h("input", { type: "range", min: 0, max: 1, step: 0.01, "data-testid": "threshold-slider", "aria-label": "threshold" });
  const thrText = h("span", { class: "hflab-thr" });
  const clear = h("button", { type: "button", "data-testid": "clear-focus" }, "초점 해제 · clear focus");
  bar.append(kindSel, tabs, h("label", {}, "층 layer "), layerSel, h("label", {}, "헤드 head "), headSel,
    h("label", {}, "임계값 threshold "), thr, thrText, clear);
  wrap.appendChild(bar);
  const stage = h("div", { class: "hflab-stage", "data-testid": "attention-stage" });
  const status = h("div", { class: "hflab-status", "data-testid": "attention-status" });
  const statsBox = h("div", { class: "hflab-stats-box", "data-testid": "head-stats" });
  wrap.append(stage, status, statsBox);

  function set(changes) {
    for (const [k, v] of Object.entries(changes)) model.set(k, v);
    model.save_changes();
  }
  kindSel.addEventListener("change", () => set({ kind: kindSel.value, layer: 0, head: 0, focus: -1 }));
  layerSel.addEventListener("change", () => set({ layer: Number(layerSel.value) }));
  headSel.addEventListener("change", () => set({ head: Number(headSel.value) }));
  thr.addEventListener("input", () => set({ threshold: Number(thr.value) }));
  clear.addEventListener("click", () => set({ focus: -1 }));

  let start = 0;
  let seq = 0;
  function syncControls(kind, L, H) {
    kindSel.value = kind;
    if (layerSel.options.length !== L) {
      layerSel.replaceChildren(...Array.from({ length: L }, (_, l) => h("option", { value: l }, l)));
    }
    if (headSel.options.length !== H + 1) {
      headSel.replaceChildren(h("option", { value: -1 }, "평균 · mean"), ...Array.from({ length: H }, (_, i) => h("option", { value: i }, i)));
    }
    layerSel.value = String(model.get("layer"));
    headSel.value = String(model.get("head"));
    thr.value = String(model.get("threshold"));
    thrText.textContent = Number(model.get("threshold")).toFixed(2);
    for (const [v, b] of tabButtons) b.classList.toggle("active", v === model.get("view"));
    layerSel.disabled = false;
    headSel.disabled = model.get("view") === "rollout" || model.get("view") === "grid";
  }

  async function refresh() {
    const mine = ++seq;
    try {
      const kind = model.get("kind");
      const view = model.get("view");
      const layer = model.get("layer");
      const head = model.get("head");
      const [L, H] = (meta.sizes || {})[kind] || [0, 0];
      syncControls(kind, L, H);
      const toks = (model.get("tokens") || {})[kind] || { query: [], key: [], special: [] };
      const selfKind = kind !== "cross";
      const ctx = {
        layer, head, focus: model.get("focus"), threshold: Number(model.get("threshold")), start,
        queries: toks.query, keys: toks.key,
        qSpecial: selfKind ? toks.special : [], kSpecial: toks.special,
        stats: (model.get("stats") || {})[kind],
        say: (text) => { status.textContent = text; },
        setFocus: (q) => set({ focus: q }),
        setStart: (v) => { start = v; refresh(); },
        pick: (l, hd, v) => set(v ? { layer: l, head: hd, view: v } : { layer: l, head: hd }),
      };
      statsTable(statsBox, ctx);
      status.textContent = "불러오는 중 · loading…";
      let req;
      if (view === "grid") req = { type: "thumbs", kind };
      else if (view === "rollout") req = { type: "rollout", kind: selfKind ? kind : "encoder", layer };
      else req = { type: "head", kind, layer, head };
      const { header, bytes } = await client.request(req);
      if (mine !== seq) return; // a newer choice is already on its way
      const old = wrap.querySelector(".hflab-error");
      if (old) old.remove();
      stage.replaceChildren();
      const what = head < 0 ? "평균 · mean of heads" : `head ${head}`;
      stage.appendChild(h("div", { class: "hflab-caption" }, view === "rollout"
        ? `롤아웃 · rollout through layers 0–${layer}`
        : view === "grid" ? "" : `${KIND_LABEL[kind] || kind} · layer ${layer} · ${what}`));
      if (view === "grid") drawGrid(stage, bytes, header, ctx);
      else if (view === "head") drawHeadView(stage, bytes, header, ctx);
      else drawMatrix(stage, bytes, header, ctx);
      wrap.dataset.rendered = `${kind}/${view}/${layer}/${head}`;
    } catch (err) {
      if (mine === seq) showError(wrap, err);
    }
  }
  const events = ["kind", "view", "layer", "head", "threshold", "focus"].map((k) => `change:${k}`);
  events.forEach((ev) => model.on(ev, refresh));
  refresh();
  return () => {
    events.forEach((ev) => model.off(ev, refresh));
    client.dispose();
  };
}

function render({ model, el }) {
  const wrap = h("div", { class: "hflab-attention", "data-testid": "hflab-attention" });
  el.appendChild(wrap);
  try {
    return build(model, wrap);
  } catch (err) {
    showError(wrap, err);
  }
}

export default { render };
