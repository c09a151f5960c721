// The Convolution visualizer's page side (webapp/tabs/convolution_visualizer.py): draws the grids the Python side
// computed, and on hover, click or the step slider lights the cells one output cell reads, writes the products and
// their sum (or the pooling window and its winner). Runs offline: nothing is fetched.
let timer = null;
let current = 0;

function text(value) {
  if (value === null || value === undefined) return "?";
  if (Number.isInteger(value)) return String(value);
  const size = Math.abs(value);
  return size >= 1000 || size < 0.001 ? value.toPrecision(3) : String(+value.toFixed(3));
}

function grid(rows, kind, extra) {
  const table = document.createElement("div");
  table.className = `cv-grid cv-grid-${kind}`;
  table.style.gridTemplateColumns = `repeat(${rows[0].length}, 3em)`;
  rows.forEach((row, r) => row.forEach((value, c) => {
    const cell = document.createElement("div");
    cell.className = `cv-cell cv-${kind}`;
    cell.dataset.r = r;
    cell.dataset.c = c;
    cell.textContent = typeof value === "number" ? text(value) : value;
    if (extra) extra(cell, r, c);
    table.appendChild(cell);
  }));
  return table;
}

function column(title, content) {
  const box = document.createElement("div");
  box.className = "cv-column";
  const heading = document.createElement("div");
  heading.className = "cv-title";
  heading.textContent = title;
  box.append(heading, content);
  return box;
}

function stop(root) {
  if (timer !== null) clearInterval(timer);
  timer = null;
  const play = root.querySelector("#cv-play");
  if (play) play.textContent = "Play";
}

function clear(root) {
  root.querySelectorAll(".cv-lit, .cv-winner, .cv-current").forEach(
    (cell) => cell.classList.remove("cv-lit", "cv-winner", "cv-current"));
}

function explainOutput(data, cell, value) {
  const values = cell.taps.map(([r, c]) => data.padded[r][c]);
  if (data.mode.endsWith("pooling")) {
    const name = {"max pooling": "max", "min pooling": "min", "average pooling": "mean"}[data.mode];
    return {formula: `${name}(${values.join(", ")}) = ${text(value)}`, sum: null};
  }
  const numbers = values.map(Number);
  const products = numbers.map((x, i) => `${text(x)}·${text(cell.weights[i])}`);
  const sum = numbers.reduce((total, x, i) => total + x * cell.weights[i], 0);
  return {formula: `${products.join(" + ") || "(no input cell)"} = ${text(value)}`, sum};
}

function select(root, data, index) {
  const W = data.output[0].length;
  const m = Math.floor(index / W), n = index % W;
  const cell = data.cells[index];
  const value = data.output[m][n];
  current = index;
  clear(root);
  root.querySelector(`.cv-out[data-r="${m}"][data-c="${n}"]`).classList.add("cv-current");
  cell.taps.forEach(([r, c], i) => {
    root.querySelector(`.cv-in[data-r="${r}"][data-c="${c}"]`).classList.add("cv-lit");
    if (data.kernel && data.mode === "convolution") {
      const kW = data.kernel[0].length;
      root.querySelector(`.cv-k[data-r="${Math.floor(i / kW)}"][data-c="${i % kW}"]`).classList.add("cv-lit");
    }
  });
  if (cell.winner) {
    root.querySelector(`.cv-in[data-r="${cell.winner[0]}"][data-c="${cell.winner[1]}"]`).classList.add("cv-winner");
  }
  const {formula, sum} = explainOutput(data, cell, value);
  const explain = root.querySelector("#cv-explain");
  explain.dataset.value = value;
  explain.dataset.m = m;
  explain.dataset.n = n;
  let words = `output[${m}][${n}] = ${formula}`;
  if (sum !== null && Math.abs(sum - value) > 1e-3 * (1 + Math.abs(value))) {
    words += ` — but the products add up to ${text(sum)}: check your code`;
  }
  explain.textContent = words;
  const step = root.querySelector("#cv-step");
  step.value = index;
  root.querySelector("#cv-step-label").textContent = `cell ${index + 1} of ${data.cells.length}`;
}

function explainInput(root, data, r, c) {
  clear(root);
  root.querySelector(`.cv-in[data-r="${r}"][data-c="${c}"]`).classList.add("cv-current");
  const W = data.output[0].length;
  const x = Number(data.padded[r][c]);
  const writes = [];
  data.cells.forEach((cell, index) => cell.taps.forEach(([tr, tc], i) => {
    if (tr === r && tc === c) {
      const m = Math.floor(index / W), n = index % W;
      root.querySelector(`.cv-out[data-r="${m}"][data-c="${n}"]`).classList.add("cv-lit");
      writes.push(`${text(x)}·${text(cell.weights[i])} to [${m}][${n}]`);
    }
  }));
  root.querySelector("#cv-explain").textContent =
    `input[${r}][${c}] = ${text(x)} writes ${writes.join(", ") || "nothing (cropped by the padding)"}`;
}

function render() {
  const root = element.querySelector(".cv-root") || element;
  stop(root);
  const data = props.value;
  root.innerHTML = "";
  if (!data || !data.mode) {
    root.textContent = "Change a setting to draw the convolution.";
    return;
  }
  const H = data.padded.length - 2 * data.pad, W = data.padded[0].length - 2 * data.pad;
  const formula = document.createElement("pre");
  formula.className = "cv-formula";
  formula.textContent = data.formula;
  const row = document.createElement("div");
  row.className = "cv-row";
  const transposed = data.mode === "transposed convolution";
  const input = grid(data.padded, "in", (cell, r, c) => {
    const inside = r >= data.pad && r < data.pad + H && c >= data.pad && c < data.pad + W;
    if (!inside) cell.classList.add("cv-pad");
    if (transposed) cell.addEventListener("mouseenter", () => { stop(root); explainInput(root, data, r, c); });
  });
  const padded = data.pad > 0 ? ` padded (${data.mode.endsWith("pooling") ? "pooling" : data.padding_mode})` : "";
  row.appendChild(column(`input${padded}`, input));
  if (data.kernel) row.appendChild(column("kernel", grid(data.kernel, "k")));
  const output = grid(data.output, "out", (cell, r, c) => {
    const index = r * data.output[0].length + c;
    cell.addEventListener("mouseenter", () => { stop(root); select(root, data, index); });
    cell.addEventListener("click", () => { stop(root); select(root, data, index); });
  });
  row.appendChild(column("output", output));
  const controls = document.createElement("div");
  controls.className = "cv-controls";
  controls.innerHTML = `<button id="cv-play" type="button">Play</button>
    <input id="cv-step" type="range" min="0" max="${data.cells.length - 1}" step="1" value="0">
    <span id="cv-step-label"></span>`;
  const explain = document.createElement("div");
  explain.id = "cv-explain";
  root.append(formula, row, controls, explain);
  root.querySelector("#cv-step").addEventListener("input", (event) => {
    stop(root);
    select(root, data, Number(event.target.value));
  });
  root.querySelector("#cv-play").addEventListener("click", () => {
    if (timer !== null) return stop(root);
    root.querySelector("#cv-play").textContent = "Pause";
    timer = setInterval(() => select(root, data, (current + 1) % data.cells.length), 700);
  });
  select(root, data, Math.min(current, data.cells.length - 1));
}

render();
watch("value", render);
