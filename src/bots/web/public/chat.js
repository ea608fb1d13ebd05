// Trợ lý Công đoàn web chat: no framework, no build step. Renders the engine's Replies:
// text (paragraphs, "- " lists), choices as buttons, citations, links, urgent emphasis.
(() => {
  'use strict';
  const log = document.getElementById('log');
  const form = document.getElementById('composer');
  const input = document.getElementById('input');
  const send = document.getElementById('send');
  const typing = document.getElementById('typing');
  const KEY = 'tlcd.session';
  let session = localStorage.getItem(KEY);
  let busy = false;

  const el = (tag, cls, text) => {
    const e = document.createElement(tag);
    if (cls) e.className = cls;
    if (text !== undefined) e.textContent = text;
    return e;
  };

  /** Paragraphs and "- " lists, built as DOM nodes (never innerHTML). */
  function renderText(container, text) {
    let list = null;
    for (const line of text.split('\n')) {
      if (/^\s*-\s+/.test(line)) {
        if (!list) { list = el('ul'); container.appendChild(list); }
        list.appendChild(el('li', '', line.replace(/^\s*-\s+/, '')));
      } else if (line.trim() === '') {
        list = null;
      } else {
        list = null;
        container.appendChild(el('p', '', line));
      }
    }
  }

  function scroll() { log.scrollTop = log.scrollHeight; }

  function addMessage(role, text, reply) {
    const bubble = el('div', `msg ${role}${reply && reply.urgent ? ' urgent' : ''}`);
    renderText(bubble, text);
    if (reply && reply.citations && reply.citations.length) {
      const cites = el('div', 'cites');
      cites.appendChild(el('strong', '', 'Căn cứ pháp lý'));
      const ul = el('ul');
      for (const c of reply.citations) ul.appendChild(el('li', '', c));
      cites.appendChild(ul);
      bubble.appendChild(cites);
    }
    if (reply && reply.links && reply.links.length) {
      const links = el('div', 'links');
      for (const l of reply.links) {
        const a = el('a', '', l.label);
        a.href = l.url; a.target = '_blank'; a.rel = 'noopener noreferrer';
        links.appendChild(a);
      }
      bubble.appendChild(links);
    }
    log.appendChild(bubble);
    if (reply && reply.choices && reply.choices.length) {
      const box = el('div', 'choices');
      box.setAttribute('role', 'group');
      box.setAttribute('aria-label', 'Lựa chọn');
      for (const c of reply.choices) {
        const b = el('button', '', c.label);
        b.type = 'button';
        b.addEventListener('click', () => {
          for (const other of box.querySelectorAll('button')) other.disabled = true;
          post({ postback: c.payload }, c.label);
        });
        box.appendChild(b);
      }
      log.appendChild(box);
    }
    scroll();
  }

  function newId() {
    return (crypto.randomUUID ? crypto.randomUUID() : `${Date.now()}-${Math.random().toString(16).slice(2)}`).replace(/[^\w-]/g, '');
  }

  async function post(body, shownAs) {
    if (busy) return;
    busy = true; send.disabled = true; typing.hidden = false;
    if (shownAs) addMessage('me', shownAs);
    const payload = Object.assign({ clientMessageId: newId() }, body, session ? { session } : {});
    for (let attempt = 0; attempt < 3; attempt++) {
      try {
        const res = await fetch('/api/chat', { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(payload) });
        const data = await res.json();
        if (!res.ok) { log.appendChild(el('p', 'error', data.error ? data.error.message : 'Có lỗi xảy ra.')); break; }
        session = data.session; localStorage.setItem(KEY, session);
        const before = log.children.length;
        for (const r of data.replies) addMessage('bot', r.text, r);
        // Long answers: show where the new answer starts, not its end.
        const first = log.children[before];
        if (first && first.offsetHeight > log.clientHeight * 0.6) first.scrollIntoView({ block: 'start' });
        busy = false; send.disabled = false; typing.hidden = true; input.focus();
        return;
      } catch (e) {
        // Network hiccup: retry with the same clientMessageId, so the server answers once.
        if (attempt === 2) log.appendChild(el('p', 'error', 'Mất kết nối. Bạn kiểm tra mạng rồi gửi lại nhé.'));
        else await new Promise((r) => setTimeout(r, 800 * (attempt + 1)));
      }
    }
    busy = false; send.disabled = false; typing.hidden = true; scroll();
    input.focus();
  }

  async function restore() {
    try {
      const res = await fetch(`/api/chat/history?session=${encodeURIComponent(session)}`);
      if (!res.ok) throw new Error('no history');
      const data = await res.json();
      if (!data.messages.length) throw new Error('empty');
      for (const m of data.messages) addMessage(m.role === 'worker' ? 'me' : m.role === 'counsellor' ? 'counsellor' : 'bot', m.text);
    } catch {
      session = null; localStorage.removeItem(KEY);
      await post({ postback: 'START' });
    }
  }

  form.addEventListener('submit', (e) => {
    e.preventDefault();
    const text = input.value.trim();
    if (!text) return;
    input.value = ''; input.style.height = '';
    post({ text }, text);
  });
  input.addEventListener('keydown', (e) => {
    if (e.key === 'Enter' && !e.shiftKey) { e.preventDefault(); form.requestSubmit(); }
  });
  input.addEventListener('input', () => { input.style.height = 'auto'; input.style.height = `${Math.min(input.scrollHeight, 140)}px`; });

  if (session) restore(); else post({ postback: 'START' });
})();
