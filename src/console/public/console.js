// The counsellor console: plain JavaScript, no build step. Talks to /console/api with the
// session cookie and the CSRF token from /console/api/session; hears live events over SSE.
(() => {
  'use strict';

  const $ = (id) => document.getElementById(id);
  const API = '/console/api';
  const CHANNELS = { web: 'Web chat', telegram: 'Telegram', zalo: 'Zalo', messenger: 'Messenger', cli: 'Dòng lệnh' };
  const ROLES = { worker: 'Người lao động', bot: 'Trợ lý', counsellor: 'Tư vấn viên', system: 'Hệ thống' };
  const KINDS = { answer: 'trả lời', flow: 'tính toán', clarify: 'hỏi lại', handoff: 'chuyển tư vấn viên', smalltalk: 'chào hỏi', fallback: 'chưa hiểu' };
  const STATUS = { pending: 'đang gửi…', sent: 'đã gửi', retrying: 'đang thử gửi lại', failed: 'gửi không được' };
  const OUTCOMES = { resolved: 'Đã giải đáp', referred: 'Đã hướng dẫn nơi giải quyết', 'no-response': 'Không phản hồi', 'not-in-scope': 'Ngoài phạm vi', other: 'Khác' };

  let me = null;
  let csrf = '';
  let loginToken = '';
  let tab = 'queue';
  let current = null; // conversation id shown in the chat view
  let record = null;
  let queue = [];
  let mine = [];
  let events = null;
  let alarmFor = null;
  const knownQueued = new Set();

  // ---- helpers ---------------------------------------------------------------------------
  function el(tag, cls, text) {
    const e = document.createElement(tag);
    if (cls) e.className = cls;
    if (text !== undefined && text !== null) e.textContent = text;
    return e;
  }
  function minutes(ms) {
    const m = Math.floor(ms / 60000);
    if (m < 1) return 'vừa xong';
    if (m < 60) return `${m} phút`;
    return `${Math.floor(m / 60)} giờ ${m % 60} phút`;
  }
  const time = (iso) => new Date(iso).toLocaleTimeString('vi-VN', { hour: '2-digit', minute: '2-digit' });
  const dateTime = (iso) => new Date(iso).toLocaleString('vi-VN', { hour: '2-digit', minute: '2-digit', day: '2-digit', month: '2-digit' });
  const workerName = (x) => x.displayName || `Người lao động ${x.conversationId.slice(-4).toUpperCase()}`;

  async function api(path, options = {}) {
    const init = { method: options.method || 'GET', headers: {}, credentials: 'same-origin' };
    if (options.body !== undefined) {
      init.headers['content-type'] = 'application/json';
      init.body = JSON.stringify(options.body);
    }
    if (init.method !== 'GET') init.headers['x-csrf-token'] = options.token || csrf;
    const res = await fetch(API + path, init);
    let data = null;
    try { data = await res.json(); } catch { /* empty body */ }
    if (res.status === 401 && path !== '/session' && path !== '/login') { showLogin(); throw new Error('Bạn cần đăng nhập lại.'); }
    if (!res.ok) {
      const err = new Error((data && data.error && data.error.message) || 'Có lỗi xảy ra, bạn thử lại nhé.');
      err.status = res.status;
      err.data = data;
      throw err;
    }
    return data;
  }

  // ---- login -----------------------------------------------------------------------------
  function chatError(message) {
    $('chat-alert').textContent = message;
  }

  function showLogin(fetchToken = true) {
    me = null;
    if (events) { events.close(); events = null; }
    $('app').hidden = true;
    $('login').hidden = false;
    if (fetchToken) api('/session').catch((e) => { loginToken = (e.data && e.data.loginToken) || ''; });
    $('login-email').focus();
  }

  $('login-form').addEventListener('submit', async (e) => {
    e.preventDefault();
    $('login-error').textContent = '';
    try {
      const data = await api('/login', { method: 'POST', token: loginToken, body: { email: $('login-email').value, password: $('login-password').value } });
      $('login-password').value = '';
      start(data);
    } catch (err) {
      $('login-error').textContent = err.message;
      if (err.status === 403) api('/session').catch((x) => { loginToken = (x.data && x.data.loginToken) || ''; });
    }
  });

  $('logout').addEventListener('click', async () => {
    try { await api('/logout', { method: 'POST' }); } finally { showLogin(); }
  });

  function start(session) {
    me = session.account;
    csrf = session.csrfToken;
    $('login').hidden = true;
    $('app').hidden = false;
    $('me-name').textContent = `${me.name} (${me.role === 'admin' ? 'quản trị' : 'tư vấn viên'})`;
    for (const b of document.querySelectorAll('[data-admin]')) b.hidden = me.role !== 'admin';
    connect();
    refreshLists();
    refreshTicketCount();
    loadColleagues();
    loadSnippets().catch(() => { /* the picker stays empty; the chat works without it */ });
    notifyButton();
  }

  // ---- lists -----------------------------------------------------------------------------
  async function refreshTicketCount() {
    try {
      const data = await api('/tickets');
      $('tickets-count').textContent = String(data.tickets.length);
      return data.tickets;
    } catch { return null; }
  }

  async function refreshLists() {
    const [q, m] = await Promise.all([api('/queue'), api('/mine')]);
    queue = q.queue;
    mine = m.mine;
    for (const item of queue) knownQueued.add(item.conversationId);
    $('queue-count').textContent = String(queue.length);
    $('mine-count').textContent = String(mine.length);
    const urgent = queue.find((x) => x.urgent);
    if (urgent && alarmFor !== 'dismissed:' + urgent.conversationId) raiseAlarm(urgent);
    if (!urgent) clearAlarm();
    if (tab === 'queue' || tab === 'mine') renderList();
  }

  function renderList() {
    const items = tab === 'mine' ? mine : queue;
    $('list-title').textContent = tab === 'mine' ? 'Cuộc trò chuyện của tôi' : 'Hàng chờ';
    const list = $('list');
    list.replaceChildren();
    $('list-empty').hidden = items.length > 0;
    $('list-empty').textContent = tab === 'mine' ? 'Bạn chưa nhận cuộc trò chuyện nào.' : 'Không có cuộc trò chuyện nào đang chờ.';
    for (const item of items) {
      const li = el('li');
      const b = el('button', `item${item.urgent ? ' urgent' : ''}${item.conversationId === current ? ' active' : ''}`);
      b.type = 'button';
      b.dataset.id = item.conversationId;
      const top = el('span', 'item-top');
      if (item.urgent) top.append(el('span', 'badge urgent', 'KHẨN'));
      top.append(el('strong', null, workerName(item)));
      top.append(el('span', 'badge', CHANNELS[item.channel] || item.channel));
      b.append(top);
      b.append(el('span', 'item-meta', `${subject(item)} · chờ ${minutes(item.waitingMs)}`));
      if (item.preview) b.append(el('span', 'item-preview', item.preview));
      if (tab === 'mine' && item.lastRole === 'worker') b.append(el('span', 'badge new', 'tin mới'));
      b.addEventListener('click', () => openChat(item.conversationId));
      li.append(b);
      list.append(li);
    }
  }

  // ---- tabs ------------------------------------------------------------------------------
  for (const b of document.querySelectorAll('[data-tab]')) b.addEventListener('click', () => showTab(b.dataset.tab));

  function showTab(name) {
    tab = name;
    for (const b of document.querySelectorAll('[data-tab]')) {
      if (b.dataset.tab === name) b.setAttribute('aria-current', 'page'); else b.removeAttribute('aria-current');
    }
    if (name === 'queue' || name === 'mine') {
      renderList();
      if (!current) { $('page').hidden = true; $('welcome').hidden = false; }
      return;
    }
    current = null;
    $('chat').hidden = true;
    $('welcome').hidden = true;
    $('page').hidden = false;
    ({ tickets: showTickets, search: showSearch, unanswered: showUnanswered, drafts: showDrafts, snippets: showSnippets, accounts: showAccounts, audit: showAudit })[name]();
  }

  function pageHeading(title, intro) {
    const page = $('page');
    page.replaceChildren(el('h2', null, title));
    if (intro) page.append(el('p', 'muted', intro));
    return page;
  }

  async function showTickets() {
    const title = ['Hẹn gọi lại', 'Tin nhắn người lao động để lại ngoài giờ làm việc. Bấm Nhận gọi lại trước khi gọi để đồng nghiệp không gọi trùng. Số điện thoại được che; mỗi lần xem số đầy đủ được ghi vào nhật ký.'];
    let data;
    try {
      data = await api('/tickets');
    } catch (err) {
      pageHeading(...title).append(el('p', 'muted', err.status === 404 ? 'Chức năng hẹn gọi lại chưa được bật.' : err.message));
      return;
    }
    // Drawn only once the list is here: a refresh from a live event and one from a click may
    // overlap, and each replaces the page whole.
    const page = pageHeading(...title);
    $('tickets-count').textContent = String(data.tickets.length);
    if (!data.tickets.length) page.append(el('p', 'muted', 'Chưa có phiếu nào.'));
    const ul = el('ul', 'cards');
    for (const t of data.tickets) ul.append(ticketCard(t));
    page.append(ul);
  }

  /**
   * One call-back. A counsellor takes it before calling (Nhận gọi lại), so that two do not call
   * the same worker; only the taker sees the full number, and gives it back or marks it done.
   */
  function ticketCard(t) {
    const li = el('li', 'card');
    const who = t.displayName || 'người lao động';
    const mine = t.takenBy && t.takenBy.id === me.id;
    const admin = me.role === 'admin';
    li.append(el('strong', null, `${t.displayName || 'Người lao động'} · ${CHANNELS[t.channel] || t.channel}`));
    li.append(el('p', null, t.message));
    const phone = el('p', 'phone', t.phoneMasked ? `Gọi lại: ${t.phoneMasked}` : 'Không để lại số điện thoại: trả lời trong cuộc trò chuyện.');
    li.append(phone);
    if (t.takenBy) li.append(el('p', 'taken', mine ? 'Bạn đang gọi lại phiếu này.' : `${t.takenBy.name || 'Một đồng nghiệp'} đang gọi lại phiếu này.`));
    li.append(el('p', 'muted', dateTime(t.createdAt)));
    const button = (label, aria, onClick) => {
      const b = el('button', null, label);
      b.type = 'button';
      if (aria) b.setAttribute('aria-label', aria);
      b.addEventListener('click', async () => {
        try { await onClick(b); } catch (err) { li.append(el('p', 'error', err.message)); }
      });
      return b;
    };
    const act = async (verb) => { await api(`/tickets/${t.id}/${verb}`, { method: 'POST' }); await showTickets(); };
    if (!t.takenBy) li.append(button('Nhận gọi lại', `Nhận gọi lại cho ${who}: đồng nghiệp sẽ thấy bạn đang gọi`, () => act('take')));
    if (t.phoneMasked && (mine || admin)) {
      li.append(button('Xem số đầy đủ', `Xem số điện thoại đầy đủ của ${who} (được ghi vào nhật ký)`, async (reveal) => {
        const res = await api(`/tickets/${t.id}/phone`, { method: 'POST' });
        const link = el('a', null, res.phone);
        link.href = `tel:${res.phone}`;
        phone.replaceChildren('Gọi lại: ', link);
        reveal.remove();
      }));
    }
    if (t.takenBy && (mine || admin)) li.append(button('Trả lại', `Trả phiếu của ${who} cho đồng nghiệp khác nhận`, () => act('release')));
    li.append(button('Mở cuộc trò chuyện', null, () => openChat(t.conversationId)));
    if (!t.takenBy || mine || admin) {
      li.append(button('Đã xử lý', `Đánh dấu đã xử lý phiếu của ${who}`, async () => { await api(`/tickets/${t.id}/done`, { method: 'POST' }); li.remove(); refreshTicketCount(); }));
    }
    return li;
  }

  async function showUnanswered() {
    const page = pageHeading('Câu hỏi Trợ lý chưa trả lời được', 'Nhóm theo mức giống nhau, nhóm đông nhất ở trên. Thông tin cá nhân đã được che.');
    const data = await api('/unanswered');
    if (!data.groups.length) page.append(el('p', 'muted', 'Chưa có câu hỏi nào.'));
    const table = el('table', 'grid');
    table.append(rowOf('th', ['Số lần', 'Câu hỏi', 'Cách hỏi khác', 'Mục gần nhất trong kho', 'Lần cuối']));
    for (const g of data.groups) {
      table.append(rowOf('td', [String(g.count), g.example, g.variants.join(' · '), g.nearest ? `${g.nearest.question} (${g.nearest.id}, ${g.nearest.confidence})` : '—', dateTime(g.lastAt)]));
    }
    page.append(table);
  }

  async function showDrafts() {
    const page = pageHeading('Bản nháp kiến thức chờ biên tập', 'Người biên tập xuất bằng lệnh: npm run console -- drafts export');
    const data = await api('/drafts');
    if (!data.drafts.length) page.append(el('p', 'muted', 'Chưa có bản nháp nào.'));
    const ul = el('ul', 'cards');
    for (const d of data.drafts) {
      const li = el('li', 'card');
      li.append(el('strong', null, d.question));
      if (d.phrasings.length) li.append(el('p', 'muted', `Cách hỏi: ${d.phrasings.join(' · ')}`));
      li.append(el('p', 'pre', d.answer));
      li.append(el('p', 'muted', `Căn cứ: ${d.citation || '(cần điền)'} · ${d.counsellorName || ''} · ${dateTime(d.createdAt)}`));
      ul.append(li);
    }
    page.append(ul);
  }

  /** Earlier chats by what was said in them (without regard to diacritics). */
  function showSearch() {
    const page = pageHeading('Tìm cuộc trò chuyện', 'Tìm theo lời người lao động hoặc tư vấn viên đã viết (có dấu hay không dấu đều được), trong 90 ngày gần đây.');
    const form = el('form', 'inline');
    form.setAttribute('role', 'search');
    const label = el('label', 'sr-only', 'Từ cần tìm');
    label.htmlFor = 'chat-search-q';
    const input = el('input');
    input.id = 'chat-search-q'; input.type = 'search'; input.minLength = 2; input.maxLength = 100; input.required = true;
    input.placeholder = 'vd: nợ lương, tên công ty';
    const go = el('button', 'primary', 'Tìm');
    go.type = 'submit';
    form.append(label, input, go);
    const status = el('p', 'muted');
    status.setAttribute('role', 'status');
    const ul = el('ul', 'cards');
    form.addEventListener('submit', async (e) => {
      e.preventDefault();
      ul.replaceChildren();
      status.textContent = 'Đang tìm…';
      try {
        const data = await api(`/chats/search?q=${encodeURIComponent(input.value.trim())}`);
        status.textContent = data.hits.length
          ? `${data.hits.length} cuộc trò chuyện${data.truncated ? ` (đã tìm đến ${dateTime(data.searchedBack)}; thu hẹp từ khóa để tìm xa hơn)` : ''}.`
          : 'Không tìm thấy cuộc trò chuyện nào.';
        for (const h of data.hits) {
          const li = el('li', 'card');
          li.append(el('strong', null, `${workerName(h)} · ${CHANNELS[h.channel] || h.channel || ''}`));
          li.append(el('p', 'pre', `${h.role === 'counsellor' ? 'Tư vấn viên: ' : ''}${h.line}`));
          li.append(el('p', 'muted', dateTime(h.at)));
          const open = el('button', null, 'Mở cuộc trò chuyện');
          open.type = 'button';
          open.addEventListener('click', () => openChat(h.conversationId));
          li.append(open);
          ul.append(li);
        }
      } catch (err) { status.textContent = err.message; }
    });
    page.append(form, status, ul);
    input.focus();
  }

  /** The office's canned replies: admins add and remove them here; counsellors pick them in a chat. */
  async function showSnippets() {
    const page = pageHeading('Mẫu trả lời', 'Câu trả lời soạn sẵn của văn phòng (lời chào, giấy tờ cần mang, địa chỉ, giờ làm việc…). Tư vấn viên chọn mẫu trong cuộc trò chuyện, sửa rồi mới gửi.');
    const msg = el('p', 'muted');
    msg.setAttribute('role', 'status');
    const list = await loadSnippets();
    const ul = el('ul', 'cards');
    for (const s of list) {
      const li = el('li', 'card');
      li.append(el('strong', null, s.title), el('p', 'pre', s.text));
      const del = el('button', 'danger', 'Xóa');
      del.type = 'button';
      del.setAttribute('aria-label', `Xóa mẫu ${s.title}`);
      del.addEventListener('click', async () => {
        try { await api(`/snippets/${s.id}/delete`, { method: 'POST' }); showSnippets(); } catch (err) { msg.textContent = err.message; }
      });
      li.append(del);
      ul.append(li);
    }
    if (!list.length) page.append(el('p', 'muted', 'Chưa có mẫu nào.'));
    const form = el('form', 'card');
    form.append(el('h3', null, 'Thêm mẫu'));
    const tl = el('label', null, 'Tên mẫu (tư vấn viên chọn theo tên này)');
    tl.htmlFor = 'snippet-new-title';
    const title = el('input');
    title.id = 'snippet-new-title'; title.required = true; title.maxLength = 80;
    const xl = el('label', null, 'Nội dung');
    xl.htmlFor = 'snippet-new-text';
    const text = el('textarea');
    text.id = 'snippet-new-text'; text.required = true; text.rows = 4; text.maxLength = 2000;
    const submit = el('button', 'primary', 'Lưu mẫu');
    submit.type = 'submit';
    form.append(tl, title, xl, text, submit, msg);
    form.addEventListener('submit', async (e) => {
      e.preventDefault();
      try { await api('/snippets', { method: 'POST', body: { title: title.value, text: text.value } }); showSnippets(); } catch (err) { msg.textContent = err.message; }
    });
    page.append(ul, form);
  }

  /** Fetches the canned replies and fills the chat view's picker with them. */
  async function loadSnippets() {
    const { snippets } = await api('/snippets');
    const pick = $('snippet');
    pick.replaceChildren(new Option(snippets.length ? 'Chọn mẫu để chèn…' : 'Chưa có mẫu (quản trị viên thêm ở mục Mẫu trả lời)', ''));
    for (const s of snippets) {
      const o = new Option(s.title, String(s.id));
      o.dataset.text = s.text;
      pick.append(o);
    }
    return snippets;
  }

  async function showAccounts() {
    const page = pageHeading('Tài khoản');
    const form = el('form', 'card account-form');
    form.id = 'account-form';
    const field = (id, label, type) => {
      const l = el('label', null, label);
      l.htmlFor = id;
      const i = el('input');
      i.id = id; i.type = type || 'text'; i.required = true;
      form.append(l, i);
      return i;
    };
    form.append(el('h3', null, 'Tạo tài khoản'));
    const email = field('acc-email', 'Email', 'email');
    const name = field('acc-name', 'Họ tên');
    const password = field('acc-password', 'Mật khẩu ban đầu (ít nhất 10 ký tự)', 'password');
    password.autocomplete = 'new-password';
    const rl = el('label', null, 'Vai trò');
    rl.htmlFor = 'acc-role';
    const role = el('select');
    role.id = 'acc-role';
    role.append(new Option('Tư vấn viên', 'counsellor'), new Option('Quản trị viên', 'admin'));
    const msg = el('p', 'muted');
    msg.setAttribute('role', 'status');
    const submit = el('button', 'primary', 'Tạo tài khoản');
    submit.type = 'submit';
    form.append(rl, role, submit, msg);
    form.addEventListener('submit', async (e) => {
      e.preventDefault();
      try {
        await api('/accounts', { method: 'POST', body: { email: email.value, name: name.value, role: role.value, password: password.value } });
        showAccounts();
      } catch (err) { msg.textContent = err.message; }
    });
    const data = await api('/accounts');
    const table = el('table', 'grid');
    table.append(rowOf('th', ['Họ tên', 'Email', 'Vai trò', 'Trạng thái', '']));
    for (const a of data.accounts) {
      const tr = rowOf('td', [a.name, a.email, a.role === 'admin' ? 'Quản trị' : 'Tư vấn viên', a.disabled ? 'Đã khóa' : 'Hoạt động', '']);
      if (a.id !== me.id) {
        const b = el('button', a.disabled ? '' : 'danger', a.disabled ? 'Mở lại' : 'Khóa');
        b.type = 'button';
        b.setAttribute('aria-label', `${a.disabled ? 'Mở lại' : 'Khóa'} tài khoản ${a.name}`);
        b.addEventListener('click', async () => {
          try { await api(`/accounts/${encodeURIComponent(a.id)}/${a.disabled ? 'enable' : 'disable'}`, { method: 'POST' }); showAccounts(); } catch (err) { msg.textContent = err.message; }
        });
        tr.lastChild.append(b);
      }
      table.append(tr);
    }
    page.append(table, form);
  }

  async function showAudit() {
    const page = pageHeading('Nhật ký thao tác', '300 thao tác gần nhất.');
    const data = await api('/audit');
    const table = el('table', 'grid');
    table.append(rowOf('th', ['Lúc', 'Ai', 'Thao tác', 'Cuộc trò chuyện', 'Chi tiết']));
    for (const a of data.entries) table.append(rowOf('td', [dateTime(a.at), a.counsellorName || '—', a.action, a.conversationId ? a.conversationId.slice(0, 18) : '', a.detail ? JSON.stringify(a.detail) : '']));
    page.append(table);
  }

  function rowOf(cell, values) {
    const tr = el('tr');
    for (const v of values) tr.append(el(cell, null, v));
    return tr;
  }

  // ---- chat view -------------------------------------------------------------------------
  async function openChat(id) {
    current = id;
    if (tab !== 'queue' && tab !== 'mine') showTab('queue');
    $('welcome').hidden = true;
    $('page').hidden = true;
    $('chat').hidden = false;
    $('kb-results').replaceChildren();
    $('draft-box').hidden = true;
    $('reply-status').textContent = '';
    chatError('');
    renderList();
    await loadChat();
    $('chat-title').focus();
  }

  async function loadChat() {
    if (!current) return;
    const id = current;
    const data = await api(`/conversations/${encodeURIComponent(id)}`);
    if (current !== id) return;
    record = data;
    renderChat();
  }

  /** Why the chat waits, then what it is about: "Bạo lực, đe dọa · Tiền lương". */
  function subject(r) {
    return [r.concern, r.topicTitle].filter(Boolean).join(' · ') || 'Chưa rõ chủ đề';
  }

  function renderChat() {
    const r = record;
    const mineNow = r.assignee && r.assignee.id === me.id;
    const waiting = !r.assignee && (r.mode === 'queued' || r.mode === 'human');
    $('chat-title').textContent = workerName(r);
    $('chat-title').tabIndex = -1;
    const state = waiting ? 'đang chờ' : r.assignee ? `đang trò chuyện với ${r.assignee.name}` : 'đã trả lại cho Trợ lý';
    $('chat-meta').textContent = `${CHANNELS[r.channel] || r.channel} · ${subject(r)} · ${state}${r.urgent ? ' · KHẨN' : ''}`;
    $('claim').hidden = !waiting;
    $('transfer').hidden = !(mineNow || (r.assignee && me.role === 'admin'));
    $('transfer-to').hidden = $('transfer').hidden;
    $('reply-form').hidden = !mineNow;
    $('close-box').hidden = !(mineNow || (r.assignee && me.role === 'admin'));
    const wasClosedByMe = !r.assignee && r.messages.some((m) => m.counsellorId === me.id);
    if (wasClosedByMe && $('draft-box').hidden) offerDraft();

    const log = $('transcript');
    // Follow the conversation when something new arrives (or on opening it); otherwise keep
    // the place of a counsellor reading back.
    const before = log.dataset.for === r.conversationId ? Number(log.dataset.count || 0) : -1;
    const follow = log.scrollTop + log.clientHeight >= log.scrollHeight - 40;
    log.replaceChildren();
    // Each counsellor line of the transcript is paired with its console message (same text, in
    // order) for the delivery status; a message that never reached the transcript is shown too.
    const unused = r.messages.slice();
    const lines = r.transcript.map((line) => {
      if (line.role !== 'counsellor') return { line };
      const i = unused.findIndex((m) => m.text === line.text);
      return { line, message: i >= 0 ? unused.splice(i, 1)[0] : undefined };
    });
    for (const m of unused) lines.push({ line: { role: 'counsellor', text: m.text, at: m.at }, message: m });
    lines.sort((a, b) => (a.line.at < b.line.at ? -1 : a.line.at > b.line.at ? 1 : 0));
    // Replies whose sending was cut short and done again: paired with their line the same way
    // (same sender, same text, in order), so the counsellor knows the worker may have it twice.
    const repeated = (r.interrupted || []).slice();
    const wasInterrupted = (line) => {
      if (line.role !== 'bot' && line.role !== 'counsellor') return undefined;
      const i = repeated.findIndex((x) => x.fromHuman === (line.role === 'counsellor') && x.text === line.text);
      return i >= 0 ? repeated.splice(i, 1)[0] : undefined;
    };
    for (const { line, message } of lines) {
      const li = el('li', `line ${line.role}`);
      const head = el('span', 'line-head', `${ROLES[line.role] || line.role} · ${time(line.at)}`);
      const shown = line.attachments || [];
      li.append(head);
      // The pictures and files show themselves; their description lines would only repeat them.
      const described = new Set(shown.map((a) => a.description));
      const text = line.text.split('\n').filter((t) => !described.has(t)).join('\n');
      if (text) li.append(el('p', 'text', text));
      if (shown.length) li.append(attachmentsBox(shown));
      if (line.role === 'bot' && line.outcome) {
        const o = line.outcome;
        const bits = [`hiểu là: ${KINDS[o.kind] || o.kind}`];
        if (o.faqId) bits.push(`mục ${o.faqId}`);
        if (typeof o.confidence === 'number') bits.push(`độ tin cậy ${Math.round(o.confidence * 100)}%`);
        if (o.flow) bits.push(`công cụ ${o.flow}`);
        if (o.urgent) bits.push('KHẨN');
        li.append(el('p', 'understood', bits.join(' · ')));
      }
      if (line.role === 'counsellor') {
        const m = message;
        if (m) {
          const s = el('p', `delivery ${m.status}`, `${m.counsellorName || ''} · ${STATUS[m.status] || m.status}${m.reason ? ` — ${m.reason}` : ''}`);
          li.append(s);
          if (m.status === 'failed') li.classList.add('failed');
        }
      }
      const twice = wasInterrupted(line);
      if (twice) {
        li.append(el('p', 'delivery interrupted', `Có thể đã gửi hai lần — ${twice.reason}`));
        li.classList.add('interrupted');
      }
      log.append(li);
    }
    if (follow || before < lines.length) log.scrollTop = log.scrollHeight;
    log.dataset.for = r.conversationId;
    log.dataset.count = String(lines.length);

    const notes = $('notes');
    notes.replaceChildren();
    for (const n of r.notes) {
      const li = el('li', 'note');
      li.append(el('span', 'muted', `${n.counsellorName || ''} · ${dateTime(n.at)}`), el('p', null, n.text));
      notes.append(li);
    }
    if (!r.notes.length) notes.append(el('li', 'muted', 'Chưa có ghi chú.'));
  }

  // ---- what workers sent: pictures as thumbnails, other files as links -------------------
  // The chat view is redrawn on every live event; each picture keeps its element (and so the
  // image it loaded), since the server answers them with no-store and would be asked again.
  const attachmentNodes = new Map();

  function attachmentsBox(list) {
    const box = el('div', 'attachments');
    for (const a of list) {
      let node = attachmentNodes.get(a.href);
      if (!node) {
        node = a.kind === 'image' ? thumbnail(a) : fileLink(a);
        attachmentNodes.set(a.href, node);
      }
      box.append(node);
    }
    return box;
  }

  /** Why a file could not be had, from the server's answer. */
  async function fileError(href) {
    try {
      const res = await fetch(href, { credentials: 'same-origin' });
      const data = await res.json();
      return (data && data.error && data.error.message) || 'Không tải được tệp này nữa.';
    } catch {
      return 'Không tải được tệp này nữa.';
    }
  }

  function thumbnail(a) {
    const wrap = el('div', 'attachment');
    const link = el('a', 'thumb');
    link.href = a.href;
    link.target = '_blank';
    link.rel = 'noopener';
    link.title = 'Mở ảnh cỡ đầy đủ trong thẻ mới';
    const img = el('img');
    img.loading = 'lazy';
    img.decoding = 'async';
    img.alt = a.label;
    img.src = a.href;
    // A picture arriving after the view followed the conversation down would push the end out
    // of sight: follow it again, unless the counsellor is reading further up.
    img.addEventListener('load', () => {
      const log = $('transcript');
      if (log.scrollHeight - log.scrollTop - log.clientHeight <= img.clientHeight + 60) log.scrollTop = log.scrollHeight;
    }, { once: true });
    img.addEventListener('error', async () => {
      link.replaceWith(el('p', 'attachment-error', `${img.alt}: ${await fileError(a.href)}`));
    }, { once: true });
    link.append(img);
    wrap.append(link);
    return wrap;
  }

  function fileLink(a) {
    const wrap = el('div', 'attachment');
    const link = el('a', 'file-link', a.label);
    link.href = a.href;
    link.download = a.name || '';
    const note = el('span', 'attachment-error');
    // Fetched first, so an expired link says so here instead of saving an error as the file.
    link.addEventListener('click', async (e) => {
      e.preventDefault();
      note.textContent = 'Đang tải…';
      try {
        const res = await fetch(a.href, { credentials: 'same-origin' });
        if (!res.ok) { note.textContent = await fileError(a.href); return; }
        const url = URL.createObjectURL(await res.blob());
        const save = el('a');
        save.href = url;
        save.download = a.name || 'tep-dinh-kem';
        document.body.append(save);
        save.click();
        save.remove();
        setTimeout(() => URL.revokeObjectURL(url), 60_000);
        note.textContent = '';
      } catch {
        note.textContent = 'Không tải được tệp này nữa.';
      }
    });
    wrap.append(link, note);
    return wrap;
  }

  $('claim').addEventListener('click', async () => {
    try {
      await api(`/conversations/${encodeURIComponent(current)}/claim`, { method: 'POST' });
      await Promise.all([loadChat(), refreshLists()]);
      $('reply').focus();
    } catch (err) {
      $('reply-status').textContent = '';
      chatError(err.message);
      await Promise.all([loadChat(), refreshLists()]);
    }
  });

  $('reply-form').addEventListener('submit', async (e) => {
    e.preventDefault();
    const text = $('reply').value.trim();
    if (!text) return;
    $('send').disabled = true;
    $('reply-status').textContent = 'Đang gửi…';
    try {
      const { message } = await api(`/conversations/${encodeURIComponent(current)}/reply`, { method: 'POST', body: { text } });
      $('reply').value = '';
      // The message itself ends the indicator on every platform.
      typingFor = null;
      // The message's own line shows its status as it changes; only a failure is repeated here.
      // The delivery event of a failure can come before this answer: it is not overwritten.
      if (message.status === 'failed') $('reply-status').textContent = `Không gửi được: ${message.reason || ''}`;
      else if ($('reply-status').textContent === 'Đang gửi…') $('reply-status').textContent = '';
      await loadChat();
    } catch (err) {
      $('reply-status').textContent = err.message;
    } finally {
      $('send').disabled = false;
    }
  });
  // "Typing…" for the worker while the counsellor writes. The server sends at most one per chat
  // every few seconds; asking every 2 s keeps Telegram's 5-second indicator alive.
  let typingSentAt = 0;
  let typingFor = null;
  function signalTyping(state) {
    if (!current || $('reply-form').hidden) return;
    const now = Date.now();
    if (state === 'on' && typingFor === current && now - typingSentAt < 2000) return;
    if (state === 'off' && typingFor !== current) return;
    typingSentAt = state === 'on' ? now : 0;
    typingFor = state === 'on' ? current : null;
    api(`/conversations/${encodeURIComponent(current)}/typing`, { method: 'POST', body: { state } }).catch(() => undefined);
  }
  $('reply').addEventListener('input', () => signalTyping($('reply').value.trim() ? 'on' : 'off'));

  $('reply').addEventListener('keydown', (e) => {
    if (e.key === 'Enter' && (e.ctrlKey || e.metaKey)) { e.preventDefault(); $('reply-form').requestSubmit(); }
  });

  $('snippet').addEventListener('change', () => {
    const pick = $('snippet');
    const text = pick.selectedOptions[0]?.dataset.text;
    pick.value = '';
    if (!text) return;
    const box = $('reply');
    box.value = box.value ? `${box.value}\n\n${text}` : text;
    box.focus();
  });

  $('kb-form').addEventListener('submit', async (e) => {
    e.preventDefault();
    const q = $('kb-q').value.trim();
    const list = $('kb-results');
    list.replaceChildren();
    if (!q) return;
    try {
      const data = await api(`/kb/search?q=${encodeURIComponent(q)}`);
      if (!data.results.length) list.append(el('li', 'muted', 'Không tìm thấy mục nào.'));
      for (const r of data.results) {
        const li = el('li', 'kb-result');
        li.append(el('strong', null, r.question), el('span', 'muted', ` ${r.topicTitle || ''} · ${Math.round(r.confidence * 100)}%`));
        const details = el('details');
        details.append(el('summary', null, 'Xem câu trả lời'), el('p', 'pre', r.answer));
        const b = el('button', null, 'Chèn vào ô trả lời');
        b.type = 'button';
        b.setAttribute('aria-label', `Chèn câu trả lời: ${r.question}`);
        b.addEventListener('click', () => {
          const box = $('reply');
          box.value = box.value ? `${box.value}\n\n${r.answer}` : r.answer;
          box.focus();
        });
        li.append(details, b);
        list.append(li);
      }
    } catch (err) {
      list.append(el('li', 'error', err.message));
    }
  });

  $('note-form').addEventListener('submit', async (e) => {
    e.preventDefault();
    const text = $('note').value.trim();
    if (!text) return;
    try {
      await api(`/conversations/${encodeURIComponent(current)}/notes`, { method: 'POST', body: { text } });
      $('note').value = '';
      await loadChat();
    } catch (err) { chatError(err.message); }
  });

  $('transfer').addEventListener('click', async () => {
    const to = $('transfer-to').value;
    if (!to) return;
    try {
      const res = await api(`/conversations/${encodeURIComponent(current)}/transfer`, { method: 'POST', body: { to } });
      $('reply-status').textContent = `Đã chuyển cho ${res.to.name}.`;
      await Promise.all([loadChat(), refreshLists()]);
    } catch (err) { chatError(err.message); }
  });

  async function loadColleagues() {
    const data = await api('/counsellors');
    const select = $('transfer-to');
    select.replaceChildren(new Option('Chuyển cho…', ''));
    for (const c of data.counsellors) if (c.id !== me.id) select.append(new Option(c.name, c.id));
  }

  $('close-form').addEventListener('submit', async (e) => {
    e.preventDefault();
    const tags = $('close-tags').value.split(',').map((t) => t.trim()).filter(Boolean).slice(0, 10);
    try {
      const res = await api(`/conversations/${encodeURIComponent(current)}/close`, { method: 'POST', body: { outcome: $('close-outcome').value, tags } });
      $('close-tags').value = '';
      $('reply-status').textContent = res.surveyStatus === 'failed' ? `Đã đóng. Câu hỏi đánh giá chưa gửi được: ${res.surveyReason || ''}` : 'Đã đóng và gửi câu hỏi đánh giá.';
      await Promise.all([loadChat(), refreshLists()]);
    } catch (err) { chatError(err.message); }
  });

  async function offerDraft() {
    $('draft-box').hidden = false;
    $('draft-status').textContent = '';
    try {
      const s = await api(`/conversations/${encodeURIComponent(current)}/draft-suggestion`);
      $('draft-question').value = s.question;
      $('draft-phrasings').value = s.phrasings.join('\n');
      $('draft-answer').value = s.answer;
      $('draft-citation').value = s.citation;
    } catch { /* the form stays empty */ }
  }

  $('draft-form').addEventListener('submit', async (e) => {
    e.preventDefault();
    try {
      await api(`/conversations/${encodeURIComponent(current)}/draft`, {
        method: 'POST',
        body: {
          question: $('draft-question').value,
          phrasings: $('draft-phrasings').value.split('\n').map((s) => s.trim()).filter((s) => s.length >= 3),
          answer: $('draft-answer').value,
          citation: $('draft-citation').value,
        },
      });
      $('draft-status').textContent = 'Đã lưu bản nháp cho người biên tập.';
    } catch (err) { $('draft-status').textContent = err.message; }
  });

  // ---- live events and notifications -----------------------------------------------------
  function connect() {
    if (events) events.close();
    events = new EventSource(`${API}/events`);
    events.addEventListener('hello', () => { $('live').classList.add('on'); $('live').title = 'Đang kết nối trực tiếp'; });
    events.addEventListener('error', () => {
      $('live').classList.remove('on');
      $('live').title = 'Mất kết nối, đang thử lại…';
      // A closed stream may mean the session ended: find out, and show the login if so.
      if (events && events.readyState === EventSource.CLOSED) api('/session').catch(() => showLogin());
    });
    const on = (type, fn) => events.addEventListener(type, (e) => { try { fn(JSON.parse(e.data)); } catch { /* a malformed event is skipped */ } });
    on('queued', (e) => {
      const isNew = !knownQueued.has(e.conversationId);
      refreshLists().then(() => {
        if (e.urgent) { chime(true); notify('Cuộc trò chuyện KHẨN đang chờ', 'Có người lao động cần giúp đỡ ngay.'); }
        else if (isNew) { chime(false); notify('Có người lao động đang chờ', 'Một cuộc trò chuyện mới vào hàng chờ.'); }
      });
      if (e.conversationId === current) loadChat();
    });
    for (const type of ['left', 'claimed', 'closed']) on(type, (e) => { refreshLists(); if (e.conversationId === current) loadChat(); });
    on('message', (e) => {
      if (e.conversationId === current) loadChat();
      if (e.role === 'worker' && mine.some((m) => m.conversationId === e.conversationId)) {
        refreshLists();
        if (document.hidden || e.conversationId !== current) { chime(false); notify('Tin nhắn mới', 'Người lao động vừa trả lời.'); }
      }
    });
    on('delivery', (e) => {
      if (e.conversationId !== current) return;
      loadChat();
      // A failure usually comes after the send was accepted: say it where the counsellor (and a
      // screen reader, role=status) looks, not only on the message's own line.
      if (e.status === 'failed') $('reply-status').textContent = `Không gửi được: ${e.reason || ''}`;
    });
    on('ticket', () => {
      refreshTicketCount();
      if (tab === 'tickets') showTickets();
      chime(false);
      notify('Phiếu hẹn gọi lại mới', 'Một người lao động để lại tin nhắn ngoài giờ làm việc.');
      flash('Có phiếu hẹn gọi lại mới (mục Hẹn gọi lại).');
    });
    on('ticket-updated', () => {
      refreshTicketCount();
      if (tab === 'tickets') showTickets();
    });
    on('typing', (e) => { if (e.conversationId === current) { $('reply-status').textContent = 'Người lao động đang gõ…'; setTimeout(() => { if ($('reply-status').textContent === 'Người lao động đang gõ…') $('reply-status').textContent = ''; }, 5000); } });
  }

  /** A short notice under the header that needs no permission (desktop notifications may be off). */
  let flashTimer = null;
  function flash(text) {
    const box = $('flash');
    box.textContent = text;
    box.hidden = false;
    clearTimeout(flashTimer);
    flashTimer = setTimeout(() => { box.hidden = true; }, 8000);
  }

  function raiseAlarm(item) {
    alarmFor = item.conversationId;
    $('alarm-text').textContent = `${workerName(item)} (${CHANNELS[item.channel] || item.channel}) đang chờ${item.preview ? `: “${item.preview}”` : ''}`;
    $('alarm').hidden = false;
    document.body.classList.add('alarmed');
  }
  function clearAlarm() {
    $('alarm').hidden = true;
    document.body.classList.remove('alarmed');
  }
  $('alarm-open').addEventListener('click', () => { if (alarmFor && !alarmFor.startsWith('dismissed:')) openChat(alarmFor); });
  $('alarm-dismiss').addEventListener('click', () => { alarmFor = 'dismissed:' + alarmFor; clearAlarm(); });

  let audio = null;
  /** A short chime made on the spot (no sound file): two notes, three quick ones when urgent. */
  function chime(urgent) {
    try {
      audio = audio || new (window.AudioContext || window.webkitAudioContext)();
      const notes = urgent ? [880, 660, 880, 660] : [660, 880];
      notes.forEach((f, i) => {
        const osc = audio.createOscillator();
        const gain = audio.createGain();
        osc.frequency.value = f;
        osc.type = 'sine';
        const t = audio.currentTime + i * 0.18;
        gain.gain.setValueAtTime(0.0001, t);
        gain.gain.exponentialRampToValueAtTime(0.25, t + 0.02);
        gain.gain.exponentialRampToValueAtTime(0.0001, t + 0.16);
        osc.connect(gain).connect(audio.destination);
        osc.start(t);
        osc.stop(t + 0.17);
      });
    } catch { /* no audio: the visual signals remain */ }
  }
  function notify(title, body) {
    if (!('Notification' in window) || Notification.permission !== 'granted' || !document.hidden) return;
    try { new Notification(title, { body, tag: 'tlcd-console' }); } catch { /* unsupported */ }
  }
  function notifyButton() {
    const b = $('notify');
    if (!('Notification' in window)) { b.hidden = true; return; }
    b.hidden = Notification.permission === 'granted';
  }
  $('notify').addEventListener('click', async () => {
    // Both need a user gesture: the permission prompt and unlocking audio.
    chime(false);
    try { await Notification.requestPermission(); } catch { /* ignored */ }
    notifyButton();
  });

  // Waiting times move even when nothing happens.
  setInterval(() => { if (me && (tab === 'queue' || tab === 'mine')) refreshLists().catch(() => undefined); }, 30000);

  // ---- start -----------------------------------------------------------------------------
  api('/session').then(start, (err) => { loginToken = (err.data && err.data.loginToken) || ''; showLogin(false); });
})();
