// Trợ lý Công đoàn web chat: no framework, no build step, no third-party requests.
// Renders the engine's Replies (paragraphs, "- " lists, choices as buttons, citations, links,
// urgent emphasis), keeps the session in localStorage, retries a failed send with the same
// clientMessageId (the server answers it once), and, while a counsellor has the conversation,
// polls for their messages and asks, once and optionally, what the counsellor should call
// the worker.
(() => {
  'use strict';

  const KEY = 'tlcd.session';
  /** Whether this session's worker answered the name question: { session, answer: 'given' | 'skipped' }. */
  const NAME_KEY = 'tlcd.name';
  const RETRY_DELAYS_MS = [1000, 2500, 5000];
  const POLL_MS = 5000;
  const WAITING_MODES = ['queued', 'human'];

  const log = document.getElementById('log');
  const form = document.getElementById('composer');
  const input = document.getElementById('input');
  const send = document.getElementById('send');
  const typing = document.getElementById('typing');
  const typingText = document.getElementById('typing-text');
  const BOT_TYPING = typingText.textContent;
  const COUNSELLOR_TYPING = 'Tư vấn viên đang soạn tin…';
  const status = document.getElementById('status');
  const restart = document.getElementById('restart');
  const defaultStatus = status.textContent;

  let session = readSession();
  let busy = false;
  let polling = false;
  let pollTimer = null;
  /** Newest counsellor message time seen (server clock), and what was already shown. */
  let counsellorSince = null;
  /** The last poll said a counsellor is writing. */
  let counsellorTyping = false;
  const shownCounsellor = new Set();

  function readSession() {
    try { return localStorage.getItem(KEY); } catch { return null; }
  }
  function saveSession(value) {
    // A name given on this page belongs to its session, and so does the prompt or line about it
    // (a new session after "xóa dữ liệu" is a new chat: it may be asked again).
    const changed = value !== session;
    if (changed) {
      givenName = null;
      nameMemory = null;
      if (namePlace) namePlace.remove();
      namePlace = null;
    }
    session = value;
    try {
      if (changed) localStorage.removeItem(NAME_KEY);
      if (value) localStorage.setItem(KEY, value); else localStorage.removeItem(KEY);
    } catch { /* private mode: the session lives as long as the page */ }
  }

  const el = (tag, cls, text) => {
    const e = document.createElement(tag);
    if (cls) e.className = cls;
    if (text !== undefined) e.textContent = text;
    return e;
  };

  /** Paragraphs and "- " lists, built as DOM nodes: text is never parsed as HTML. */
  function renderText(container, text) {
    let list = null;
    for (const line of String(text).split('\n')) {
      const item = /^\s*[-•]\s+(.*)$/.exec(line);
      if (item) {
        if (!list) { list = el('ul'); container.appendChild(list); }
        list.appendChild(el('li', '', item[1]));
      } else {
        list = null;
        if (line.trim() !== '') container.appendChild(el('p', '', line.trim()));
      }
    }
  }

  const safeUrl = (url) => /^https?:\/\//i.test(url);

  function atBottom() { return log.scrollHeight - log.scrollTop - log.clientHeight < 80; }
  function scrollToEnd() { log.scrollTop = log.scrollHeight; }

  /** role: 'me' | 'bot' | 'counsellor'. Returns the bubble. */
  function addMessage(role, text, reply) {
    const bubble = el('div', `msg ${role}`);
    if (reply && reply.urgent) {
      bubble.classList.add('urgent');
      bubble.appendChild(el('span', 'urgent-label', 'Quan trọng'));
    }
    if (role === 'counsellor') bubble.appendChild(el('span', 'who', 'Tư vấn viên'));
    renderText(bubble, text);
    bubble.dataset.text = text;
    if (reply && Array.isArray(reply.citations) && reply.citations.length) {
      const cites = el('div', 'cites');
      cites.appendChild(el('p', 'cites-title', 'Căn cứ pháp lý'));
      const ul = el('ul');
      for (const c of reply.citations) ul.appendChild(el('li', '', c));
      cites.appendChild(ul);
      bubble.appendChild(cites);
    }
    if (reply && Array.isArray(reply.links)) {
      const links = reply.links.filter((l) => l && safeUrl(l.url));
      if (links.length) {
        const box = el('div', 'links');
        for (const l of links) {
          const a = el('a', '', l.label || l.url);
          a.href = l.url; a.target = '_blank'; a.rel = 'noopener noreferrer';
          box.appendChild(a);
        }
        bubble.appendChild(box);
      }
    }
    log.appendChild(bubble);
    if (reply && Array.isArray(reply.choices) && reply.choices.length) {
      const box = el('div', 'choices');
      box.setAttribute('role', 'group');
      box.setAttribute('aria-label', 'Lựa chọn');
      for (const c of reply.choices) {
        const b = el('button', '', c.label);
        b.type = 'button';
        b.addEventListener('click', () => {
          if (busy) return;
          for (const other of box.querySelectorAll('button')) other.disabled = true;
          b.classList.add('picked');
          post({ postback: c.payload }, c.label);
        });
        box.appendChild(b);
      }
      log.appendChild(box);
    }
    return bubble;
  }

  function addNotice(text, retry) {
    const p = el('div', 'notice');
    p.appendChild(el('span', '', text));
    if (retry) {
      const b = el('button', 'retry', 'Gửi lại');
      b.type = 'button';
      b.addEventListener('click', () => { p.remove(); retry(); });
      p.appendChild(b);
    }
    log.appendChild(p);
    scrollToEnd();
    return p;
  }

  function setBusy(on) {
    busy = on;
    send.disabled = on;
    showTyping();
    if (on) scrollToEnd();
  }

  /** One indicator: the bot answering this page's request, else a counsellor writing. */
  function showTyping() {
    typing.hidden = !busy && !counsellorTyping;
    typingText.textContent = busy ? BOT_TYPING : COUNSELLOR_TYPING;
  }

  function showMode(mode) {
    status.textContent = mode === 'queued' ? 'Đang chờ tư vấn viên…' : mode === 'human' ? 'Tư vấn viên đang trò chuyện với bạn' : defaultStatus;
    if (WAITING_MODES.includes(mode)) { startPolling(); offerName(); } else stopPolling();
  }

  // ---- what the counsellor should call the worker ----------------------------------------
  // Asked once a person has the chat, inline and optional; never takes the focus from the
  // message box. Once given or skipped it is not asked again in this session; a small button
  // where it was lets the worker give or change it later. The name itself stays off the device.

  /** The prompt's place in the log (the form or the line that replaced it). */
  let namePlace = null;
  /** The name given on this page, to show back; unknown after a reload. */
  let givenName = null;
  /** This session's answer, in memory too (private mode keeps nothing). */
  let nameMemory = null;

  function nameAnswer() {
    if (nameMemory && nameMemory.session === session) return nameMemory.answer;
    try {
      const stored = JSON.parse(localStorage.getItem(NAME_KEY) || 'null');
      return stored && stored.session === session ? stored.answer : null;
    } catch { return null; }
  }
  function rememberName(answer) {
    nameMemory = { session, answer };
    try { localStorage.setItem(NAME_KEY, JSON.stringify(nameMemory)); } catch { /* kept in memory */ }
  }

  function offerName() {
    if (!session || (namePlace && namePlace.isConnected)) return;
    const answer = nameAnswer();
    const follow = atBottom();
    namePlace = answer ? nameLine(answer) : nameForm(false);
    log.appendChild(namePlace);
    if (follow) scrollToEnd();
  }

  /** Puts `next` where the prompt is; focus follows only when it was inside the prompt. */
  function replaceName(next, focusTarget) {
    const hadFocus = namePlace && namePlace.contains(document.activeElement);
    namePlace.replaceWith(next);
    namePlace = next;
    if (hadFocus || focusTarget === 'always') (next.querySelector('input') || next.querySelector('button')).focus();
  }

  /** The small line left after an answer: what the counsellor sees, and a way to change it. */
  function nameLine(answer) {
    const line = el('div', 'name-ask done');
    if (givenName) {
      const said = el('span', '', 'Tư vấn viên sẽ gọi bạn là ');
      said.appendChild(el('strong', '', givenName));
      said.appendChild(document.createTextNode('.'));
      line.appendChild(said);
    }
    const label = givenName ? 'Đổi tên' : answer === 'given' ? 'Đổi tên gọi của bạn' : 'Cho tư vấn viên biết tên bạn';
    const b = el('button', 'link', label);
    b.type = 'button';
    b.addEventListener('click', () => replaceName(nameForm(true), 'always'));
    line.appendChild(b);
    return line;
  }

  /** The question; `again` when the worker opened it to change their answer. */
  function nameForm(again) {
    const f = el('form', 'name-ask');
    f.setAttribute('autocomplete', 'off');
    const id = `name-${newId()}`;
    const label = el('label', '', 'Tư vấn viên nên gọi bạn là gì? ');
    label.htmlFor = id;
    label.appendChild(el('span', 'opt', '(không bắt buộc)'));
    const field = el('input');
    field.id = id;
    field.type = 'text';
    field.maxLength = 60;
    field.autocapitalize = 'words';
    field.setAttribute('enterkeyhint', 'done');
    field.spellcheck = false;
    if (givenName) field.value = givenName;
    const save = el('button', '', 'Lưu');
    save.type = 'submit';
    const skip = el('button', 'link', again ? 'Đóng' : 'Bỏ qua');
    skip.type = 'button';
    const error = el('p', 'name-error');
    error.setAttribute('role', 'alert');
    error.hidden = true;
    const row = el('div', 'name-row');
    row.append(field, save, skip);
    f.append(label, row, error);

    const close = () => {
      // Skipping the first time is an answer; cancelling a change keeps the earlier one.
      if (!again) rememberName('skipped');
      replaceName(nameLine(nameAnswer()));
    };
    skip.addEventListener('click', close);
    field.addEventListener('keydown', (e) => { if (e.key === 'Escape') { e.preventDefault(); close(); } });
    f.addEventListener('submit', async (e) => {
      e.preventDefault();
      if (save.disabled) return;
      save.disabled = true;
      error.hidden = true;
      let res = null;
      let data = null;
      try {
        res = await fetch('/api/chat/name', { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ session, name: field.value }) });
        data = await res.json().catch(() => null);
      } catch { res = null; }
      save.disabled = false;
      if (res && res.ok && data) {
        givenName = data.name;
        rememberName(data.name ? 'given' : 'skipped');
        replaceName(nameLine(nameAnswer()));
        return;
      }
      error.textContent = data && data.error ? data.error.message : 'Chưa lưu được. Bạn kiểm tra kết nối mạng rồi thử lại nhé.';
      error.hidden = false;
    });
    return f;
  }

  function newId() {
    if (window.crypto && crypto.randomUUID) return crypto.randomUUID();
    const bytes = new Uint8Array(16);
    crypto.getRandomValues(bytes);
    return Array.from(bytes, (b) => b.toString(16).padStart(2, '0')).join('');
  }

  const sleep = (ms) => new Promise((r) => setTimeout(r, ms));

  /** Sends one message; `shownAs` is the worker's bubble text (a tapped button's label). */
  function post(body, shownAs) {
    if (busy) return Promise.resolve(false);
    const mine = shownAs ? addMessage('me', shownAs) : null;
    scrollToEnd();
    const payload = Object.assign({ clientMessageId: newId() }, body, session ? { session } : {});
    return deliver(payload, mine);
  }

  /**
   * Network failures, 5xx and 429 are retried with the same clientMessageId, so the server
   * answers once; other refusals (too long, malformed) are shown and not retried.
   */
  async function deliver(payload, mine) {
    if (busy) return false;
    setBusy(true);
    if (mine) mine.classList.remove('failed');
    for (let attempt = 0; ; attempt++) {
      let res = null;
      let data = null;
      try {
        res = await fetch('/api/chat', { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(payload) });
        data = await res.json().catch(() => null);
      } catch { res = null; }

      if (res && res.ok && data) {
        setBusy(false);
        if (data.session !== session) saveSession(data.session);
        if (data.duplicate && !(data.replies && data.replies.length)) {
          // Answered before but the answer was lost on the way: show the conversation as stored.
          await reloadHistory();
        } else {
          let first = null;
          for (const r of data.replies) {
            const b = addMessage('bot', r.text, r);
            if (!first) first = b;
          }
          // A long answer: show where it starts, not its end.
          if (first && first.offsetHeight > log.clientHeight * 0.6) first.scrollIntoView({ block: 'start' });
          else scrollToEnd();
        }
        showMode(data.mode);
        return true;
      }

      const retryable = !res || res.status >= 500 || res.status === 429;
      if (retryable && attempt < RETRY_DELAYS_MS.length) {
        await sleep(RETRY_DELAYS_MS[attempt]);
        continue;
      }

      setBusy(false);
      if (mine) mine.classList.add('failed');
      if (retryable) {
        addNotice('Chưa gửi được. Bạn kiểm tra kết nối mạng rồi bấm "Gửi lại" nhé.', () => deliver(payload, mine));
      } else {
        addNotice(data && data.error ? data.error.message : 'Có lỗi xảy ra, bạn thử lại nhé.');
        // The worker can shorten or fix what they wrote instead of typing it again.
        if (payload.text && !input.value) { input.value = payload.text; autosize(); }
      }
      return false;
    }
  }

  async function fetchHistory(since) {
    const q = `session=${encodeURIComponent(session)}${since ? `&since=${encodeURIComponent(since)}` : ''}`;
    const res = await fetch(`/api/chat/history?${q}`);
    if (res.status === 400) return { invalid: true };
    if (!res.ok) throw new Error(`history ${res.status}`);
    return res.json();
  }

  function noteCounsellor(m) {
    const key = `${m.at}|${m.text}`;
    if (shownCounsellor.has(key)) return false;
    shownCounsellor.add(key);
    if (!counsellorSince || m.at > counsellorSince) counsellorSince = m.at;
    return true;
  }

  function renderHistory(messages) {
    log.replaceChildren();
    shownCounsellor.clear();
    counsellorSince = null;
    for (const m of messages) {
      if (m.role === 'counsellor') noteCounsellor(m);
      addMessage(m.role === 'worker' ? 'me' : m.role === 'counsellor' ? 'counsellor' : 'bot', m.text);
    }
    // Poll from the newest message we have, on the server's clock.
    const last = messages[messages.length - 1];
    if (last && !counsellorSince) counsellorSince = last.at;
    scrollToEnd();
  }

  async function reloadHistory() {
    try {
      const data = await fetchHistory();
      if (data.invalid || !data.messages.length) return false;
      renderHistory(data.messages);
      showMode(data.mode);
      return true;
    } catch {
      return false;
    }
  }

  /** On load: the stored conversation, or a fresh start when there is none. */
  async function restore() {
    setBusy(true);
    let data;
    try {
      data = await fetchHistory();
    } catch {
      setBusy(false);
      // Keep the session: the conversation is still there once the network is back.
      addNotice('Không tải được cuộc trò chuyện. Bạn kiểm tra kết nối mạng nhé.', restore);
      return;
    }
    setBusy(false);
    if (data.invalid || !data.messages.length) {
      // Unknown or deleted ("xóa dữ liệu"): start over.
      saveSession(null);
      await post({ postback: 'START' });
      return;
    }
    renderHistory(data.messages);
    showMode(data.mode);
  }

  async function poll() {
    pollTimer = null;
    if (!polling || !session) return;
    let delay = POLL_MS;
    try {
      const data = await fetchHistory(counsellorSince);
      if (!data.invalid) {
        const follow = atBottom();
        const handedBack = !WAITING_MODES.includes(data.mode);
        // Without a starting point on the server's clock, only what came after the worker's
        // last message can be new to this page.
        const fresh = counsellorSince ? data.messages : data.messages.slice(data.messages.map((m) => m.role).lastIndexOf('worker') + 1);
        for (const m of data.messages) {
          if (m.role === 'counsellor' && noteCounsellor(m)) addMessage('counsellor', m.text);
          // What was sent to the worker while a person had the chat (the closing question when
          // the counsellor hands back), unless this page already showed it from its own request.
          else if (m.role === 'bot' && handedBack && fresh.includes(m) && !recentBotTexts().has(m.text)) addMessage('bot', m.text, m);
        }
        const last = data.messages[data.messages.length - 1];
        if (last && !counsellorSince) counsellorSince = last.at;
        counsellorTyping = data.counsellorTyping === true && !handedBack;
        showTyping();
        // A message is on its way: look again sooner.
        if (counsellorTyping) delay = POLL_MS / 2;
        if (follow) scrollToEnd();
        if (handedBack) { showMode(data.mode); return; }
      }
    } catch {
      delay = POLL_MS * 3;
    }
    if (polling && pollTimer === null) pollTimer = setTimeout(poll, delay);
  }
  /** Texts of the last bot bubbles on the page, to avoid showing a reply twice. */
  function recentBotTexts() {
    const texts = new Set();
    const bubbles = log.querySelectorAll('.msg.bot');
    for (let i = Math.max(0, bubbles.length - 10); i < bubbles.length; i++) texts.add(bubbles[i].dataset.text || '');
    return texts;
  }
  function startPolling() {
    polling = true;
    if (pollTimer === null) pollTimer = setTimeout(poll, POLL_MS);
  }
  function stopPolling() {
    polling = false;
    counsellorTyping = false;
    showTyping();
    if (pollTimer !== null) { clearTimeout(pollTimer); pollTimer = null; }
  }

  function autosize() {
    // Empty: back to one line (the placeholder must not size the box).
    if (!input.value) { input.style.height = ''; return; }
    input.style.height = 'auto';
    input.style.height = `${Math.min(input.scrollHeight, 140)}px`;
  }

  form.addEventListener('submit', (e) => {
    e.preventDefault();
    const text = input.value.trim();
    if (!text || busy) return;
    input.value = '';
    autosize();
    post({ text }, text);
  });
  input.addEventListener('keydown', (e) => {
    // Vietnamese input methods compose with Enter too: never send mid-composition.
    if (e.key === 'Enter' && !e.shiftKey && !e.isComposing && e.keyCode !== 229) {
      e.preventDefault();
      form.requestSubmit();
    }
  });
  input.addEventListener('input', autosize);

  restart.addEventListener('click', () => {
    if (busy) return;
    stopPolling();
    saveSession(null);
    log.replaceChildren();
    shownCounsellor.clear();
    counsellorSince = null;
    showMode('bot');
    post({ postback: 'START' });
    input.focus();
  });

  if (session) restore(); else post({ postback: 'START' });
})();
