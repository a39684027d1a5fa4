// Chat page behaviour. Every piece of user or corpus text goes in with textContent, never as HTML.
//
// Sending: a message shows at once as its own turn; messages typed while one is pending wait in a
// queue and go one at a time, in order (each needs the context of the answer before it). A failed
// message keeps its text (in its turn, and back in the box if the box is empty) and offers Retry.
// Scrolling: a new turn scrolls into view below the sticky disclaimer unless the reader has scrolled
// away, when a "New answer" pill appears instead. An emergency card is always brought fully into view.
// Screen readers hear the answer text through a polite live region, not the source passages.
(function () {
  "use strict";
  var STORE = "immunobot.conversation.v1";
  var PHONE = /\+?\d+(?:-\d+){2,}/g;
  var body = document.body;
  var root = document.documentElement;
  var log = document.getElementById("log");
  var form = document.getElementById("ask");
  var box = document.getElementById("message");
  var announcer = document.getElementById("announce");
  var pill = document.getElementById("new-answer");
  var sendError = document.getElementById("send-error");
  var disclaimer = document.querySelector(".disclaimer");
  var maxChars = parseInt(body.getAttribute("data-max-chars") || "1000", 10);
  var allowed = (body.getAttribute("data-allowed-origins") || "").split(/\s+/).filter(Boolean);
  var embedded = body.getAttribute("data-embedded") === "1";
  var emergencyNumber = body.getAttribute("data-emergency-number") || "911";
  var state = load();
  var turnCounter = 0;
  var queue = [];
  var sending = null;
  var pillTarget = null;

  // ---- theme (widget): the host's colour, with a text colour that passes WCAG AA on it -------------
  function channel(v) { v /= 255; return v <= 0.03928 ? v / 12.92 : Math.pow((v + 0.055) / 1.055, 2.4); }
  function luminance(hex) {
    var n = parseInt(hex.slice(1), 16);
    return 0.2126 * channel((n >> 16) & 255) + 0.7152 * channel((n >> 8) & 255) + 0.0722 * channel(n & 255);
  }
  function contrast(a, b) {
    var x = luminance(a), y = luminance(b);
    return (Math.max(x, y) + 0.05) / (Math.min(x, y) + 0.05);
  }
  function applyTheme(colour) {
    if (!colour || !/^#[0-9a-fA-F]{6}$/.test(colour)) return;
    var text = ["#ffffff", "#000000"].filter(function (t) { return contrast(colour, t) >= 4.5; })
      .sort(function (a, b) { return contrast(colour, b) - contrast(colour, a); })[0];
    if (!text) return; // no readable text colour: keep the default theme
    root.style.setProperty("--accent", colour);
    root.style.setProperty("--on-accent", text);
    // links and outlines on white use the colour only when it is readable there too
    if (contrast(colour, "#ffffff") >= 4.5) root.style.setProperty("--accent-dark", colour);
  }
  applyTheme(body.getAttribute("data-theme-color"));

  // ---- layout: how much the sticky disclaimer and question box cover --------------------------
  function stickyTop() {
    if (embedded || !disclaimer || getComputedStyle(disclaimer).position !== "sticky") return 0;
    return disclaimer.getBoundingClientRect().height;
  }
  function askCover() {
    if (embedded || getComputedStyle(form).position !== "sticky") return 0;
    return form.getBoundingClientRect().height;
  }
  function measure() {
    root.style.setProperty("--sticky-top", stickyTop() + "px");
    root.style.setProperty("--ask-height", (embedded ? form.getBoundingClientRect().height : askCover()) + "px");
  }
  measure();
  window.addEventListener("resize", measure);

  // the visible band of the conversation: [top, bottom] in viewport coordinates
  function band() {
    if (embedded) { var r = log.getBoundingClientRect(); return [r.top, r.bottom]; }
    return [stickyTop(), window.innerHeight - askCover()];
  }
  function inView(node) {
    var r = node.getBoundingClientRect(), b = band();
    return r.top >= b[0] - 2 && r.top < b[1] - 24;
  }
  function atEnd() {
    if (embedded) return log.scrollHeight - log.scrollTop - log.clientHeight < 4;
    var r = log.getBoundingClientRect(), b = band();
    return r.bottom <= b[1] + 2 && r.bottom > b[0];
  }
  function reveal(node) { node.scrollIntoView({ block: "start", behavior: "auto" }); }

  // ---- storage ------------------------------------------------------------------------------
  function load() {
    try { return JSON.parse(sessionStorage.getItem(STORE)) || { turns: [], context: null }; }
    catch (e) { return { turns: [], context: null }; }
  }
  function save() { try { sessionStorage.setItem(STORE, JSON.stringify(state)); } catch (e) { /* storage full or off */ } }

  // ---- building blocks ----------------------------------------------------------------------
  function el(tag, cls, text) {
    var node = document.createElement(tag);
    if (cls) node.className = cls;
    if (text !== undefined && text !== null) node.textContent = text;
    return node;
  }
  // text with each phone number in a span that never breaks across lines
  function withPhones(node, text) {
    var pos = 0;
    String(text).replace(PHONE, function (match, at) {
      node.appendChild(document.createTextNode(text.slice(pos, at)));
      node.appendChild(el("span", "phone", match));
      pos = at + match.length;
      return match;
    });
    node.appendChild(document.createTextNode(text.slice(pos)));
    return node;
  }
  var announcing = null;
  function announce(text) { // "" clears the live region, and cancels a line still on its way
    clearTimeout(announcing);
    announcer.textContent = "";
    if (text) announcing = setTimeout(function () { announcer.textContent = text; }, 60);
  }
  function publisherLabel(c) { return c.publisher || "publisher not named"; }
  function dateLabel(c) { return c.reviewed ? "reviewed " + c.reviewed : "date unknown"; }

  // where the answer's quoted lines sit in a passage (they are verbatim), merged and in order
  function quotedSpans(passage, quotes) {
    var spans = [];
    quotes.forEach(function (q) {
      q.split("\n").forEach(function (line) {
        line = line.trim();
        var at = line ? passage.indexOf(line) : -1;
        if (at >= 0) spans.push([at, at + line.length]);
      });
    });
    spans.sort(function (a, b) { return a[0] - b[0]; });
    var merged = [];
    spans.forEach(function (s) {
      var last = merged[merged.length - 1];
      if (last && s[0] <= last[1] + 1) last[1] = Math.max(last[1], s[1]); else merged.push(s);
    });
    return merged;
  }
  function markedPassage(passage, spans) {
    var frag = document.createDocumentFragment(), pos = 0;
    spans.forEach(function (s) {
      frag.appendChild(document.createTextNode(passage.slice(pos, s[0])));
      frag.appendChild(el("mark", "quoted", passage.slice(s[0], s[1])));
      pos = s[1];
    });
    frag.appendChild(document.createTextNode(passage.slice(pos)));
    return frag;
  }

  function actions(reply, quiet) {
    var holder = el("div", "actions");
    (reply.actions || []).forEach(function (a) {
      var link = withPhones(el("a", quiet ? "call quiet" : "call"), a.label);
      link.href = "tel:" + a.tel.replace(/[^0-9+]/g, "");
      holder.appendChild(link);
    });
    return holder;
  }

  function citationText(reply) {
    var lines = [answerText(reply), "", "Sources:"];
    reply.citations.forEach(function (c) {
      lines.push("[" + c.n + "] " + [publisherLabel(c), c.title, c.section, dateLabel(c), c.url].filter(Boolean).join(", "));
    });
    lines.push("", reply.disclaimer);
    return lines.join("\n");
  }
  function answerText(reply) {
    if (reply.segments && reply.segments.length) {
      return reply.segments.map(function (s) { return s.text + " [" + s.n + "]"; }).join(" ");
    }
    return reply.answer;
  }

  // ---- one reply ----------------------------------------------------------------------------
  function emergencyCard(reply, fresh) {
    var card = el("div", "msg bot urgent");
    if (fresh) card.setAttribute("role", "alert");
    card.appendChild(el("p", "urgent-title", "Get help now"));
    card.appendChild(actions(reply, false));
    card.appendChild(withPhones(el("p", "text"), reply.emergency ? reply.emergency.text : reply.answer));
    return card;
  }

  function sourceCard(c, id, reply) {
    var item = el("li", "source");
    item.id = "c-" + id + "-" + c.n;
    var head = el("p", "src-head");
    head.appendChild(el("span", "n", "[" + c.n + "] "));
    head.appendChild(el("strong", null, c.title));
    head.appendChild(document.createTextNode(" · "));
    head.appendChild(c.publisher ? document.createTextNode(c.publisher) : el("span", "unknown", publisherLabel(c)));
    head.appendChild(document.createTextNode(" · "));
    head.appendChild(el("span", c.reviewed ? "date" : "unknown", dateLabel(c)));
    if (c.section) { head.appendChild(document.createTextNode(" · ")); head.appendChild(el("em", null, c.section)); }
    item.appendChild(head);
    var quotes = (reply.segments || []).filter(function (s) { return s.n === c.n; }).map(function (s) { return s.text; });
    var spans = quotedSpans(c.passage, quotes);
    var quote = el("blockquote", "quote");
    spans.forEach(function (s, i) {
      if (i) quote.appendChild(document.createTextNode(" … "));
      quote.appendChild(el("mark", "quoted", c.passage.slice(s[0], s[1])));
    });
    item.appendChild(quote);
    var whole = el("details", "whole");
    whole.appendChild(el("summary", null, "Show the whole passage"));
    var full = el("blockquote");
    full.appendChild(markedPassage(c.passage, spans));
    whole.appendChild(full);
    item.appendChild(whole);
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
    return item;
  }

  function feedbackTools(question, reply) {
    var tools = el("div", "tools");
    if (reply.citations && reply.citations.length) {
      var copy = el("button", null, "Copy answer with sources");
      copy.type = "button";
      copy.addEventListener("click", function () {
        if (!navigator.clipboard) { copy.textContent = "Copy not available"; return; }
        navigator.clipboard.writeText(citationText(reply)).then(function () { copy.textContent = "Copied"; },
          function () { copy.textContent = "Copy failed"; });
      });
      tools.appendChild(copy);
    }
    var note = el("p", "fb-note", "Rating sends only your vote, the kind of reply and your question (names and numbers removed).");
    var buttons = [];
    ["up", "down"].forEach(function (rating) {
      var label = rating === "up" ? "Helpful" : "Not helpful";
      var b = el("button", "fb", label);
      b.type = "button";
      b.setAttribute("aria-pressed", "false");
      b.addEventListener("click", function () {
        fetch("/api/feedback", { method: "POST", headers: { "Content-Type": "application/json" },
          body: JSON.stringify({ rating: rating, question: question, type: reply.type }) }).catch(function () {});
        buttons.forEach(function (x) { x.disabled = true; });
        b.setAttribute("aria-pressed", "true");
        b.classList.add("chosen");
        b.textContent = "✓ " + label;
        note.textContent = "Thank you. Sent: your vote, the kind of reply and your question (names and numbers removed).";
      });
      buttons.push(b);
      tools.appendChild(b);
    });
    tools.appendChild(note);
    return tools;
  }

  function answerCard(question, reply, id) {
    var urgent = reply.type === "urgent";
    var card = el("article", "msg bot " + (urgent ? "answer" : reply.type));
    card.setAttribute("aria-label", "Answer");
    if (reply.notice) card.appendChild(withPhones(el("p", "notice"), reply.notice));
    if (reply.follow_up_topic) card.appendChild(el("p", "resolved", "About: " + reply.follow_up_topic));
    var text = el("div", "text");
    if (reply.segments && reply.segments.length) {
      reply.segments.forEach(function (seg) {
        // a sentence or paragraph is a <p>; the list items after it (lines opening with a bullet) a <ul>
        var holder = null, ul = null;
        seg.text.split("\n").forEach(function (line, i) {
          if (i > 0 && /^\s*•/.test(line)) {
            if (!ul) { ul = el("ul"); text.appendChild(ul); }
            holder = withPhones(el("li"), line.replace(/^[\s•]+/, ""));
            ul.appendChild(holder);
          } else {
            ul = null;
            holder = withPhones(el("p"), line);
            text.appendChild(holder);
          }
        });
        var ref = el("a", "ref", "[" + seg.n + "]");
        ref.href = "#c-" + id + "-" + seg.n;
        ref.setAttribute("aria-label", "Source " + seg.n);
        holder.appendChild(ref);
      });
    } else {
      text.appendChild(withPhones(el("p"), reply.answer));
    }
    card.appendChild(text);
    if (reply.type === "no_answer") card.appendChild(actions(reply, true));
    if (reply.citations && reply.citations.length) {
      var list = el("ol", "sources");
      list.setAttribute("aria-label", "Sources");
      reply.citations.forEach(function (c) { list.appendChild(sourceCard(c, id, reply)); });
      card.appendChild(list);
    }
    card.appendChild(feedbackTools(question, reply));
    return card;
  }

  // the reply's cards: an emergency card first when urgent, then the cited answer if there is one
  function replyNodes(question, reply, id, fresh) {
    var nodes = [];
    if (reply.type === "urgent") {
      nodes.push(emergencyCard(reply, fresh));
      if (reply.segments && reply.segments.length) nodes.push(answerCard(question, reply, id));
    } else {
      nodes.push(answerCard(question, reply, id));
    }
    return nodes;
  }

  // a question is compared as typed, without case, spacing or closing marks
  function sameQuestion(text) { return text.trim().toLowerCase().replace(/\s+/g, " ").replace(/[\s?.!]+$/, ""); }

  // suggestions never offer a question this conversation has asked already
  function suggestions(reply) {
    var asked = Array.prototype.map.call(log.querySelectorAll(".msg.user"), function (m) {
      return sameQuestion(m.lastChild ? m.lastChild.textContent : "");
    });
    var fresh = (reply.suggestions || []).filter(function (s) { return asked.indexOf(sameQuestion(s)) === -1; });
    if (!fresh.length) return null;
    var wrap = el("div", "suggestions");
    wrap.setAttribute("role", "group");
    wrap.setAttribute("aria-label", "Follow-up questions");
    fresh.forEach(function (s) {
      var b = el("button", "starter", s);
      b.type = "button";
      b.addEventListener("click", function () { send(s); box.focus({ preventScroll: true }); });
      wrap.appendChild(b);
    });
    return wrap;
  }

  // ---- turns --------------------------------------------------------------------------------
  function newTurn(question) {
    turnCounter += 1;
    var turn = el("div", "turn");
    turn.id = "t" + turnCounter;
    var user = el("div", "msg user");
    user.appendChild(el("span", "visually-hidden", "You asked: "));
    user.appendChild(document.createTextNode(question));
    turn.appendChild(user);
    return turn;
  }

  function settle(turn, question, reply, fresh) {
    Array.prototype.forEach.call(turn.querySelectorAll(".pending, .failed"), function (n) { n.remove(); });
    turn.classList.remove("waiting");
    var nodes = replyNodes(question, reply, turn.id, fresh);
    nodes.forEach(function (n) { turn.appendChild(n); });
    Array.prototype.forEach.call(log.querySelectorAll(".suggestions"), function (s) { s.remove(); });
    var sugg = suggestions(reply);
    if (sugg) turn.appendChild(sugg);
    return nodes;
  }

  function pendingNote(turn, waiting) {
    var old = turn.querySelector(".pending");
    if (old) old.remove();
    var note = el("div", "msg pending" + (waiting ? " queued" : ""));
    if (waiting) {
      note.appendChild(el("span", null, "Waiting to send…"));
    } else {
      var dots = el("span", "dots");
      dots.setAttribute("aria-hidden", "true");
      dots.appendChild(el("span")); dots.appendChild(el("span")); dots.appendChild(el("span"));
      note.appendChild(dots);
      note.appendChild(el("span", null, "Looking that up…"));
    }
    turn.appendChild(note);
  }

  function removeWelcome() {
    var welcome = document.getElementById("welcome");
    if (welcome) welcome.remove();
  }

  // take a message: it shows at once and joins the queue
  function send(text) {
    var question = (text || "").trim();
    if (!question) return false;
    if (question.length > maxChars) {
      showSendError("Please shorten your question to " + maxChars + " characters.");
      return false;
    }
    hideSendError();
    removeWelcome();
    var turn = newTurn(question);
    log.appendChild(turn);
    var item = { question: question, turn: turn };
    queue.push(item);
    pendingNote(turn, Boolean(sending));
    reveal(turn);
    pump();
    return true;
  }

  function postChat(message) {
    return fetch("/api/chat", { method: "POST", headers: { "Content-Type": "application/json", "Accept": "application/json" },
      body: JSON.stringify({ message: message, context: state.context }) });
  }

  function pump() {
    if (sending || !queue.length) return;
    var item = queue.shift();
    sending = item;
    pendingNote(item.turn, false);
    announce("Looking that up…");
    queue.forEach(function (q) { pendingNote(q.turn, true); });
    postChat(item.question)
      .then(function (r) {
        return r.json().then(function (data) { return { ok: r.ok, status: r.status, data: data }; },
          function () { return { ok: false, status: r.status, data: {} }; });
      })
      .then(function (res) {
        if (!res.ok) { failed(item, (res.data.error && res.data.error.message) || "Sorry, something went wrong."); return; }
        answered(item, res.data);
      }, function () {
        failed(item, "The connection failed. If this is an emergency, call " + emergencyNumber + ".");
      })
      .then(function () { sending = null; pump(); });
  }

  function answered(item, reply) {
    state.turns.push({ q: item.question, reply: reply });
    state.turns = state.turns.slice(-30);
    state.context = reply.context;
    save();
    var following = inView(item.turn) || atEnd();
    var nodes = settle(item.turn, item.question, reply, true);
    var first = nodes[0];
    if (reply.type === "urgent") {
      reveal(first); // an emergency is always brought fully into view; its card (role=alert) speaks for itself
      hidePill();
      // with no answer beside it, "Looking that up…" must not stay in the live region
      announce(nodes[1] ? "Answer: " + plain(nodes[1]) : "");
    } else {
      if (following) {
        // the turn's top, unless a long question would push the answer's first line out of view
        var gap = first.getBoundingClientRect().top - item.turn.getBoundingClientRect().top;
        var b = band();
        reveal(gap > (b[1] - b[0]) / 2 ? first : item.turn);
        hidePill();
      } else {
        showPill(first);
      }
      announce((reply.type === "answer" ? "Answer: " : "") + plain(first));
    }
    keepFocus();
  }

  function plain(card) {
    var text = card.querySelector(".text");
    var notice = card.querySelector(".notice");
    // innerText keeps paragraphs and list items apart ("...drugs. These drugs"; textContent runs them on)
    var body = text || card;
    var words = (notice ? notice.textContent + " " : "") + (body.innerText || body.textContent);
    return words.replace(/\[\d+\]/g, "").replace(/\s+/g, " ").trim();
  }

  function failed(item, message) {
    var turn = item.turn;
    Array.prototype.forEach.call(turn.querySelectorAll(".pending, .failed"), function (n) { n.remove(); });
    var note = el("div", "msg failed");
    note.setAttribute("role", "alert");
    note.appendChild(el("p", null, "Not sent: " + message));
    var retry = el("button", "retry", "Retry");
    retry.type = "button";
    retry.addEventListener("click", function () {
      note.remove();
      if (box.value.trim() === item.question) box.value = "";
      log.appendChild(turn); // it goes to the end of the conversation, in the order it is now sent
      queue.push(item);
      pendingNote(turn, Boolean(sending));
      reveal(turn);
      box.focus({ preventScroll: true });
      pump();
    });
    note.appendChild(retry);
    turn.appendChild(note);
    if (!box.value.trim()) box.value = item.question; // nothing typed is lost
    if (inView(turn) || turn === log.lastElementChild) reveal(turn);
  }

  function showSendError(message) { sendError.textContent = message; sendError.hidden = false; measure(); }
  function hideSendError() { sendError.hidden = true; sendError.textContent = ""; measure(); }

  // a removed button (a suggestion, Retry) must not leave the keyboard stranded on the page body
  function keepFocus() {
    if (!document.activeElement || document.activeElement === document.body) box.focus({ preventScroll: true });
  }

  // ---- the "New answer" pill ----------------------------------------------------------------
  function showPill(target) { pillTarget = target; pill.hidden = false; }
  function hidePill() { pillTarget = null; pill.hidden = true; }
  pill.addEventListener("click", function () {
    if (pillTarget) reveal(pillTarget);
    hidePill();
    box.focus({ preventScroll: true });
  });
  (embedded ? log : window).addEventListener("scroll", function () {
    if (pillTarget && inView(pillTarget)) hidePill();
  }, { passive: true });

  // ---- restore after a reload ---------------------------------------------------------------
  function restore() {
    if (!state.turns.length) return;
    removeWelcome();
    state.turns.forEach(function (t) {
      var turn = newTurn(t.q);
      log.appendChild(turn);
      settle(turn, t.q, t.reply, false);
    });
    reveal(log.lastElementChild);
  }

  // ---- wiring -------------------------------------------------------------------------------
  form.addEventListener("submit", function (event) {
    event.preventDefault();
    if (event.submitter && event.submitter.name === "new") { newConversation(); return; }
    if (send(box.value)) box.value = "";
    box.focus({ preventScroll: true });
  });
  // the box stops a long paste at its limit: say so, rather than drop the rest without a word
  box.addEventListener("paste", function (event) {
    var pasted = event.clipboardData ? event.clipboardData.getData("text") : "";
    var start = Math.min(box.selectionStart, box.selectionEnd), end = Math.max(box.selectionStart, box.selectionEnd);
    if (box.value.length - (end - start) + pasted.length > maxChars) {
      showSendError("Only the first " + maxChars + " characters fit in one question; the rest of what you pasted was left out.");
      emergencyIn(box.value.slice(0, start) + pasted + box.value.slice(end));
    }
  });
  // what was left out may tell of an emergency ("...right now I have crushing chest pain"): the server reads a
  // message of any length for one, and a calm one comes back refused as too long, which the note says
  function emergencyIn(whole) {
    postChat(whole)
      .then(function (r) { return r.ok ? r.json() : null; })
      .then(function (reply) {
        if (!reply || reply.type !== "urgent") return;
        removeWelcome();
        var item = { question: whole.slice(0, maxChars) + "…", turn: null };
        item.turn = newTurn(item.question);
        log.appendChild(item.turn);
        answered(item, reply);
      }, function () {});
  }
  box.addEventListener("keydown", function (event) {
    if (event.key === "Enter" && !event.shiftKey && !event.isComposing) { event.preventDefault(); form.requestSubmit(); }
  });
  Array.prototype.forEach.call(document.querySelectorAll(".starters .starter, .suggestions .starter"), function (b) {
    b.addEventListener("click", function (event) {
      event.preventDefault();
      send(b.value || b.textContent);
      box.focus({ preventScroll: true });
    });
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
    var closeWidget = function () { window.parent.postMessage({ type: "immunobot:close" }, parentOrigin); };
    if (trusted) {
      close.hidden = false;
      close.addEventListener("click", closeWidget);
      document.addEventListener("keydown", function (event) {
        if (event.key === "Escape" && !event.defaultPrevented) closeWidget();
      });
      window.parent.postMessage({ type: "immunobot:ready" }, parentOrigin);
    }
    window.addEventListener("message", function (event) {
      if (allowed.indexOf(event.origin) === -1 || !event.data || typeof event.data !== "object") return;
      if (event.data.type === "immunobot:focus") box.focus({ preventScroll: true });
    });
  }

  restore();
  root.dataset.ready = "true"; // the page is wired: a message sent from now on is sent by this script
})();
