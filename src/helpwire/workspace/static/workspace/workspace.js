/* Helpwire workspace behaviour: live updates, collision warnings, shortcuts, small helpers.
   No inline scripts anywhere (the Content-Security-Policy forbids them). */
(function () {
  "use strict";
  const body = document.body;
  const page = body.dataset.page || "";
  const ticketId = body.dataset.ticket ? parseInt(body.dataset.ticket, 10) : null;
  const $ = (sel, root) => (root || document).querySelector(sel);
  const $$ = (sel, root) => Array.from((root || document).querySelectorAll(sel));

  /* ---- small helpers ---------------------------------------------------------------- */
  function collapseQuotes(root) {
    $$(".msg .body blockquote", root).forEach((q) => {
      if (q.dataset.ready) return;
      q.dataset.ready = "1";
      q.classList.add("collapsed");
      q.title = "…";
      q.addEventListener("click", () => q.classList.toggle("collapsed"));
    });
  }

  function wireReply() {
    const form = $("#reply");
    if (!form || form.dataset.ready) return;
    form.dataset.ready = "1";
    form.addEventListener("change", (e) => {
      if (e.target.name === "kind") form.classList.toggle("note-mode", e.target.value === "note");
    });
    form.addEventListener("htmx:afterRequest", (e) => {
      if (e.detail.elt === form && e.detail.successful) {
        form.reset();
        form.classList.remove("note-mode");
        $$("input[name=templates]", form).forEach((el) => el.remove());
        $("#templates").innerHTML = "";
      }
    });
    form.addEventListener("click", (e) => {
      const button = e.target.closest(".use-template");
      if (!button) return;
      const area = $("#reply-body");
      area.value = (area.value ? area.value + "\n\n" : "") + button.dataset.text;
      // The template's actions (tags, status) apply when the reply is sent.
      const used = document.createElement("input");
      used.type = "hidden";
      used.name = "templates";
      used.value = button.dataset.id;
      form.appendChild(used);
      area.focus();
      $("#templates").innerHTML = "";
    });
    const area = $("#reply-body");
    wireMentions(area);
    let lastTyping = 0;
    area.addEventListener("input", () => {
      const now = Date.now();
      if (now - lastTyping > 3000) { lastTyping = now; send({ type: "typing", ticket: ticketId }); }
    });
  }

  /* ---- @mentions by name: type @ and a name, pick with the mouse or the arrows ------ */
  function wireMentions(area) {
    const list = $("#mention-list");
    if (!area || !list || !area.dataset.mentions) return;
    let timer = null;
    const partial = () => {
      const before = area.value.slice(0, area.selectionStart);
      const m = before.match(/(?:^|\s)@([^\s@]{1,30}(?: [^\s@]{0,30})?)$/);
      return m ? m[1] : null;
    };
    const close = () => { list.innerHTML = ""; };
    area.addEventListener("input", () => {
      clearTimeout(timer);
      const q = partial();
      if (q === null) { close(); return; }
      timer = setTimeout(() => {
        fetch(area.dataset.mentions + "?" + new URLSearchParams({ q }),
              { headers: { "HX-Request": "true" } })
          .then((r) => (r.ok ? r.text() : ""))
          .then((html) => { list.innerHTML = partial() === null ? "" : html; });
      }, 150);
    });
    area.addEventListener("keydown", (e) => {
      const first = list.querySelector(".suggestion");
      if (e.key === "ArrowDown" && first) { first.focus(); e.preventDefault(); }
      else if (e.key === "Escape" && list.innerHTML) { close(); e.preventDefault(); }
    });
    list.addEventListener("keydown", (e) => {
      const items = $$(".suggestion", list);
      const i = items.indexOf(document.activeElement);
      if (e.key === "ArrowDown" && i < items.length - 1) { items[i + 1].focus(); e.preventDefault(); }
      else if (e.key === "ArrowUp") { (i > 0 ? items[i - 1] : area).focus(); e.preventDefault(); }
      else if (e.key === "Escape") { close(); area.focus(); e.preventDefault(); }
    });
    list.addEventListener("click", (e) => {
      const choice = e.target.closest(".suggestion");
      if (!choice) return;
      const caret = area.selectionStart;
      const before = area.value.slice(0, caret);
      const start = before.lastIndexOf("@");
      const inserted = "@" + choice.dataset.label + " ";
      area.value = before.slice(0, start) + inserted + area.value.slice(caret);
      const at = start + inserted.length;
      area.focus();
      area.setSelectionRange(at, at);
      close();
    });
  }

  document.addEventListener("input", (e) => {
    const target = e.target.dataset && e.target.dataset.filter;
    if (!target) return;
    const needle = e.target.value.trim().toLowerCase();
    $$(target).forEach((li) => { li.hidden = needle && !(li.dataset.text || "").includes(needle); });
  });

  document.addEventListener("htmx:afterSwap", (e) => { collapseQuotes(e.target); wireReply(); });
  // Plain forms that destroy something ask first (data-confirm holds the question).
  document.addEventListener("submit", (e) => {
    const question = e.target.dataset && e.target.dataset.confirm;
    if (question && !window.confirm(question)) e.preventDefault();
  });
  document.addEventListener("htmx:responseError", (e) => {
    // Error partials (400) carry their message; show them where they belong.
    const xhr = e.detail.xhr;
    if ((xhr.status === 400 || xhr.status === 409) && e.detail.target) {
      const doc = new DOMParser().parseFromString(xhr.responseText, "text/html");
      const select = e.detail.requestConfig.elt.getAttribute("hx-select");
      const part = select ? doc.querySelector(select) : null;
      if (part) {
        e.detail.target.outerHTML = part.outerHTML;
        // The answer also shows the ticket as it is now: the header and conversation too.
        ["#ticket-title", "#conversation"].forEach((sel) => {
          const fresh = doc.querySelector(sel);
          if (fresh && sel !== select && $(sel)) {
            fresh.removeAttribute("hx-swap-oob");
            $(sel).replaceWith(fresh);
          }
        });
        const swapped = select ? $(select) : null;
        if (swapped && window.htmx) window.htmx.process(swapped);
      }
    }
  });

  /* ---- pickers: search as you type, the hidden input carries the id ------------------- */
  document.addEventListener("click", (e) => {
    const choice = e.target.closest(".picker .suggestion");
    if (!choice) return;
    const picker = choice.closest("[data-picker]");
    picker.querySelector(".picker-q").value = choice.dataset.label;
    const hidden = picker.querySelector("input[type=hidden]");
    hidden.value = choice.dataset.id;
    hidden.dispatchEvent(new Event("change", { bubbles: true }));
    picker.querySelector(".picker-list").innerHTML = "";
  });
  document.addEventListener("input", (e) => {
    // Typing again forgets the chosen id until a suggestion is picked.
    if (e.target.classList && e.target.classList.contains("picker-q")) {
      const hidden = e.target.closest("[data-picker]").querySelector("input[type=hidden]");
      if (!e.target.value.trim()) hidden.value = "";
      else if (hidden.value) hidden.value = "";
    }
  });

  /* ---- bulk bar --------------------------------------------------------------------- */
  const selected = new Set();
  function wireBulk() {
    const form = $("#bulk");
    if (!form || form.dataset.ready) return;
    form.dataset.ready = "1";
    const action = $("#bulk-action");
    const all = $("#bulk-all");
    const label = $("#bulk-selected");
    const matchButton = $("#bulk-select-matching");
    const count = () => (all.value ? form.dataset.matching : String(selected.size));
    const showValue = () => $$(".bulk-value", form).forEach((el) => {
      el.hidden = el.dataset.for !== action.value;
    });
    function refresh() {
      const boxes = $$("#rows input[name=ids]");
      // "Every ticket of the list" covers whatever rows the list shows now.
      boxes.forEach((b) => { b.checked = !!all.value || selected.has(b.value); });
      const pageBox = $("#select-page");
      const whole = boxes.length > 0 && boxes.every((b) => b.checked);
      if (pageBox) pageBox.checked = whole;
      if (!all.value) {
        label.textContent = selected.size ? label.dataset.some.replace("%s", selected.size)
                                          : label.dataset.none;
      }
      if (matchButton) matchButton.hidden = !whole || !!all.value;
    }
    action.addEventListener("change", showValue);
    showValue();
    form.addEventListener("change", (e) => {
      const t = e.target;
      if (t.name === "ids") {
        if (t.checked) selected.add(t.value); else selected.delete(t.value);
      } else if (t.id === "select-page") {
        $$("#rows input[name=ids]").forEach((b) => {
          if (t.checked) selected.add(b.value); else selected.delete(b.value);
        });
      } else return;
      all.value = "";
      refresh();
    });
    if (matchButton) matchButton.addEventListener("click", () => {
      const query = new URLSearchParams({ list_path: form.elements.list_path.value,
                                          list_query: form.elements.list_query.value });
      fetch(form.dataset.countUrl + "?" + query, { headers: { "HX-Request": "true" } })
        .then((r) => (r.ok ? r.text() : Promise.reject(r.status)))
        .then((html) => {
          const doc = new DOMParser().parseFromString(html, "text/html");
          const info = doc.querySelector("[data-n]");
          if (!info) return;
          all.value = "1";
          form.dataset.matching = info.dataset.n;
          label.textContent = info.textContent.trim();
          matchButton.hidden = true;
        })
        .catch(() => {});
    });
    // Destructive actions ask first and say how many tickets they touch.
    form.addEventListener("htmx:confirm", (e) => {
      if (e.detail.elt !== form) return;
      const name = action.value;
      const message = form.dataset["confirm" + name.charAt(0).toUpperCase() + name.slice(1)];
      if (!message) return;
      e.preventDefault();
      if (window.confirm(message.replace("%s", count()))) e.detail.issueRequest(true);
    });
    document.addEventListener("htmx:afterSwap", (e) => {
      if (e.target && e.target.id === "rows") refresh();  // the selection survives
    });
    refresh();
  }

  /* ---- live updates ----------------------------------------------------------------- */
  let socket = null;
  const queue = [];
  function send(message) {
    if (!ticketId) return;
    if (socket && socket.readyState === 1) socket.send(JSON.stringify(message));
    else queue.push(message);
  }

  function refreshTicket() {
    fetch(body.dataset.fragment, { headers: { "HX-Request": "true" } })
      .then((r) => (r.ok ? r.text() : Promise.reject(r.status)))
      .then((html) => {
        const doc = new DOMParser().parseFromString(html, "text/html");
        const title = doc.querySelector("#ticket-title");
        if (title && $("#ticket-title")) {
          title.removeAttribute("hx-swap-oob");
          $("#ticket-title").replaceWith(title);
        }
        const conv = doc.querySelector("#conversation");
        if (conv) { $("#conversation").replaceWith(conv); collapseQuotes(conv); }
        const props = doc.querySelector("#props");
        const current = $("#props");
        // Never yank a panel from under an agent who is editing it, and keep an error he
        // has not acted on yet (a refused edit) above the fresh values.
        if (props && current && !current.contains(document.activeElement)) {
          const error = current.querySelector(":scope > .error[role=alert]");
          if (error && !props.querySelector(":scope > .error")) props.prepend(error);
          current.replaceWith(props);
          if (window.htmx) window.htmx.process(props);
        }
      })
      .catch(() => {});
  }

  let rowsTimer = null;
  function onEvents(events) {
    window.htmx && window.htmx.trigger(body, "live-counts");
    if (page === "queue") {
      clearTimeout(rowsTimer);
      rowsTimer = setTimeout(() => window.htmx.trigger(body, "live-rows"), 300);
    }
    if (page === "ticket" && events.some((e) => e.ticket === ticketId && !e.mine)) refreshTicket();
  }

  const presence = new Map();
  function showPresence() {
    const box = $("#presence");
    if (!box) return;
    const now = Date.now();
    const parts = [];
    presence.forEach((p, id) => {
      if (now - p.at > 15000) { presence.delete(id); return; }
      parts.push(p.state === "typing" ? box.dataset.typing.replace("%s", p.name)
                                      : box.dataset.viewing.replace("%s", p.name));
    });
    box.textContent = parts.join(" · ");
    box.hidden = parts.length === 0;
  }

  function notify(n) {
    const link = $("#notif-link");
    if (link) link.classList.add("unread");
    const badge = $("#notif-link .notif-count");
    if (badge) {
      const count = (parseInt(badge.dataset.count, 10) || 0) + 1;
      badge.dataset.count = String(count);
      badge.textContent = String(count);
      badge.hidden = false;
    }
    if ("Notification" in window && Notification.permission === "granted") {
      const note = new Notification("Helpwire", { body: n.text, tag: "hw-" + n.pk });
      if (n.ticket_id) note.onclick = () => { window.location.href = "/tickets/" + n.ticket_id + "/"; };
    }
  }

  function connect(delay) {
    const scheme = location.protocol === "https:" ? "wss://" : "ws://";
    socket = new WebSocket(scheme + location.host + "/ws/live/");
    socket.addEventListener("open", () => {
      delay = 1000;
      body.dataset.live = "on";
      if (ticketId) socket.send(JSON.stringify({ type: "viewing", ticket: ticketId }));
      while (queue.length) socket.send(JSON.stringify(queue.shift()));
    });
    socket.addEventListener("message", (e) => {
      const data = JSON.parse(e.data);
      if (data.type === "events") onEvents(data.events);
      else if (data.type === "notification") notify(data);
      else if (data.type === "presence") {
        if (data.state === "left") presence.delete(data.agent);
        else {
          const known = presence.has(data.agent);
          presence.set(data.agent, { name: data.name, state: data.state, at: Date.now() });
          // Answer a newcomer so he sees us too.
          if (!known && data.state === "viewing") send({ type: "viewing", ticket: ticketId });
        }
        showPresence();
      }
    });
    socket.addEventListener("close", () => {
      body.dataset.live = "off";
      setTimeout(() => connect(Math.min((delay || 1000) * 2, 30000)), delay || 1000);
    });
  }
  if (body.dataset.agent) connect(1000);
  if (ticketId) setInterval(() => { send({ type: "viewing", ticket: ticketId }); showPresence(); }, 8000);

  /* ---- shortcuts -------------------------------------------------------------------- */
  let cursor = -1;
  let selectedTicket = null;
  function rows() { return $$("#rows tr.row"); }
  function select(i) {
    const all = rows();
    if (!all.length) return;
    cursor = Math.max(0, Math.min(i, all.length - 1));
    all.forEach((r, n) => r.classList.toggle("selected", n === cursor));
    selectedTicket = all[cursor].dataset.ticket;
    all[cursor].scrollIntoView({ block: "nearest" });
  }
  // Live refreshes re-render the rows: keep the selection on the same ticket.
  document.addEventListener("htmx:afterSwap", (e) => {
    if (!selectedTicket || !e.target || e.target.id !== "rows") return;
    const all = rows();
    const i = all.findIndex((r) => r.dataset.ticket === selectedTicket);
    if (i >= 0) { cursor = i; all[i].classList.add("selected"); }
    else cursor = Math.min(cursor, all.length - 1);
  });
  document.addEventListener("keydown", (e) => {
    const tag = (e.target.tagName || "").toLowerCase();
    if (["input", "textarea", "select"].includes(tag) || e.metaKey || e.ctrlKey || e.altKey) return;
    const dialog = $("#shortcuts");
    if (e.key === "?") { dialog.showModal(); e.preventDefault(); return; }
    if (e.key === "/") { $("#global-search").focus(); e.preventDefault(); return; }
    if (page === "queue") {
      if (e.key === "j") select(cursor + 1);
      else if (e.key === "k") select(cursor - 1);
      else if (e.key === "Enter" && cursor >= 0) { const a = rows()[cursor].querySelector(".subj a"); if (a) a.click(); }
    }
    if (page === "ticket") {
      const form = $("#reply");
      if ((e.key === "r" || e.key === "n") && form) {
        const radio = form.querySelector(`input[name=kind][value=${e.key === "n" ? "note" : "reply"}]`);
        radio.checked = true;
        form.classList.toggle("note-mode", e.key === "n");
        $("#reply-body").focus();
        e.preventDefault();
      } else if (e.key === "s") {
        const status = $("#p-status");
        if (status) { status.value = "solved"; status.form.requestSubmit(); }
      }
    }
  });
  document.addEventListener("click", (e) => {
    const show = e.target.closest("[data-show-images]");
    if (show) {  // remote images load only when the agent asks, message by message
      const message = show.closest("article");
      $$("img[data-remote-src]", message).forEach((img) => {
        const url = img.dataset.remoteSrc;
        if (/^(https?:)?\/\//i.test(url)) img.src = url.startsWith("//") ? "https:" + url : url;
        img.removeAttribute("data-remote-src");
      });
      show.closest(".held-images").remove();
    }
    const toggle = e.target.closest(".navtoggle");
    if (toggle) {  // the narrow layout folds the queues away behind this button
      const open = document.body.classList.toggle("nav-open");
      toggle.setAttribute("aria-expanded", String(open));
    }
    if (e.target.closest("[data-shortcuts]")) $("#shortcuts").showModal();
    // Desktop notifications need one user gesture to be allowed.
    if ("Notification" in window && Notification.permission === "default") Notification.requestPermission();
  });

  /* ---- rules: drag a row to reorder (the arrows do the same without a mouse) ---------- */
  function wireRuleOrder() {
    const body = $(".rules-table tbody");
    if (!body) return;
    let dragged = null;
    body.addEventListener("dragstart", (e) => {
      dragged = e.target.closest("tr[data-index]");
      if (dragged) e.dataTransfer.effectAllowed = "move";
    });
    body.addEventListener("dragover", (e) => {
      if (dragged && e.target.closest("tr[data-index]")) e.preventDefault();
    });
    body.addEventListener("drop", (e) => {
      const target = e.target.closest("tr[data-index]");
      if (!dragged || !target || target === dragged) return;
      e.preventDefault();
      const form = $("form[action$='/move/']", dragged);
      form.elements.to.value = target.dataset.index;
      form.submit();
    });
  }

  /* ---- SLA clocks: the server says how much working time is left; between refreshes the
     browser only counts it down (a clock is paused or met on the server, never here) ---- */
  function tickClocks() {
    $$(".sla[data-remaining]").forEach((el) => {
      if (el.dataset.state === "paused") return;
      const left = Number(el.dataset.remaining) - 30;
      el.dataset.remaining = String(left);
      const warn = Number(el.dataset.warning || 0);
      const state = left < 0 ? "breached" : left <= warn ? "warning" : "running";
      el.classList.remove("sla-running", "sla-warning", "sla-breached");
      el.classList.add("sla-" + state);
      const minutes = Math.floor(Math.abs(left) / 60);
      const text = $(".sla-time", el);
      if (text) text.textContent = Math.floor(minutes / 60) + ":" + String(minutes % 60).padStart(2, "0");
    });
  }
  setInterval(tickClocks, 30000);

  collapseQuotes(document);
  wireReply();
  wireBulk();
  wireRuleOrder();
})();
