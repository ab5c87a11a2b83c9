// The draw-a-digit demo: a drawing pad (mouse, pen or touch), MNIST-style
// preprocessing (crop, fit in 20 x 20, centre the mass in 28 x 28), and the
// exported bundle (./model.mjs) classifying as the stroke grows. Plain browser
// JavaScript, no build step. window.demo exposes the same steps to tests.

const pad = document.getElementById("pad");
const seen = document.getElementById("seen");
const labelEl = document.getElementById("label");
const confidenceEl = document.getElementById("confidence");
const timingEl = document.getElementById("timing");
const barsEl = document.getElementById("bars");
const statusEl = document.getElementById("status");
const ctx = pad.getContext("2d", { willReadFrequently: true });
const seenCtx = seen.getContext("2d");
let model = null;
let pending = false;
let last = null;

function clearPad() {
  ctx.fillStyle = "#000";
  ctx.fillRect(0, 0, pad.width, pad.height);
  seenCtx.fillStyle = "#000";
  seenCtx.fillRect(0, 0, 28, 28);
  show(null);
}

function bars(classes) {
  barsEl.innerHTML = "";
  for (let c = 0; c < classes; c++) {
    const li = document.createElement("li");
    li.innerHTML = `<span class="digit">${c}</span><span class="track"><span class="fill"></span></span><span class="value">–</span>`;
    barsEl.append(li);
  }
}

/** Show a result (null: nothing drawn yet). */
function show(r, ms) {
  last = r;
  const items = barsEl.children;
  if (!r) {
    labelEl.textContent = "?";
    labelEl.dataset.state = "empty";
    confidenceEl.textContent = "Draw a digit on the left.";
    timingEl.textContent = "";
    for (const li of items) {
      li.classList.remove("best");
      li.querySelector(".fill").style.width = "0";
      li.querySelector(".value").textContent = "–";
    }
    return;
  }
  labelEl.textContent = String(r.label);
  labelEl.dataset.state = "ready";
  const top = r.scores[r.label];
  const max = Math.max(1e-6, ...r.scores);
  confidenceEl.textContent = `Capsule ${r.label} is the longest: ${top.toFixed(3)}`;
  if (ms !== undefined) timingEl.textContent = `${ms.toFixed(2)} ms in WebAssembly, this browser`;
  Array.from(items).forEach((li, c) => {
    li.classList.toggle("best", c === r.label);
    li.querySelector(".fill").style.width = `${((100 * r.scores[c]) / max).toFixed(1)}%`;
    li.querySelector(".value").textContent = r.scores[c].toFixed(3);
  });
}

/** The drawing as the model's data looks: ink cropped, fitted in 20 x 20, mass centred in 28 x 28 (bytes). */
function digitPixels() {
  const { width: W, height: H } = pad;
  const img = ctx.getImageData(0, 0, W, H).data;
  let x0 = W,
    y0 = H,
    x1 = -1,
    y1 = -1;
  for (let y = 0; y < H; y++)
    for (let x = 0; x < W; x++)
      if (img[(y * W + x) * 4] > 24) {
        x0 = Math.min(x0, x);
        x1 = Math.max(x1, x);
        y0 = Math.min(y0, y);
        y1 = Math.max(y1, y);
      }
  if (x1 < 0) return null;
  const bw = x1 - x0 + 1,
    bh = y1 - y0 + 1;
  const s = 20 / Math.max(bw, bh);
  const fit = document.createElement("canvas");
  fit.width = fit.height = 28;
  const f = fit.getContext("2d", { willReadFrequently: true });
  f.fillStyle = "#000";
  f.fillRect(0, 0, 28, 28);
  f.imageSmoothingQuality = "high";
  const w = bw * s,
    h = bh * s;
  f.drawImage(pad, x0, y0, bw, bh, (28 - w) / 2, (28 - h) / 2, w, h);
  let px = f.getImageData(0, 0, 28, 28).data;
  let m = 0,
    mx = 0,
    my = 0;
  for (let i = 0; i < 784; i++) {
    m += px[i * 4];
    mx += (i % 28) * px[i * 4];
    my += Math.floor(i / 28) * px[i * 4];
  }
  const dx = Math.round(13.5 - mx / m),
    dy = Math.round(13.5 - my / m);
  const out = new Uint8Array(784);
  for (let y = 0; y < 28; y++)
    for (let x = 0; x < 28; x++) {
      const sx = x - dx,
        sy = y - dy;
      out[y * 28 + x] = sx >= 0 && sx < 28 && sy >= 0 && sy < 28 ? px[(sy * 28 + sx) * 4] : 0;
    }
  return out;
}

