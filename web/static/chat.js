// Chat page behaviour. Every piece of user or corpus text goes in with textContent, never as HTML.
(function () {
  "use strict";
  var STORE = "immunobot.conversation.v1";
  var body = document.body;
  var log = document.getElementById("log");
  var form = document.getElementById("ask");
  var box = document.getElementById("message");
  var statusLine = document.getElementById("status");
  var maxChars = parseInt(body.getAttribute("data-max-chars") || "1000", 10);
  var allowed = (body.getAttribute("data-allowed-origins") || "").split(/\s+/).filter(Boolean);
  var embedded = body.getAttribute("data-embedded") === "1";
  var emergencyNumber = body.getAttribute("data-emergency-number") || "911";
  var state = load();
  var turnCounter = 0;
  var busy = false;

  var colour = body.getAttribute("data-theme-color");
  if (colour && /^#[0-9a-fA-F]{6}$/.test(colour)) {
    document.documentElement.style.setProperty("--accent", colour);
    document.documentElement.style.setProperty("--accent-dark", colour);
  }

  function load() {
    try { return JSON.parse(sessionStorage.getItem(STORE)) || { turns: [], context: null }; }
    catch (e) { return { turns: [], context: null }; }
  }
  function save() { try { sessionStorage.setItem(STORE, JSON.stringify(state)); } catch (e) { /* storage full or off */ } }

  function el(tag, cls, text) {
    var node = document.createElement(tag);
    if (cls) node.className = cls;
    if (text !== undefined && text !== null) node.textContent = text;
    return node;
  }

  function highlighted(text, words) {
    var wanted = {};
    (words || []).forEach(function (w) { wanted[w.toLowerCase()] = true; });
    var frag = document.createDocumentFragment();
    text.split(/([A-Za-z0-9]+)/).forEach(function (piece) {
      if (!piece) return;
      frag.appendChild(wanted[piece.toLowerCase()] ? el("mark", null, piece) : document.createTextNode(piece));
    });
    return frag;
  }

  function actions(reply, quiet) {
    var box = el("div", "actions");
    (reply.actions || []).forEach(function (a) {
      var link = el("a", quiet ? "call quiet" : "call", a.label);
      link.href = "tel:" + a.tel.replace(/[^0-9+]/g, "");
      box.appendChild(link);
    });
    return box;
  }

  function citationText(reply) {
    var lines = [reply.answer, "", "Sources:"];
    reply.citations.forEach(function (c) {
      lines.push("[" + c.n + "] " + [c.publisher, c.title, c.section, c.reviewed ? "reviewed " + c.reviewed : null, c.url]
        .filter(Boolean).join(", "));
    });
    lines.push("", reply.disclaimer);
    return lines.join("\n");
  }

  function renderReply(question, reply) {
    turnCounter += 1;
    var id = "t" + turnCounter;
    var card = el("article", "msg bot " + reply.type);
    card.setAttribute("aria-label", reply.type === "urgent" ? "Urgent answer" : "Answer");
    if (reply.type === "urgent") {
      card.appendChild(el("p", "urgent-title", "Get help now"));
      card.appendChild(actions(reply, false));
      card.appendChild(el("p", "text", reply.answer));
      return card;
    }
    if (reply.notice) card.appendChild(el("p", "notice", reply.notice));
    if (reply.follow_up_topic) card.appendChild(el("p", "resolved", "About: " + reply.follow_up_topic));
    var text = el("div", "text");
    if (reply.segments && reply.segments.length) {
      reply.segments.forEach(function (seg) {
        var lines = seg.text.split("\n");
        var p = el("p", null, lines[0]);
        text.appendChild(p);
        var holder = p;
        if (lines.length > 1) {
          var ul = el("ul");
          lines.slice(1).forEach(function (l) { ul.appendChild(el("li", null, l.replace(/^[\s•]+/, ""))); });
          text.appendChild(ul);
          holder = ul.lastChild;
        }
        var ref = el("a", "ref", "[" + seg.n + "]");
        ref.href = "#c-" + id + "-" + seg.n;
        ref.setAttribute("aria-label", "Source " + seg.n);
        holder.appendChild(ref);
      });
    } else {
      text.appendChild(el("p", null, reply.answer));
    }
    card.appendChild(text);
    if (reply.type === "no_answer") card.appendChild(actions(reply, true));
    if (reply.citations && reply.citations.length) {
      var list = el("ol", "sources");
      list.setAttribute("aria-label", "Sources");
      reply.citations.forEach(function (c) {
        var item = el("li", "source");
        item.id = "c-" + id + "-" + c.n;
        var head = el("p", "src-head");
        head.appendChild(el("span", "n", "[" + c.n + "] "));
        head.appendChild(el("strong", null, c.title));
        var meta = [c.publisher, c.reviewed ? "reviewed " + c.reviewed : null].filter(Boolean).join(" · ");
        if (meta) head.appendChild(document.createTextNode(" · " + meta));
        if (c.section) { head.appendChild(document.createTextNode(" · ")); head.appendChild(el("em", null, c.section)); }
        item.appendChild(head);
        var quote = el("blockquote");
        quote.appendChild(highlighted(c.passage, c.highlights));
        item.appendChild(quote);
        var links = el("p", "src-links");
        var read = el("a", null, "Read the whole source");
        read.href = "/sources/" + encodeURIComponent(c.doc_id) + "?start=" + c.start + "&end=" + c.end + "#cited";
        if (embedded) { read.target = "_blank"; read.rel = "noopener"; }
        links.appendChild(read);
        if (c.url && /^https?:\/\//.test(c.url)) {
          var orig = el("a", null, "Original page");
          orig.href = c.url; orig.rel = "noopener noreferrer"; orig.target = "_blank";
          links.appendChild(orig);
        }
        item.appendChild(links);
        list.appendChild(item);
      });
      card.appendChild(list);
    }
    var tools = el("div", "tools");
    if (reply.type === "answer") {
      var copy = el("button", null, "Copy answer with sources");
      copy.type = "button";
      copy.addEventListener("click", function () {
        var done = function () { copy.textContent = "Copied"; };
        if (navigator.clipboard) navigator.clipboard.writeText(citationText(reply)).then(done, function () { copy.textContent = "Copy failed"; });
      });
      tools.appendChild(copy);
    }
    ["up", "down"].forEach(function (rating) {
      var b = el("button", null, rating === "up" ? "Helpful" : "Not helpful");
      b.type = "button";
      b.setAttribute("aria-label", rating === "up" ? "This answer was helpful" : "This answer was not helpful");
      b.addEventListener("click", function () {
        fetch("/api/feedback", { method: "POST", headers: { "Content-Type": "application/json" },
          body: JSON.stringify({ rating: rating, question: question, type: reply.type }) }).catch(function () {});
        Array.prototype.forEach.call(tools.querySelectorAll("button.fb"), function (x) { x.disabled = true; });
        b.textContent = "Thanks for the feedback";
      });
      b.className = "fb";
      tools.appendChild(b);
    });
    card.appendChild(tools);
    return card;
  }

  function renderSuggestions(reply) {
    if (!reply.suggestions || !reply.suggestions.length) return null;
    var wrap = el("div", "suggestions");
    wrap.setAttribute("aria-label", "Follow-up questions");
    reply.suggestions.forEach(function (s) {
      var b = el("button", "starter", s);
      b.type = "button";
      b.addEventListener("click", function () { ask(s); });
      wrap.appendChild(b);
    });
    return wrap;
  }

  function appendTurn(question, reply) {
    var group = el("div", "turn");
    var user = el("div", "msg user");
    user.appendChild(el("span", "visually-hidden", "You asked: "));
    user.appendChild(document.createTextNode(question));
    group.appendChild(user);
    group.appendChild(renderReply(question, reply));
    Array.prototype.forEach.call(log.querySelectorAll(".suggestions"), function (s) { s.remove(); });
    var sugg = renderSuggestions(reply);
    if (sugg) group.appendChild(sugg);
    log.appendChild(group);
  }

  function showError(message) {
    var card = el("div", "msg bot no_answer");
    card.appendChild(el("p", null, message));
    log.appendChild(card);
  }

  function ask(question) {
    question = (question || "").trim();
    if (!question || busy) return;
    if (question.length > maxChars) { showError("Please shorten your question to " + maxChars + " characters."); return; }
    busy = true;
    var welcome = document.getElementById("welcome");
    if (welcome) welcome.remove();
    statusLine.hidden = false;
    fetch("/api/chat", { method: "POST", headers: { "Content-Type": "application/json", "Accept": "application/json" },
      body: JSON.stringify({ message: question, context: state.context }) })
      .then(function (r) { return r.json().then(function (data) { return { ok: r.ok, data: data }; }); })
      .then(function (res) {
        if (!res.ok) { showError((res.data.error && res.data.error.message) || "Sorry, something went wrong."); return; }
        state.turns.push({ q: question, reply: res.data });
        state.turns = state.turns.slice(-30);
        state.context = res.data.context;
        save();
        appendTurn(question, res.data);
      })
      .catch(function () { showError("The connection failed. Please try again. If this is an emergency, call " + emergencyNumber + "."); })
      .then(function () { busy = false; statusLine.hidden = true; });
  }

  function restore() {
    if (!state.turns.length) return;
    var welcome = document.getElementById("welcome");
    if (welcome) welcome.remove();
    // restoring after a reload is not news: keep the live region quiet while the old turns go back in
    log.setAttribute("aria-live", "off");
    state.turns.forEach(function (t) { appendTurn(t.q, t.reply); });
    setTimeout(function () { log.setAttribute("aria-live", "polite"); }, 0);
  }

  form.addEventListener("submit", function (event) {
    event.preventDefault();
    if (event.submitter && event.submitter.name === "new") { newConversation(); return; }
    var q = box.value;
    box.value = "";
    ask(q);
    box.focus();
  });
  box.addEventListener("keydown", function (event) {
    if (event.key === "Enter" && !event.shiftKey) { event.preventDefault(); form.requestSubmit(); }
  });
  Array.prototype.forEach.call(document.querySelectorAll(".starters .starter, .suggestions .starter"), function (b) {
    b.addEventListener("click", function (event) { event.preventDefault(); ask(b.value || b.textContent); });
  });

  function newConversation() {
    state = { turns: [], context: null };
    save();
    window.location.assign(window.location.pathname + window.location.search);
  }

  // Embedded in a page through /embed.js: talk to the parent only if its origin is allowed.
  if (embedded && window.parent !== window) {
    var parentOrigin = (window.location.ancestorOrigins && window.location.ancestorOrigins[0]) ||
      (document.referrer ? new URL(document.referrer).origin : "");
    var trusted = allowed.indexOf(parentOrigin) !== -1;
    var close = document.getElementById("close-widget");
    if (trusted) {
      close.hidden = false;
      close.addEventListener("click", function () { window.parent.postMessage({ type: "immunobot:close" }, parentOrigin); });
      window.parent.postMessage({ type: "immunobot:ready" }, parentOrigin);
    }
    window.addEventListener("message", function (event) {
      if (allowed.indexOf(event.origin) === -1 || !event.data || typeof event.data !== "object") return;
      if (event.data.type === "immunobot:focus") box.focus();
    });
  }

  restore();
})();
