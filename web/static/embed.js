// One <script> tag adds the chat to a page:
//   <script src="https://BOT-HOST/embed.js" data-color="#0b5cad" data-title="Ask about your treatment" data-position="right" async></script>
// It draws a launcher button that opens /widget in an iframe. The bot only lets allowed origins frame it.
(function () {
  "use strict";
  var script = document.currentScript;
  if (!script || window.__immunobotLoaded) return;
  window.__immunobotLoaded = true;
  var botOrigin = new URL(script.src).origin;
  var colour = /^#[0-9a-fA-F]{6}$/.test(script.getAttribute("data-color") || "") ? script.getAttribute("data-color") : "#0b5cad";
  var title = (script.getAttribute("data-title") || "Ask about your treatment").slice(0, 60);
  var side = script.getAttribute("data-position") === "left" ? "left" : "right";

  var button = document.createElement("button");
  button.type = "button";
  button.textContent = title;
  button.setAttribute("aria-expanded", "false");
  button.setAttribute("aria-controls", "immunobot-frame");
  var b = button.style;
  b.position = "fixed"; b.bottom = "20px"; b[side] = "20px"; b.zIndex = "2147483000"; b.background = colour;
  b.color = "#fff"; b.border = "0"; b.borderRadius = "24px"; b.padding = "12px 18px"; b.minHeight = "44px";
  b.font = "600 16px system-ui, sans-serif"; b.cursor = "pointer"; b.boxShadow = "0 4px 14px rgba(0,0,0,.25)";

  var frame = document.createElement("iframe");
  frame.id = "immunobot-frame";
  frame.title = title;
  frame.hidden = true;
  var f = frame.style;
  f.position = "fixed"; f.bottom = "84px"; f[side] = "20px"; f.width = "min(400px, calc(100vw - 40px))";
  f.height = "min(640px, calc(100vh - 110px))"; f.border = "1px solid #c8d2dc"; f.borderRadius = "12px";
  f.zIndex = "2147483000"; f.background = "#fff"; f.boxShadow = "0 8px 28px rgba(0,0,0,.25)";

  function open() {
    if (!frame.src) frame.src = botOrigin + "/widget?title=" + encodeURIComponent(title) + "&color=" + encodeURIComponent(colour);
    frame.hidden = false;
    button.setAttribute("aria-expanded", "true");
  }
  function close() { frame.hidden = true; button.setAttribute("aria-expanded", "false"); button.focus(); }
  button.addEventListener("click", function () { if (frame.hidden) open(); else close(); });
  window.addEventListener("message", function (event) {
    if (event.origin !== botOrigin || !event.data || typeof event.data !== "object") return;
    if (event.data.type === "immunobot:close") close();
    if (event.data.type === "immunobot:ready") frame.contentWindow.postMessage({ type: "immunobot:focus" }, botOrigin);
  });
  document.body.appendChild(button);
  document.body.appendChild(frame);
})();