/** Draw 28 x 28 bytes into the small "what the model sees" canvas. */
function showSeen(pixels) {
  const data = seenCtx.createImageData(28, 28);
  for (let i = 0; i < 784; i++) {
    data.data[i * 4] = data.data[i * 4 + 1] = data.data[i * 4 + 2] = pixels[i];
    data.data[i * 4 + 3] = 255;
  }
  seenCtx.putImageData(data, 0, 0);
}

/** Classify 28 x 28 bytes with the bundle and show the result. */
function classify(pixels) {
  showSeen(pixels);
  const t0 = performance.now();
  const r = model.predict(pixels);
  show(r, performance.now() - t0);
  return { label: r.label, scores: Array.from(r.scores) };
}

function update() {
  pending = false;
  if (!model) return;
  const pixels = digitPixels();
  if (pixels) classify(pixels);
  else show(null);
}

function schedule() {
  if (!pending) {
    pending = true;
    requestAnimationFrame(update);
  }
}

// Drawing: pointer events cover mouse, pen and touch; a round brush about a 28th of the pad wide per MNIST stroke.
let drawing = false;
let prev = null;
function point(e) {
  const r = pad.getBoundingClientRect();
  return { x: ((e.clientX - r.left) * pad.width) / r.width, y: ((e.clientY - r.top) * pad.height) / r.height };
}
function stroke(a, b) {
  ctx.strokeStyle = "#fff";
  ctx.lineWidth = pad.width / 12;
  ctx.lineCap = ctx.lineJoin = "round";
  ctx.beginPath();
  ctx.moveTo(a.x, a.y);
  ctx.lineTo(b.x, b.y);
  ctx.stroke();
}
pad.addEventListener("pointerdown", (e) => {
  drawing = true;
  pad.setPointerCapture(e.pointerId);
  prev = point(e);
  stroke(prev, prev);
  schedule();
});
pad.addEventListener("pointermove", (e) => {
  if (!drawing) return;
  const p = point(e);
  stroke(prev, p);
  prev = p;
  schedule();
});
for (const end of ["pointerup", "pointercancel"]) pad.addEventListener(end, () => (drawing = false));
document.getElementById("clear").addEventListener("click", clearPad);
document.addEventListener("keydown", (e) => e.key === "Escape" && clearPad());

/** For tests and the console: classify given 28 x 28 bytes as if drawn, read the last result. */
window.demo = {
  ready: null,
  classify: (pixels) => {
    const px = Uint8Array.from(pixels);
    const tmp = document.createElement("canvas");
    tmp.width = tmp.height = 28;
    const t = tmp.getContext("2d");
    const data = t.createImageData(28, 28);
    for (let i = 0; i < 784; i++) {
      data.data[i * 4] = data.data[i * 4 + 1] = data.data[i * 4 + 2] = px[i];
      data.data[i * 4 + 3] = 255;
    }
    t.putImageData(data, 0, 0);
    ctx.imageSmoothingEnabled = false;
    ctx.drawImage(tmp, 0, 0, pad.width, pad.height);
    ctx.imageSmoothingEnabled = true;
    return classify(px);
  },
  last: () => last && { label: last.label, scores: Array.from(last.scores) },
  info: () => model && { kind: model.kind, weights: model.weights, engine: model.engine, crossOriginIsolated },
};

clearPad();
window.demo.ready = import("./model.mjs")
  .then((mod) => mod.load())
  .then((m) => {
    model = m;
    bars(m.classes);
    show(null);
    const e = m.engine;
    statusEl.textContent =
      `Model: ${m.kind}, ${m.weights} weights, ${m.inputSize} inputs, ${m.classes} classes · ` +
      `engine: WebAssembly ${e.kernels}, ${e.threads} thread · page ${crossOriginIsolated ? "" : "not "}cross-origin isolated`;
    return window.demo.info();
  })
  .catch((e) => {
    statusEl.textContent = `Could not load model.mjs: ${e.message}`;
    throw e;
  });
