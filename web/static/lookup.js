// Staff lookup: copy a passage with its citation; the source filter applies as soon as it changes.
(function () {
  "use strict";
  var form = document.getElementById("lookup-form");
  var select = document.getElementById("source");
  var query = document.getElementById("q");
  var status = document.getElementById("lookup-status");

  function wireCopies(root) {
    Array.prototype.forEach.call(root.querySelectorAll("button.copy"), function (button) {
      button.addEventListener("click", function () {
        var text = button.getAttribute("data-copy");
        if (!navigator.clipboard) { button.textContent = "Copy not available"; return; }
        navigator.clipboard.writeText(text).then(function () { button.textContent = "Copied"; },
          function () { button.textContent = "Copy failed"; });
      });
    });
  }

  // Replace the results with the server's own rendering of the same form, posted; focus stays on the filter.
  function refresh() {
    if (!query.value.trim()) return;
    status.textContent = "Updating the results…";
    fetch(form.action, { method: "POST", body: new FormData(form), headers: { "Accept": "text/html" } })
      .then(function (r) { return r.text(); })
      .then(function (html) {
        var fresh = new DOMParser().parseFromString(html, "text/html").getElementById("results");
        var results = document.getElementById("results");
        if (!fresh || !results) { form.submit(); return; }
        results.replaceWith(document.adoptNode(fresh));
        wireCopies(fresh);
        var count = fresh.querySelector(".count");
        status.textContent = count ? count.textContent : "No passage matches.";
      })
      .catch(function () { form.submit(); });
  }

  document.getElementById("source-hint").hidden = false;
  select.addEventListener("change", refresh);
  wireCopies(document);
})();
