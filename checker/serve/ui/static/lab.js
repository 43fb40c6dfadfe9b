// The lab page: Check buttons (POST with the CSRF token) and the terminal (xterm.js over a
// WebSocket that reconnects to the same server-side shell).
(function () {
  "use strict";
  var csrf = document.querySelector('meta[name="csrf-token"]').content;

  function post(url) {
    return fetch(url, { method: "POST", headers: { "X-CSRF-Token": csrf }, credentials: "same-origin" });
  }

  document.querySelectorAll(".check").forEach(function (box) {
    var btn = box.querySelector(".check-btn"), out = box.querySelector(".result");
    btn.addEventListener("click", function () {
      btn.disabled = true;
      out.textContent = "Checking…";
      post("/check/" + box.dataset.step).then(function (r) {
        if (!r.ok) return r.text().then(function (t) { throw new Error(t); });
        return r.json();
      }).then(function (res) {
        out.innerHTML = res.html; // built and escaped on the server
        document.getElementById("progress").textContent =
          res.progress.passed + " of " + res.progress.steps + " steps passed";
      }).catch(function (e) {
        out.textContent = "Could not check: " + e.message;
      }).finally(function () { btn.disabled = false; });
    });
  });

  document.getElementById("reset").addEventListener("click", function () {
    if (!confirm("Reset the lab? Your sandbox and every change in it are discarded.")) return;
    post("/reset").then(function () { location.reload(); });
  });

  var term = new Terminal({ cursorBlink: true, fontSize: 14, scrollback: 5000 });
  var fit = new FitAddon.FitAddon();
  term.loadAddon(fit);
  term.open(document.getElementById("term"));
  fit.fit();
  window.labTerm = term; // for tests and the curious
  var status = document.getElementById("term-status");
  var ws = null, delay = 250, enc = new TextEncoder();

  function connect() {
    var proto = location.protocol === "https:" ? "wss:" : "ws:";
    ws = new WebSocket(proto + "//" + location.host + "/term?cols=" + term.cols + "&rows=" + term.rows);
    ws.binaryType = "arraybuffer";
    status.textContent = "connecting…";
    ws.onopen = function () {
      status.textContent = "";
      delay = 250;
      term.reset(); // the server replays the recent output: start from a clean screen
    };
    ws.onmessage = function (ev) { term.write(new Uint8Array(ev.data)); };
    ws.onclose = function () {
      status.textContent = "disconnected; reconnecting…";
      setTimeout(connect, delay);
      delay = Math.min(delay * 2, 5000);
    };
  }
  term.onData(function (d) { if (ws && ws.readyState === 1) ws.send(enc.encode(d)); });
  term.onResize(function (s) {
    if (ws && ws.readyState === 1) ws.send(JSON.stringify({ type: "resize", cols: s.cols, rows: s.rows }));
  });
  window.addEventListener("resize", function () { fit.fit(); });
  connect();
  term.focus();
})();
