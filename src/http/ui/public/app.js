// Deskpilot inbox: live refresh (server-sent events), keyboard shortcuts, CSRF header for htmx.
// Plain script, no build step: it is small enough that a bundler would cost more than it saves.
(() => {
  const csrf = document.querySelector('meta[name="csrf-token"]')?.getAttribute('content');
  // The open ticket that follows itself live (the ticket page, or the inbox's ticket pane), and
  // its live parts as the server sent them, taken before anything below changes the page: a part
  // whose fresh copy is the same has nothing new, even while it is being edited.
  const followed = document.querySelector('[data-follow][data-ticket-id]');
  const served = new Map();
  for (const part of followed?.querySelectorAll('[data-live-region]') ?? []) {
    served.set(part.getAttribute('data-live-region'), part.innerHTML);
  }

  // An outcome notice (`?notice=`, set by the redirect after a form) is said once: it leaves the
  // address, so a reload or a bookmark does not repeat "Undo before the countdown ends" later.
  const address = new URL(window.location.href);
  if (address.searchParams.has('notice')) {
    address.searchParams.delete('notice');
    window.history.replaceState(
      window.history.state,
      '',
      address.pathname + address.search + address.hash,
    );
  }

  // A form that destroys something (deleting an article) asks first; without script it just posts.
  document.body.addEventListener('submit', (e) => {
    const message = e.target instanceof HTMLFormElement && e.target.dataset.confirm;
    if (message && !window.confirm(message)) e.preventDefault();
  });

  document.body.addEventListener('htmx:configRequest', (e) => {
    if (csrf) e.detail.headers['X-CSRF-Token'] = csrf;
  });

  // ---- live updates ---------------------------------------------------------------------------
  const toast = document.getElementById('toast');
  function say(text) {
    if (!toast) return;
    toast.textContent = text;
    toast.hidden = false;
    clearTimeout(say.timer);
    say.timer = setTimeout(() => {
      toast.hidden = true;
    }, 4000);
  }
  const live = document.querySelector('[data-live]');
  if (live && 'EventSource' in window) {
    const source = new EventSource(live.getAttribute('data-live'));
    let pending = null;
    let ours = false;
    // Every event names its ticket (the server adds it to a delivery's): the inbox refreshes its
    // queue on any; the open ticket (page or inbox pane) re-reads itself on those about it.
    const refresh = (e) => {
      const ticketId = e?.data ? JSON.parse(e.data).ticketId : null;
      if (followed && ticketId === followed.getAttribute('data-ticket-id')) ours = true;
      clearTimeout(pending);
      pending = setTimeout(() => {
        if (window.htmx) window.htmx.trigger(document.body, 'live-refresh');
        if (ours) followTicket();
        ours = false;
      }, 250);
    };
    source.addEventListener('ready', () => document.body.setAttribute('data-live-ready', 'true'));
    source.addEventListener('draft.created', (e) => {
      const event = JSON.parse(e.data);
      const streaming = document.querySelector('[data-llm-preview]');
      const open = document.querySelector('#detail[data-ticket-id], .ticket-page[data-ticket-id]');
      // The model's draft replacing the stand-in this page shows: say so and offer it, rather
      // than reloading under an agent's hands.
      if (
        streaming &&
        open &&
        open.getAttribute('data-ticket-id') === event.ticketId &&
        streaming.getAttribute('data-llm-preview') !== event.draftId
      ) {
        const note = streaming.querySelector('.llm-preview-status');
        if (note) {
          note.textContent = "The model's draft is ready: ";
          const link = document.createElement('a');
          link.href = window.location.pathname + window.location.search;
          link.textContent = 'show it';
          note.append(link);
        }
        say("The model's draft is ready");
      } else say('New draft waiting');
      refresh(e);
    });
    // The model's draft streaming onto the extractive stand-in shown meanwhile.
    source.addEventListener('draft.progress', (e) => {
      const event = JSON.parse(e.data);
      const box = document.querySelector(`[data-llm-preview="${event.draftId}"]`);
      if (!box) return;
      box.hidden = false;
      const text = box.querySelector('.llm-preview-text');
      if (text) text.textContent = event.text;
    });
    source.addEventListener('draft.decided', refresh);
    // Claimed or saved by someone else, triaged, triage corrected, solved: the queue shows it.
    source.addEventListener('draft.changed', refresh);
    source.addEventListener('ticket.changed', refresh);
    source.addEventListener('delivery.changed', refresh);
    source.addEventListener('presence.changed', (e) => showPresence(JSON.parse(e.data)));
    // Disabled, or signed out by an admin (a password reset): nothing more reaches this page, and
    // the sign-in page says so rather than a page that silently stopped updating.
    source.addEventListener('signed-out', () => {
      source.close();
      const here = window.location.pathname + window.location.search;
      window.location.assign(`/app/login?next=${encodeURIComponent(here)}`);
    });
  }

  // ---- the open ticket follows itself ---------------------------------------------------------
  // On a live event about the open ticket (the ticket page, or the inbox's pane) its own address
  // (data-follow: the same server rendering) is read again and each changed live part swapped in.
  // A part the agent is editing is left as it is and a notice says the ticket changed; the reply
  // composer and note box are never live parts, so a reply being typed is never touched.
  const fieldChanged = (f) => {
    if (f.readOnly || f.disabled || ['hidden', 'submit', 'button', 'reset'].includes(f.type)) {
      return false;
    }
    if (f.tagName === 'SELECT') {
      const initial = [...f.options].findIndex((o) => o.defaultSelected);
      return f.selectedIndex !== (initial === -1 ? 0 : initial);
    }
    if (f.type === 'checkbox' || f.type === 'radio') return f.checked !== f.defaultChecked;
    return f.value !== f.defaultValue;
  };
  const beingEdited = (part) => {
    const active = document.activeElement;
    if (active && part.contains(active) && active.matches('textarea, select, input')) return true;
    return [...part.querySelectorAll('textarea, select, input')].some(fieldChanged);
  };
  let reading = 0;
  // A read that failed (no connection, a server error) says nothing about the ticket: the page
  // says the check failed and offers it again, and leaves the "changed" notice as it was.
  const couldNotCheck = (reason) => {
    const unchecked = document.querySelector('[data-live-unchecked]');
    if (!unchecked) return;
    const why = unchecked.querySelector('[data-live-unchecked-reason]');
    if (why) why.textContent = reason;
    unchecked.hidden = false;
  };
  document.addEventListener('click', (e) => {
    if (!followed || !(e.target instanceof Element) || !e.target.closest('[data-live-retry]')) {
      return;
    }
    const unchecked = document.querySelector('[data-live-unchecked]');
    if (unchecked) unchecked.hidden = true;
    followTicket();
  });
  async function followTicket() {
    const mine = ++reading;
    const stale = document.querySelector('[data-live-stale]');
    let fresh;
    try {
      const res = await fetch(followed.getAttribute('data-follow'), { credentials: 'same-origin' });
      if (mine !== reading) return; // a later read is on its way
      // Gone, or out of this agent's scope now: a change, which the reload shows.
      if ([403, 404, 410].includes(res.status)) {
        if (stale) stale.hidden = false;
        return;
      }
      if (!res.ok) {
        couldNotCheck(`Deskpilot answered with an error (${res.status})`);
        return;
      }
      // Signed out meanwhile (the session ended): the sign-in page is no news about the ticket.
      if (res.redirected && new URL(res.url).pathname.startsWith('/app/login')) {
        couldNotCheck('you are signed out; sign in again in another tab');
        return;
      }
      fresh = new DOMParser().parseFromString(await res.text(), 'text/html');
    } catch {
      if (mine === reading) couldNotCheck('the connection to Deskpilot failed');
      return;
    }
    if (mine !== reading) return; // a later read is on its way
    const unchecked = document.querySelector('[data-live-unchecked]');
    if (unchecked) unchecked.hidden = true;
    // The same ticket, or nothing to take from it (the inbox answers a ticket it no longer may
    // show with its queue and another ticket).
    const id = followed.getAttribute('data-ticket-id');
    if (!fresh.querySelector(`[data-follow][data-ticket-id="${id}"]`)) {
      if (stale) stale.hidden = false;
      return;
    }
    let kept = false;
    for (const part of followed.querySelectorAll('[data-live-region]')) {
      const name = part.getAttribute('data-live-region');
      const next = fresh.querySelector(`[data-live-region="${name}"]`);
      if (!next || next.innerHTML === served.get(name)) continue;
      if (beingEdited(part)) {
        kept = true;
        continue;
      }
      served.set(name, next.innerHTML);
      part.replaceWith(next);
      if (window.htmx) window.htmx.process(next);
    }
    // Said once where the agent is (the notice sits at the top, far from a box on a phone).
    if (kept && stale?.hidden) say('This ticket changed — reload to see it');
    // Nothing held back: the page is current again.
    if (stale) stale.hidden = !kept;
    markEdited();
  }

  // ---- presence: who else has this ticket open, or is editing its draft ---------------------
  function showPresence(event) {
    const detail = document.querySelector('#detail[data-ticket-id], .ticket-page[data-ticket-id]');
    const line = document.querySelector('[data-presence]');
    if (!detail || !line || event.ticketId !== detail.getAttribute('data-ticket-id')) return;
    const me = live?.getAttribute('data-me');
    const others = (event.viewers || []).filter((v) => v.userId !== me);
    line.hidden = others.length === 0;
    line.classList.toggle(
      'editing',
      others.some((v) => v.editing),
    );
    // On the ticket page "editing" is the draft or the composer: either way a reply is being
    // written.
    const editing = detail.classList.contains('ticket-page')
      ? 'is writing a reply'
      : 'is editing this draft';
    line.textContent = others
      .map((v) => `${v.name} ${v.editing ? editing : 'is viewing this ticket'}`)
      .join(' · ');
  }
  const openTicket = document.querySelector(
    '#detail[data-ticket-id], .ticket-page[data-ticket-id]',
  );
  if (openTicket && csrf) {
    const ticketId = openTicket.getAttribute('data-ticket-id');
    let state = 'viewing';
    // This page's own id: the server ignores its requests that arrive after its "left" beacon
    // (which can overtake them), and tells two tabs of one agent apart.
    // (randomUUID needs a secure context: plain-http deployments get the fallback.)
    const newPageId = () =>
      crypto.randomUUID
        ? crypto.randomUUID()
        : Math.random().toString(36).slice(2) + Date.now().toString(36);
    let pageId = newPageId();
    let left = false;
    const tell = (next) => {
      if (left) return;
      state = next;
      const body = new URLSearchParams({ ticketId, state, pageId });
      fetch('/app/presence', {
        method: 'POST',
        headers: { 'X-CSRF-Token': csrf },
        body,
        credentials: 'same-origin',
      })
        .then((r) => (r.ok ? r.json() : null))
        .then((r) => r && showPresence({ ticketId, viewers: r.viewers }))
        .catch(() => {});
    };
    tell('viewing');
    setInterval(() => tell(state), 15000);
    // The draft's text box, and on the ticket page the reply composer: both are a reply being
    // written that another agent should know about before writing their own. Listened for on the
    // document: the ticket page swaps in a new draft box when the draft changes.
    const boxes = () =>
      ['draft-text', 'reply-text']
        .map((id) => document.getElementById(id))
        .filter((box) => box && !box.readOnly);
    const isBox = (t) => boxes().includes(t);
    const editingNow = (e) => isBox(e.target) && state !== 'editing' && tell('editing');
    document.addEventListener('focusin', editingNow);
    document.addEventListener('input', editingNow);
    document.addEventListener('focusout', (e) => {
      if (!isBox(e.target)) return;
      const edited = boxes().some((b) => b.value.trim() !== (b.dataset.original || '').trim());
      if (!edited && state !== 'viewing') tell('viewing');
    });
    window.addEventListener('pagehide', () => {
      left = true;
      const leave = new FormData();
      leave.set('_csrf', csrf);
      leave.set('ticketId', ticketId);
      leave.set('state', 'left');
      leave.set('pageId', pageId);
      navigator.sendBeacon('/app/presence', leave);
    });
    // Back from the back-forward cache: the page is open again, under a new id.
    window.addEventListener('pageshow', (e) => {
      if (!e.persisted) return;
      pageId = newPageId();
      left = false;
      tell(state);
    });
  }

  // ---- the sticky send bar on narrow screens never covers the draft being written -----------
  // (On the document: the ticket page may swap in a new draft box.)
  const clearSendBar = () => {
    const draftBox = document.getElementById('draft-text');
    const sendBar = document.querySelector('#approve-form .actions');
    if (!draftBox || !sendBar || draftBox.readOnly) return;
    if (getComputedStyle(sendBar).position !== 'sticky') return;
    const box = draftBox.getBoundingClientRect();
    const bar = sendBar.getBoundingClientRect();
    // Covered: the box's end is under the bar. The box fits above it (CSS max-height), so
    // scrolling by the overlap shows all of it.
    if (box.bottom > bar.top && box.top < bar.top) window.scrollBy(0, box.bottom - bar.top + 8);
  };
  document.addEventListener('focusin', (e) => {
    if (e.target.id === 'draft-text') requestAnimationFrame(clearSendBar);
  });

  // ---- draft editing state ------------------------------------------------------------------
  function markEdited() {
    const text = document.getElementById('draft-text');
    const approve = document.getElementById('approve-form');
    if (!text || !approve) return;
    approve.classList.toggle('edited', text.value.trim() !== (text.dataset.original || '').trim());
  }
  document.addEventListener('input', (e) => {
    if (e.target.id !== 'draft-text') return;
    clearSendBar();
    markEdited();
  });
  markEdited();
  // One click, one submission: a double click must not post twice (the server would also refuse).
  document.addEventListener('submit', (e) => {
    const form = e.target;
    if (form.dataset.submitted) {
      e.preventDefault();
      return;
    }
    form.dataset.submitted = 'true';
  });

  // ---- reply composer: insert a knowledge-base passage with its citation ----------------------
  // The passage text goes in at the cursor followed by its source line, and its id joins the form
  // so the sent reply records what it cites.
  document.addEventListener('click', (e) => {
    const button = e.target instanceof Element ? e.target.closest('.insert-passage') : null;
    const reply = document.getElementById('reply-text');
    const replyForm = document.getElementById('reply-form');
    if (!button || !reply || !replyForm) return;
    const block = `${button.dataset.text || ''}\n${button.dataset.cite || ''}`;
    const start = reply.selectionStart ?? reply.value.length;
    const end = reply.selectionEnd ?? start;
    const before = reply.value.slice(0, start);
    const gap = !before || before.endsWith('\n\n') ? '' : before.endsWith('\n') ? '\n' : '\n\n';
    reply.value = `${before}${gap}${block}\n\n${reply.value.slice(end)}`;
    const caret = before.length + gap.length + block.length + 2;
    reply.setSelectionRange(caret, caret);
    const chunkId = button.dataset.chunkId;
    if (chunkId && !replyForm.querySelector(`input[name="citation"][value="${chunkId}"]`)) {
      const input = document.createElement('input');
      input.type = 'hidden';
      input.name = 'citation';
      input.value = chunkId;
      replyForm.appendChild(input);
      const list = document.getElementById('reply-citations');
      if (list) {
        const item = document.createElement('li');
        item.textContent = button.dataset.cite || '';
        list.appendChild(item);
      }
    }
    reply.focus();
    say('Passage inserted with its citation');
  });

  // ---- undo window --------------------------------------------------------------------------
  // Counts down from the server's remaining time (no client clock involved); at zero the send
  // has started (or the reply is held: the bar's data-done-text says so), so the Undo button goes.
  const undoBar = document.querySelector('[data-remaining-ms]');
  if (undoBar) {
    const endsAt = performance.now() + Number(undoBar.getAttribute('data-remaining-ms'));
    const counter = undoBar.querySelector('.countdown');
    const tick = () => {
      const left = Math.ceil((endsAt - performance.now()) / 1000);
      if (left > 0) {
        if (counter) counter.textContent = String(left);
        setTimeout(tick, 250);
        return;
      }
      undoBar.querySelector('button')?.remove();
      const done = undoBar.getAttribute('data-done-text');
      const line = done ? undoBar.querySelector('.undo-text') : undoBar.querySelector('.undo-when');
      if (line) line.textContent = done || 'sending now';
      undoBar.removeAttribute('data-remaining-ms');
    };
    tick();
  }

  // ---- keyboard shortcuts -------------------------------------------------------------------
  function go(delta) {
    const links = [...document.querySelectorAll('#queue .items a')];
    if (!links.length) return;
    const current = links.findIndex((a) => a.getAttribute('aria-current') === 'true');
    const next = links[Math.min(links.length - 1, Math.max(0, current + delta))];
    if (next && (current === -1 || next !== links[current])) window.location.assign(next.href);
  }
  function focus(selector) {
    const el = document.querySelector(selector);
    if (el) {
      el.focus();
      if (el.select && el.tagName === 'INPUT') el.select();
    }
    return el;
  }
  // The approve form, when it can be sent: requestSubmit() would post it past a disabled button,
  // which is disabled when the ticket has no way to reach its customer (the pane says why).
  function approvable() {
    const approve = document.getElementById('approve-form');
    return approve?.querySelector('button[type=submit]:not([disabled])') ? approve : null;
  }
  document.addEventListener('keydown', (e) => {
    const target = e.target;
    const typing =
      target instanceof HTMLElement &&
      (target.isContentEditable || ['INPUT', 'TEXTAREA', 'SELECT'].includes(target.tagName));
    if (typing) {
      if (e.key === 'Escape') target.blur();
      if (e.key === 'Enter' && (e.ctrlKey || e.metaKey) && target.id === 'draft-text') {
        e.preventDefault();
        approvable()?.requestSubmit();
      }
      return;
    }
    if (e.ctrlKey || e.metaKey || e.altKey) return;
    switch (e.key) {
      case 'j':
        go(1);
        break;
      case 'k':
        go(-1);
        break;
      case 'e':
        if (focus('#draft-text:not([readonly])')) e.preventDefault();
        break;
      case 'a': {
        const approve = approvable();
        if (approve) {
          e.preventDefault();
          approve.requestSubmit();
        }
        break;
      }
      case 'u': {
        const undo = document.querySelector('.undo-bar[data-remaining-ms]');
        if (undo?.querySelector('button')) {
          e.preventDefault();
          undo.requestSubmit();
        }
        break;
      }
      case 'r':
        if (focus('#reject-reason')) e.preventDefault();
        break;
      case 'g':
        if (focus('#instructions')) e.preventDefault();
        break;
      case 'c':
        if (focus('#category')) e.preventDefault();
        break;
      case '?': {
        const help = document.querySelector('details.shortcuts');
        if (help) help.open = !help.open;
        break;
      }
    }
  });
})();
