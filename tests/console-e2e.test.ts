/**
 * End to end, in a real browser (playwright-core driving Debian's Chromium), with the worker on
 * a platform: a worker writes to the bot through the Telegram fake (webhook updates over real
 * HTTP, the server wired as src/main.ts wires it) and asks for a person → a counsellor logs in
 * to the console, sees the chat in the queue, claims it, reads the transcript, inserts an
 * answer from the knowledge base, edits and sends it (Telegram shows "typing…" meanwhile) →
 * the fake receives it → the worker replies and the counsellor sees it live → close → the
 * worker gets the satisfaction question with its buttons at the fake, taps one → the bot
 * answers the next message.
 *
 * A second flow: an urgent worker while the console is open (the alarm), worked from the
 * keyboard alone, with a reply the platform refuses (shown as failed, with the reason).
 * A shorter web-chat variant checks what only the web chat renders: the counsellor's "typing…"
 * and the survey buttons under the closing question.
 *
 * Screenshots of the queue and the chat view: screenshots/, or docs/console/ with `npm run
 * screenshots` (listed in the README).
 * Slow by nature (a browser, the web chat's polling): about 30–60 s.
 */
import { existsSync, mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { chromium, type BrowserContext, type Locator, type Page } from 'playwright-core';
import { COUNSELLOR, SHOTS, startConsoleServer, type ConsoleServer } from './helpers/console-server.js';
import { INTERRUPTED } from '../src/bots/delivery/outbox-table.js';
import { TG } from './fakes/telegram-fake.js';
import { HandoffRecords } from '../src/flows/handoff/records.js';
import { Accounts } from '../src/console/accounts.js';
import { Snippets } from '../src/console/snippets.js';
import { solidPng } from './helpers/png.js';

const CHROMIUM = '/usr/bin/chromium';
const present = existsSync(CHROMIUM);
if (!present) {
  console.warn(`\n${'!'.repeat(78)}\n!!! ${CHROMIUM} is missing: the console's end-to-end browser test is SKIPPED.\n!!! Install it (apt-get install chromium) — CI does.\n${'!'.repeat(78)}\n`);
}

let server: ConsoleServer;
let base: string;
let context: BrowserContext;
let userDataDir: string;
const problems: string[] = [];

beforeAll(async () => {
  if (!present) return;
  server = await startConsoleServer();
  base = server.base;
  userDataDir = mkdtempSync(join(tmpdir(), 'tlcd-chromium-'));
  context = await chromium.launchPersistentContext(userDataDir, {
    executablePath: CHROMIUM,
    headless: true,
    args: ['--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run', '--disable-background-networking', '--disable-component-update', '--disable-sync'],
    viewport: { width: 1280, height: 800 },
    locale: 'vi-VN',
  });
  mkdirSync(SHOTS, { recursive: true });
}, 120_000);

afterAll(async () => {
  if (!present) return;
  await context?.close();
  await server?.close();
  if (userDataDir) rmSync(userDataDir, { recursive: true, force: true });
});

/** Every page error and every console error (a CSP refusal shows up there) fails the test. */
function watch(page: Page, who: string): Page {
  page.on('pageerror', (e) => problems.push(`${who}: ${e.message}`));
  page.on('console', (m) => {
    if (m.type() === 'error' && !/status of 40[19]/.test(m.text())) problems.push(`${who}: ${m.text()}`);
  });
  return page;
}

/** Waits (polling) until the locator's text satisfies the check. */
const textOf = (l: Locator) => l.textContent({ timeout: 15_000 }).then((t) => t ?? '');
const eventually = <T>(read: () => T | Promise<T>, timeout = 15_000) => expect.poll(read, { timeout, interval: 100 });

async function logIn(page: Page): Promise<void> {
  await page.goto(`${base}/console/`);
  // The browser may still hold an earlier test's session.
  await page.locator('#login:not([hidden]), #app:not([hidden])').first().waitFor();
  if (await page.locator('#app').isVisible()) return;
  await page.getByLabel('Email').fill(COUNSELLOR.email);
  await page.getByLabel('Mật khẩu').fill(COUNSELLOR.password);
  await page.getByRole('button', { name: 'Đăng nhập' }).click();
  await page.locator('#me-name').filter({ hasText: COUNSELLOR.name }).waitFor();
}

describe.skipIf(!present)('the counsellor console in a browser', () => {
  it('takes a worker from Telegram through a counsellor and back to the bot', async () => {
    const counsellor = watch(await context.newPage(), 'counsellor');
    const { telegram, store } = server;
    const worker = server.worker(700123456, 'Hùng');
    const { received, lastReceived } = worker;
    const CHAT_ID = worker.chatId;

    // The worker asks for a person on Telegram; the bot answers there with the queue position.
    await worker.writes('Công ty cho em nghỉ việc, em muốn gặp tư vấn viên');
    await eventually(lastReceived).toMatch(/vị trí số 1/);

    // The counsellor logs in and sees it in the queue, marked Telegram.
    await logIn(counsellor);
    const item = counsellor.locator('#list .item', { hasText: 'Công ty cho em nghỉ việc' });
    await item.waitFor();
    await eventually(() => textOf(item)).toContain('Telegram');
    await eventually(() => textOf(counsellor.locator('#queue-count'))).toBe('1');
    await counsellor.screenshot({ path: join(SHOTS, 'console-queue.png') });

    // Opens it, reads the transcript with what the bot understood, claims it.
    await item.click();
    const transcript = counsellor.locator('#transcript');
    await eventually(() => textOf(transcript.locator('.line.worker').first())).toContain('Công ty cho em nghỉ việc');
    await eventually(() => textOf(transcript.locator('.understood').last())).toContain('chuyển tư vấn viên');
    await counsellor.getByRole('button', { name: 'Nhận cuộc trò chuyện' }).click();
    const reply = counsellor.getByLabel('Trả lời người lao động');
    await reply.waitFor();
    await eventually(() => textOf(counsellor.locator('#queue-count'))).toBe('0');

    // Searches the knowledge base, inserts an answer, edits it; Telegram shows "typing…".
    await counsellor.getByPlaceholder(/điều kiện hưởng/).fill('điều kiện hưởng trợ cấp thất nghiệp');
    await counsellor.getByRole('button', { name: 'Tìm', exact: true }).click();
    await counsellor.locator('.kb-result').first().getByRole('button', { name: /Chèn câu trả lời/ }).click();
    const inserted = await reply.inputValue();
    expect(inserted).toMatch(/Căn cứ: .*Luật Việc làm/);
    expect(telegram.calls('sendChatAction')).toEqual([]);
    await reply.press('Control+Home');
    await reply.pressSequentially('Chào bạn, mình là Lan, tư vấn viên Công đoàn. ');
    await eventually(() => telegram.calls('sendChatAction').map((r) => [String(r.body.chat_id), r.body.action])).toEqual([[String(CHAT_ID), 'typing']]);
    await counsellor.getByRole('button', { name: 'Gửi', exact: true }).click();
    await eventually(() => textOf(transcript.locator('.line.counsellor .delivery'))).toContain('đã gửi');

    // The worker receives it on Telegram.
    await eventually(lastReceived).toContain('Chào bạn, mình là Lan, tư vấn viên Công đoàn.');
    expect(lastReceived()).toContain('Luật Việc làm');

    // The worker answers; the counsellor sees it live, without reloading.
    await worker.writes('Dạ em cảm ơn chị, em đóng bảo hiểm được 2 năm rồi ạ');
    await eventually(() => textOf(transcript.locator('.line.worker').last())).toContain('em đóng bảo hiểm được 2 năm');
    // The worker sends a photo of the contract: the counsellor sees it, live, as a thumbnail that
    // actually loaded (fetched through the console from the Telegram fake), which opens full size.
    await worker.sendsPhoto(solidPng(320, 240), 'Hợp đồng của em đây ạ');
    const photoLine = transcript.locator('.line.worker', { hasText: 'Hợp đồng của em đây ạ' });
    const thumb = photoLine.locator('.thumb img');
    await thumb.waitFor();
    await eventually(() => thumb.evaluate((img) => { const i = img as unknown as { complete: boolean; naturalWidth: number }; return i.complete ? i.naturalWidth : 0; })).toBe(320);
    expect(await thumb.getAttribute('alt')).toBe('Hình ảnh');
    expect(await photoLine.locator('.thumb').getAttribute('target')).toBe('_blank');
    // The description line is not repeated beside the picture.
    expect(await textOf(photoLine.locator('.text'))).toBe('Hợp đồng của em đây ạ');
    expect(telegram.calls('getFile')).toHaveLength(1);
    // A bot reply whose send was cut short and done again (as a take-over after a crash marks
    // it) is flagged: the worker may have it twice. Shown when the chat view next refreshes
    // (here: after the note below is saved).
    await store.db
      .updateTable('outbox')
      .set({ last_code: INTERRUPTED.code, last_reason: INTERRUPTED.reason })
      .where('conversation_id', '=', `telegram:${CHAT_ID}`)
      .where('reply', 'like', '%vị trí số 1%')
      .execute();
    await counsellor.getByLabel(/Ghi chú mới/).fill('Đã đóng BHTN 24 tháng, bị cho nghỉ.');
    await counsellor.getByRole('button', { name: 'Lưu ghi chú' }).click();
    await eventually(() => textOf(counsellor.locator('#notes'))).toContain('Đã đóng BHTN 24 tháng');
    const flagged = transcript.locator('.line.bot.interrupted');
    await eventually(() => textOf(flagged)).toContain('vị trí số 1');
    expect(await textOf(flagged.locator('.delivery.interrupted'))).toContain('Có thể đã gửi hai lần — Lần gửi trước bị gián đoạn');
    expect(await transcript.locator('.line.interrupted').count()).toBe(1);
    await counsellor.screenshot({ path: join(SHOTS, 'console-chat.png') });

    // Close: the worker gets the satisfaction question with five buttons, the chat is the bot's again.
    await counsellor.getByLabel('Kết quả').selectOption('resolved');
    await counsellor.getByLabel(/Thẻ/).fill('bhtn, nghỉ việc');
    await counsellor.getByRole('button', { name: /Đóng và trả lại/ }).click();
    await eventually(() => textOf(counsellor.locator('#chat-meta'))).toContain('đã trả lại cho Trợ lý');
    await counsellor.locator('#draft-box').waitFor({ state: 'visible' });
    // The draft for the knowledge base starts from the counsellor's answer, names redacted.
    await eventually(() => counsellor.locator('#draft-answer').inputValue()).toMatch(/^Chào bạn, mình là \[TÊN\], tư vấn viên Công đoàn\. Bạn được hưởng trợ cấp thất nghiệp/);
    await eventually(lastReceived).toMatch(/từ 1 \(/);
    const survey = received().at(-1)!;
    expect(survey.buttons.map((b) => b.text)).toEqual(['1 · Chưa hài lòng', '2', '3', '4', '5 · Rất hài lòng']);
    // One tap records the rating.
    await worker.taps(survey.buttons[4]!.callback_data);
    await eventually(lastReceived).toContain('Cảm ơn bạn đã đánh giá');
    expect((await store.db.selectFrom('satisfaction_rating').select('rating').execute()).map((r) => Number(r.rating))).toEqual([5]);
    expect(telegram.calls('answerCallbackQuery')).toHaveLength(1);

    // The next message is the bot's to answer, with its legal basis.
    const before = received().length;
    await worker.writes('điều kiện hưởng trợ cấp thất nghiệp là gì');
    await eventually(() => received().length).toBeGreaterThan(before);
    expect(received().slice(before).map((m) => m.text).join('\n')).toMatch(/Căn cứ:.*Luật Việc làm/);
    expect((await store.db.selectFrom('conversation').select('mode').where('id', '=', `telegram:${CHAT_ID}`).executeTakeFirstOrThrow()).mode).toBe('bot');

    // A tablet-sized window still shows the chat and its tools.
    await counsellor.setViewportSize({ width: 820, height: 1180 });
    expect(await counsellor.locator('#transcript').isVisible()).toBe(true);
    await counsellor.screenshot({ path: join(SHOTS, 'console-tablet.png'), fullPage: true });

    // Days later the chat is found again by what the worker wrote, typed without diacritics.
    await counsellor.setViewportSize({ width: 1280, height: 800 });
    await counsellor.locator('[data-tab="search"]').click();
    await counsellor.getByLabel('Từ cần tìm').fill('cong ty cho em nghi viec');
    await counsellor.getByRole('button', { name: 'Tìm', exact: true }).click();
    const hit = counsellor.locator('.card', { hasText: 'Công ty cho em nghỉ việc' });
    await eventually(() => textOf(hit)).toContain('Hùng');
    await hit.getByRole('button', { name: 'Mở cuộc trò chuyện' }).click();
    await eventually(() => textOf(counsellor.locator('#chat-title'))).toBe('Hùng');
    await counsellor.close();

    expect(problems).toEqual([]);
  }, 180_000);

  it('an urgent worker raises the alarm in an open console; from the keyboard alone the counsellor opens, claims and replies; a refused reply shows as failed with the reason', async () => {
    const counsellor = watch(await context.newPage(), 'counsellor');
    const { telegram } = server;
    const worker = server.worker(700654321, 'Mai');
    await logIn(counsellor);
    const alarm = counsellor.getByRole('alert');
    expect(await alarm.isVisible()).toBe(false);

    // The console is already open when the urgent message arrives: the alarm comes live.
    await worker.writes('Em bị quản lý đánh ở xưởng, giờ em phải làm sao');
    await eventually(() => textOf(alarm)).toContain('đang chờ');
    expect(await textOf(alarm)).toContain('Telegram');
    const item = counsellor.locator('#list .item.urgent');
    await eventually(() => textOf(item)).toContain('KHẨN');
    // Why it waits, before anyone opens it.
    expect(await textOf(item)).toContain('Bạo lực, đe dọa');
    await counsellor.screenshot({ path: join(SHOTS, 'console-urgent-alarm.png') });

    // (A string expression: the tests are compiled without the DOM's types.)
    const focused = () => counsellor.evaluate<string | undefined>('document.activeElement?.id');
    /** Moves the focus with Tab until the element has it: the control is reachable without a mouse. */
    async function tabTo(id: string): Promise<void> {
      for (let i = 0; i < 60; i++) {
        if ((await focused()) === id) return;
        await counsellor.keyboard.press('Tab');
      }
      throw new Error(`#${id} cannot be reached with Tab`);
    }
    await tabTo('alarm-open');
    await counsellor.keyboard.press('Enter');
    await eventually(() => textOf(counsellor.locator('#chat-meta'))).toContain('KHẨN');
    expect(await textOf(counsellor.locator('#chat-meta'))).toContain('Bạo lực, đe dọa');
    await tabTo('claim');
    await counsellor.keyboard.press('Enter');
    // A claim puts the focus in the reply box.
    await eventually(focused).toBe('reply');
    await eventually(() => textOf(counsellor.locator('#queue-count'))).toBe('0');

    // The worker has blocked the bot: Telegram refuses the reply, and the counsellor is told why.
    telegram.outage(TG.blocked());
    try {
      await counsellor.keyboard.type('Chị đã nhận được, em đang ở đâu? Em có an toàn không?');
      await counsellor.keyboard.press('Control+Enter');
      const failed = counsellor.locator('#transcript .line.counsellor.failed');
      await eventually(() => textOf(failed)).toContain('em đang ở đâu');
      expect(await textOf(failed.locator('.delivery'))).toContain('gửi không được — Người dùng đã chặn bot');
      await eventually(() => textOf(counsellor.locator('#reply-status'))).toContain('Không gửi được: Người dùng đã chặn bot');
      await counsellor.screenshot({ path: join(SHOTS, 'console-urgent-failed.png') });
      // The fake refused it: nothing reached the worker.
      expect(telegram.delivered().map((r) => String(r.body.text)).join('\n')).not.toContain('em đang ở đâu');
    } finally {
      telegram.outage(undefined);
    }
    await counsellor.close();
    expect(problems).toEqual([]);
  }, 120_000);

  it('web chat: the worker sees the counsellor typing, their reply (with a canned reply of the office), and the survey buttons', async () => {
    await new Snippets(server.store.db).create({ title: 'Giấy tờ cần giữ', text: 'Bạn giữ lại bảng lương và hợp đồng nhé.' }, 'admin');
    const web = watch(await context.newPage(), 'worker');
    const counsellor = watch(await context.newPage(), 'counsellor');
    await web.goto(`${base}/`);
    await web.locator('.msg.bot').first().waitFor();
    await web.fill('#input', 'Em bị nợ lương 2 tháng, cho em gặp tư vấn viên');
    await web.press('#input', 'Enter');
    await web.getByText(/vị trí số 1/).waitFor();

    await logIn(counsellor);
    await counsellor.locator('#list .item', { hasText: 'Em bị nợ lương 2 tháng' }).click();
    await counsellor.getByRole('button', { name: 'Nhận cuộc trò chuyện' }).click();
    const reply = counsellor.getByLabel('Trả lời người lao động');
    await reply.waitFor();
    // Keeps typing: the page, polling, shows it.
    const typing = web.locator('#typing');
    const stop = Date.now() + 12_000;
    let seen = false;
    while (!seen && Date.now() < stop) {
      await reply.pressSequentially('Chào bạn, ', { delay: 40 });
      seen = (await typing.isVisible()) && (await textOf(typing)).includes('Tư vấn viên đang soạn tin');
    }
    expect(seen).toBe(true);
    // The office's canned reply goes in after what was typed, to edit before sending.
    await counsellor.getByLabel('Chọn mẫu để chèn vào ô trả lời').selectOption({ label: 'Giấy tờ cần giữ' });
    expect(await reply.inputValue()).toMatch(/^Chào bạn, .*\n\nBạn giữ lại bảng lương và hợp đồng nhé\.$/s);
    await counsellor.getByRole('button', { name: 'Gửi', exact: true }).click();
    await web.locator('.msg.counsellor').filter({ hasText: 'Bạn giữ lại bảng lương' }).waitFor({ timeout: 20_000 });
    await eventually(() => typing.isVisible()).toBe(false);

    await counsellor.getByLabel('Kết quả').selectOption('referred');
    await counsellor.getByRole('button', { name: /Đóng và trả lại/ }).click();
    await web.getByText(/từ 1 \(/).waitFor({ timeout: 20_000 });
    await web.getByRole('button', { name: /5 · Rất hài lòng/ }).click();
    await web.getByText(/Cảm ơn bạn đã đánh giá/).waitFor({ timeout: 20_000 });
    await web.close();
    await counsellor.close();
    expect(problems).toEqual([]);
  }, 120_000);

  it('web chat: once handed over, the worker is asked (optionally) what to call them; "Lan" shows in the console for that chat', async () => {
    const web = watch(await context.newPage(), 'worker');
    // A phone's screen.
    await web.setViewportSize({ width: 360, height: 740 });
    await web.goto(`${base}/`);
    // A fresh session: the browser keeps the earlier test's chat.
    await web.evaluate('localStorage.clear()');
    await web.reload();
    await web.locator('.msg.bot').first().waitFor();
    // Not asked while the bot answers.
    expect(await web.getByLabel(/Tư vấn viên nên gọi bạn là gì/).count()).toBe(0);
    await web.fill('#input', 'Cho em gặp tư vấn viên về hợp đồng thử việc');
    await web.press('#input', 'Enter');
    await web.getByText(/vị trí số 1/).waitFor();
    const field = web.getByLabel(/Tư vấn viên nên gọi bạn là gì\? \(không bắt buộc\)/);
    await field.waitFor();
    // The question does not take the message box's focus.
    expect(await web.evaluate<string | undefined>('document.activeElement?.id')).toBe('input');
    await field.click();
    await field.pressSequentially('Lan');
    await web.getByRole('button', { name: 'Lưu', exact: true }).click();
    await web.getByText('Tư vấn viên sẽ gọi bạn là Lan.').waitFor();
    expect(await field.count()).toBe(0);
    const session = await web.evaluate<string | null>("localStorage.getItem('tlcd.session')");
    expect(session).toMatch(/^[0-9a-f-]{36}$/);

    const counsellor = watch(await context.newPage(), 'counsellor');
    await logIn(counsellor);
    const queue = (await counsellor.evaluate(async () => (await fetch('/console/api/queue')).json())) as { queue: Array<{ conversationId: string; displayName: string | null }> };
    expect(queue.queue.find((x) => x.conversationId === `web:${session}`)?.displayName).toBe('Lan');
    await eventually(() => textOf(counsellor.locator('#list .item', { hasText: 'hợp đồng thử việc' }))).toContain('Lan');

    // Answered once for the session: after a reload only the way to change it is left.
    await web.reload();
    await web.getByText(/Cho em gặp tư vấn viên về hợp đồng thử việc/).waitFor();
    const change = web.getByRole('button', { name: 'Đổi tên gọi của bạn' });
    await change.waitFor();
    expect(await web.getByLabel(/Tư vấn viên nên gọi bạn là gì/).count()).toBe(0);
    // Opened on request it takes the focus; Escape closes it and gives the focus back.
    await change.focus();
    await web.keyboard.press('Enter');
    await eventually(() => web.evaluate<string | null | undefined>("document.activeElement?.getAttribute('type')")).toBe('text');
    await web.keyboard.press('Escape');
    await eventually(() => web.evaluate<string | null | undefined>('document.activeElement?.textContent')).toBe('Đổi tên gọi của bạn');

    // "xóa dữ liệu": the name goes with the chat, on the page too; a new chat may ask again.
    await web.fill('#input', 'xóa dữ liệu');
    await web.press('#input', 'Enter');
    await web.getByRole('button', { name: 'Xóa dữ liệu', exact: true }).click();
    await web.getByText(/đã xóa toàn bộ dữ liệu/).waitFor();
    expect(await change.count()).toBe(0);
    const next = await web.evaluate<string | null>("localStorage.getItem('tlcd.session')");
    expect(next).toMatch(/^[0-9a-f-]{36}$/);
    expect(next).not.toBe(session);
    await web.fill('#input', 'Cho em gặp tư vấn viên');
    await web.press('#input', 'Enter');
    await web.getByLabel(/Tư vấn viên nên gọi bạn là gì\? \(không bắt buộc\)/).waitFor();
    expect(await web.getByText('Tư vấn viên sẽ gọi bạn là Lan.').count()).toBe(0);
    await web.close();
    await counsellor.close();
    expect(problems).toEqual([]);
  }, 120_000);

  it('call-backs: the counsellor takes one before calling and only then sees the number; one a colleague took shows who calls', async () => {
    const counsellor = watch(await context.newPage(), 'counsellor');
    const records = new HandoffRecords(server.store.db);
    const mine = await records.createTicket({ conversationId: 'telegram:700777001', channel: 'telegram', userId: '700777001', message: 'Em bị nợ lương, gọi lại giúp em', phone: '0912000111', at: new Date() });
    const theirs = await records.createTicket({ conversationId: 'telegram:700777002', channel: 'telegram', userId: '700777002', message: 'Hỏi về thai sản', phone: '0912000222', at: new Date() });
    const minh = await new Accounts(server.store.db).create({ email: 'minh@congdoan.vn', name: 'Lê Văn Minh', role: 'counsellor' }, 'mật khẩu của Minh 2026');
    await records.takeTicket(theirs.id, minh.id);

    await logIn(counsellor);
    await counsellor.locator('[data-tab="tickets"]').click();
    const card = counsellor.locator('.card', { hasText: 'Em bị nợ lương, gọi lại giúp em' });
    const other = counsellor.locator('.card', { hasText: 'Hỏi về thai sản' });
    await eventually(() => textOf(other)).toContain('Lê Văn Minh đang gọi lại phiếu này.');
    expect(await other.getByRole('button', { name: /Nhận gọi lại|Xem số|Đã xử lý/ }).count()).toBe(0);
    expect(await textOf(card)).toContain('•••••••111');
    expect(await card.getByRole('button', { name: /Xem số/ }).count()).toBe(0);

    await card.getByRole('button', { name: /Nhận gọi lại/ }).click();
    const taken = counsellor.locator('.card', { hasText: 'Em bị nợ lương, gọi lại giúp em' });
    await eventually(() => textOf(taken)).toContain('Bạn đang gọi lại phiếu này.');
    await taken.getByRole('button', { name: /Xem số điện thoại đầy đủ/ }).click();
    await eventually(() => taken.locator('a[href="tel:0912000111"]').count()).toBe(1);
    expect((await records.ticket(mine.id))?.takenBy).not.toBeNull();
    await counsellor.close();
    expect(problems).toEqual([]);
  }, 60_000);
});
