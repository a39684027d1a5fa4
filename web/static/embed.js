// One <script> tag adds the chat to a page:
//   <script src="https://BOT-HOST/embed.js" data-color="#0b5cad" data-title="Ask about your treatment" data-position="right" async></script>
// It draws a launcher button that opens /widget in an iframe. The bot only lets allowed origins frame it.
// Under 480 px wide the chat fills the screen. Escape closes it and focus returns to the launcher.
(function () {
  "use strict";
  var script = document.currentScript;
  if (!script || window.__immunobotLoaded) return;
  window.__immunobotLoaded = true;
  var DEFAULT_COLOUR = "#0b5cad";
  var botOrigin = new URL(script.src).origin;
  var asked = script.getAttribute("data-color") || "";
  var colour = /^#[0-9a-fA-F]{6}$/.test(asked) ? asked : DEFAULT_COLOUR;
  var title = (script.getAttribute("data-title") || "Ask about your treatment").slice(0, 60);
  var side = script.getAttribute("data-position") === "left" ? "left" : "right";
  var small = window.matchMedia("(max-width: 479.98px)");

  // WCAG contrast: the launcher's text is white or black, whichever reads on the colour (AA, 4.5:1)
  function channel(v) { v /= 255; return v <= 0.03928 ? v / 12.92 : Math.pow((v + 0.055) / 1.055, 2.4); }
  function luminance(hex) {
    var n = parseInt(hex.slice(1), 16);
    return 0.2126 * channel((n >> 16) & 255) + 0.7152 * channel((n >> 8) & 255) + 0.0722 * channel(n & 255);
  }
  function contrast(a, b) {
    var x = luminance(a), y = luminance(b);
    return (Math.max(x, y) + 0.05) / (Math.min(x, y) + 0.05);
  }
  var textColour = contrast(colour, "#ffffff") >= contrast(colour, "#000000") ? "#ffffff" : "#000000";
  if (contrast(colour, textColour) < 4.5) { colour = DEFAULT_COLOUR; textColour = "#ffffff"; }

  var button = document.createElement("button");
  button.type = "button";
  button.textContent = title;
  button.setAttribute("aria-expanded", "false");
  button.setAttribute("aria-controls", "immunobot-frame");
  var b = button.style;
  b.position = "fixed"; b.bottom = "20px"; b[side] = "20px"; b.zIndex = "2147483000"; b.background = colour;
  b.color = textColour; b.border = "0"; b.borderRadius = "24px"; b.padding = "12px 18px"; b.minHeight = "44px";
  b.font = "600 16px system-ui, sans-serif"; b.cursor = "pointer"; b.boxShadow = "0 4px 14px rgba(0,0,0,.25)";

  var frame = document.createElement("iframe");
  frame.id = "immunobot-frame";
  frame.title = title;
  frame.hidden = true;
  var f = frame.style;
  f.position = "fixed"; f.border = "1px solid #c8d2dc"; f.zIndex = "2147483001"; f.background = "#fff";
  f.boxShadow = "0 8px 28px rgba(0,0,0,.25)";

  function place() {
    if (small.matches) { // a phone: the whole screen, like a native chat
      f.top = "0"; f.left = "0"; f.right = "0"; f.bottom = "0"; f.width = "100vw"; f.height = "100dvh";
      f.borderRadius = "0"; f.border = "0";
    } else {
      f.top = "auto"; f.left = side === "left" ? "20px" : "auto"; f.right = side === "right" ? "20px" : "auto";
      f.bottom = "84px"; f.width = "min(400px, calc(100vw - 40px))"; f.height = "min(640px, calc(100vh - 110px))";
      f.borderRadius = "12px"; f.border = "1px solid #c8d2dc";
    }
  }
  place();
  if (small.addEventListener) small.addEventListener("change", place);

  function isOpen() { return !frame.hidden; }
  function open() {
    if (!frame.src) frame.src = botOrigin + "/widget?title=" + encodeURIComponent(title) + "&color=" + encodeURIComponent(colour);
    frame.hidden = false;
    button.setAttribute("aria-expanded", "true");
    button.textContent = "Close chat";
    if (frame.contentWindow) frame.contentWindow.postMessage({ type: "immunobot:focus" }, botOrigin);
  }
  function close() {
    frame.hidden = true;
    button.setAttribute("aria-expanded", "false");
    button.textContent = title;
    button.focus();
  }
  button.addEventListener("click", function () { if (isOpen()) close(); else open(); });
  document.addEventListener("keydown", function (event) { if (event.key === "Escape" && isOpen()) close(); });
  window.addEventListener("message", function (event) {
    if (event.origin !== botOrigin || !event.data || typeof event.data !== "object") return;
    if (event.data.type === "immunobot:close") close();
    if (event.data.type === "immunobot:ready") frame.contentWindow.postMessage({ type: "immunobot:focus" }, botOrigin);
  });
  document.body.appendChild(button);
  document.body.appendChild(frame);
})();
