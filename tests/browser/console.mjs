// Real-browser tests of the Homeward web console (issue 9, "How it is built and tested").
//
// Run by tests/console_browser.rs against a running gateway; plain `node`, no test framework.
// Drives Debian's Chromium through playwright-core (no browser download) and checks, as a
// person would see it: sign-in and the dashboard; keyboard navigation; accessibility with
// axe-core (WCAG 2 A and AA, colour contrast included) on the main pages; editing a job's cron
// schedule (refused with the checker's message, then saved with the next runs shown); a
// quarantined item reprocessed; a match candidate confirmed; a poster and its PDF (text
// checked with pdftotext), and the print stylesheet; a viewer's changes refused. A full-page
// screenshot of every page visited goes to the output directory.
//
// Environment:
//   CONSOLE_URL        the console, e.g. http://127.0.0.1:PORT/console/            (required)
//   CONSOLE_PASSWORDS  a file of `NAME PASSWORD` lines                                (required)
//   CONSOLE_OUT        where screenshots, PDFs and the text of failures go           (required)
//   CONSOLE_SCENARIO   `demo` (everything, against the demo's hub; default) or
//                      `signin` (the administrator signs in and sees the dashboard)
//   CONSOLE_CONFIG     the gateway's configuration file (checked unchanged by refused saves)
//   CHROMIUM           the browser (default /usr/bin/chromium)
//   CONSOLE_KEEP_GOING `1`: after a failed check go on with the next ones (and still fail)
//
// Exits 0 when every check passed; else 1 with a message naming the (first) failed check.

import { chromium } from 'playwright-core';
import { createHash } from 'node:crypto';
import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { createRequire } from 'node:module';

const require = createRequire(import.meta.url);

// === setup ===

function need(name) {
  const v = process.env[name];
  if (!v) {
    console.error(`console.mjs: set ${name} (see the top of tests/browser/console.mjs)`);
    process.exit(2);
  }
  return v;
}

const BASE = need('CONSOLE_URL').replace(/\/?$/, '/');
const ORIGIN = new URL(BASE).origin;
const OUT = need('CONSOLE_OUT');
const SCENARIO = process.env.CONSOLE_SCENARIO || 'demo';
const CONFIG_FILE = process.env.CONSOLE_CONFIG || '';
const CHROMIUM = process.env.CHROMIUM || '/usr/bin/chromium';
const PASSWORDS = Object.fromEntries(
  fs.readFileSync(need('CONSOLE_PASSWORDS'), 'utf8')
    .split('\n')
    .map((l) => l.trim())
    .filter(Boolean)
    .map((l) => {
      const i = l.indexOf(' ');
      return [l.slice(0, i), l.slice(i + 1).trim()];
    }),
);
const AXE_SOURCE = fs.readFileSync(require.resolve('axe-core/axe.min.js'), 'utf8');

fs.mkdirSync(OUT, { recursive: true });
const opened = [];
const profiles = fs.mkdtempSync(path.join(os.tmpdir(), 'homeward-console-browser-'));

/** A failed check: the message says what was expected and what the page showed. */
class Failure extends Error {}

function fail(msg) {
  throw new Failure(msg);
}

/** Fails with `msg` (a text, or a function making it, possibly async) unless `cond`. */
async function check(cond, msg) {
  if (!cond) fail(typeof msg === 'function' ? await msg() : msg);
}

const url = (p) => new URL(p, ORIGIN).href;
const started = Date.now();
let shots = 0;
let currentStep = '';

const KEEP_GOING = process.env.CONSOLE_KEEP_GOING === '1';
const failures = [];

async function step(name, fn) {
  currentStep = name;
  const t = Date.now();
  try {
    await fn();
  } catch (e) {
    if (!KEEP_GOING || !(e instanceof Failure)) throw e;
    failures.push(`${name}\n${e.message}`);
    console.log(`FAIL ${name}\n${e.message.split('\n').slice(0, 6).join('\n')}`);
    return;
  }
  console.log(`ok   ${name} (${((Date.now() - t) / 1000).toFixed(1)} s)`);
}

// === the browser ===

const ARGS = [
  '--headless',
  '--no-sandbox',
  '--disable-gpu',
  '--disable-quic',
  '--no-first-run',
  '--disable-background-networking',
  '--disable-component-update',
  '--disable-sync',
];

/** A fresh browser profile (its own cookies): one per user. */
async function browser(who) {
  const dir = fs.mkdtempSync(path.join(profiles, `${who}-`));
  const ctx = await chromium.launchPersistentContext(dir, {
    executablePath: CHROMIUM,
    headless: true,
    args: ARGS,
    acceptDownloads: true,
    viewport: { width: 1280, height: 900 },
    locale: 'en-US',
    timezoneId: 'UTC',
  });
  ctx.setDefaultTimeout(20_000);
  ctx.setDefaultNavigationTimeout(30_000);
  const page = ctx.pages()[0] || (await ctx.newPage());
  page.problems = [];
  page.on('pageerror', (e) => page.problems.push(`script error: ${e.message}`));
  page.on('console', (m) => {
    if (m.type() !== 'error') return;
    const at = m.location().url || '';
    // a page's own status is checked where it is loaded; a poster's photo may be on a
    // partner's server this closed network cannot reach
    if (/^Failed to load resource/.test(m.text())) {
      if (at === page.url()) return;
      if (at && new URL(at).origin !== ORIGIN) return;
    }
    page.problems.push(`console error: ${m.text()}${at ? ` (${at})` : ''}`);
  });
  const b = { ctx, page, who };
  opened.push(b);
  return b;
}

/** The visible text of `main`, shortened, for messages. */
async function mainText(page) {
  const t = await page.locator('main').innerText().catch(() => '(no <main>)');
  return t.length > 1500 ? `${t.slice(0, 1500)} …` : t;
}

/** A full-page screenshot in the output directory. */
async function shot(page, name) {
  shots += 1;
  const file = path.join(OUT, `${String(shots).padStart(2, '0')}-${name}.png`);
  await page.screenshot({ path: file, fullPage: true });
  return file;
}

/** Nothing went wrong in the page's scripts (CSP refusals show as console errors). */
async function noProblems(page, where) {
  const p = page.problems.splice(0);
  await check(p.length === 0, () => `${where}: the page reported problems:\n  ${p.join('\n  ')}`);
}

/** After a navigation: its status, a screenshot, no script problems. */
async function landed(page, resp, name, okStatus = [200]) {
  await page.waitForLoadState('load');
  const status = resp ? resp.status() : 0;
  await shot(page, name);
  await check(
    okStatus.includes(status),
    async () => `${name}: ${page.url()} answered ${status}, not ${okStatus.join(' or ')}`,
  );
  await noProblems(page, name);
}

async function go(page, p, name, okStatus = [200]) {
  const t = Date.now();
  const resp = await page.goto(url(p));
  const took = Date.now() - t;
  if (took > 3000) console.log(`     (slow: ${p} took ${(took / 1000).toFixed(1)} s)`);
  if (resp && !okStatus.includes(resp.status())) {
    await shot(page, name);
    fail(`${name}: ${url(p)} answered ${resp.status()}:\n${await mainText(page)}`);
  }
  await landed(page, resp, name, okStatus);
}

/** Clicks something that submits a form or follows a link, and waits for the next page. */
async function submit(page, locator, name, okStatus = [200]) {
  const [resp] = await Promise.all([
    page.waitForNavigation({ waitUntil: 'load' }),
    locator.click(),
  ]);
  // a form answered with a redirect: the status of the page it led to
  const status = resp ? resp.status() : 0;
  if (!okStatus.includes(status)) {
    await shot(page, name);
    fail(`${name}: ${page.url()} answered ${status}, not ${okStatus.join(' or ')}:\n${await mainText(page)}`);
  }
  await landed(page, resp, name, okStatus);
}

async function h1(page) {
  return (await page.locator('main h1').first().innerText()).trim();
}

async function flash(page) {
  const f = page.locator('main .flash').first();
  if ((await f.count()) === 0) return { ok: null, text: '' };
  const cls = (await f.getAttribute('class')) || '';
  return { ok: /\bok\b/.test(cls), text: (await f.innerText()).trim() };
}

async function signIn(b, who) {
  const { page } = b;
  const password = PASSWORDS[who];
  await check(password, `no password for ${who} in ${process.env.CONSOLE_PASSWORDS}`);
  const resp = await page.goto(BASE);
  await landed(page, resp, `${who}-signin-form`);
  await check(
    new URL(page.url()).pathname === '/console/login',
    `${who}: the console did not send a signed-out visitor to the sign-in page (at ${page.url()})`,
  );
  await page.getByLabel('User name').fill(who);
  await page.getByLabel('Password').fill(password);
  await submit(page, page.getByRole('button', { name: 'Sign in' }), `${who}-dashboard`);
  const title = await h1(page).catch(() => '');
  await check(
    new URL(page.url()).pathname === '/console/' && title === 'Dashboard',
    async () => `${who}: signing in did not lead to the dashboard (at ${page.url()}, heading "${title}"):\n${await mainText(page)}`,
  );
  const shown = await page.locator('header .who').innerText();
  await check(shown.includes(who), `${who}: the header does not name the signed-in user: "${shown}"`);
}

// === accessibility: axe-core ===

const AXE_TAGS = ['wcag2a', 'wcag2aa', 'wcag21a', 'wcag21aa'];
let axeRuns = 0;
let axeRules = 0;
const axeRuleIds = new Set();

async function axe(page, label) {
  const has = await page.evaluate(() => typeof window.axe !== 'undefined');
  // evaluated through the DevTools protocol: the console's CSP (script-src 'self') stays on
  if (!has) await page.evaluate(AXE_SOURCE);
  const result = await page.evaluate(
    (tags) => window.axe.run(document, { runOnly: { type: 'tag', values: tags }, resultTypes: ['violations'] }),
    AXE_TAGS,
  );
  axeRuns += 1;
  axeRules += result.passes.length + result.violations.length;
  for (const r of [...result.passes, ...result.violations]) axeRuleIds.add(r.id);
  // contrast axe-core cannot decide (a text over an image, say), the decorative logo glyph aside
  const undecided = result.incomplete
    .filter((r) => r.id === 'color-contrast')
    .flatMap((r) => r.nodes)
    .filter((n) => !/only non-text characters/.test(n.any[0]?.message || ''))
    .map((n) => `${n.target.join(' ')} (${(n.any[0]?.message || '').slice(0, 100)})`);
  if (undecided.length) console.log(`     (${label}: axe-core could not decide the contrast of ${undecided.join(', ')})`);
  if (result.passes.length === 0) fail(`${label}: axe-core ran no rule on ${page.url()}`);
  return result.violations.map((v) => {
    const nodes = v.nodes.slice(0, 6).map((n) => {
      const summary = (n.failureSummary || '').replace(/\s+/g, ' ').trim();
      return `      at ${n.target.join(' ')}: ${summary}\n        ${n.html.slice(0, 200)}`;
    });
    const more = v.nodes.length > 6 ? `\n      … and ${v.nodes.length - 6} more` : '';
    return `  ${label} (${page.url()}): [${v.impact}] ${v.id}: ${v.help} (${v.helpUrl})\n${nodes.join('\n')}${more}`;
  });
}

// === keyboard ===

/** Presses Tab and describes what has the focus. */
async function tab(page, key = 'Tab') {
  await page.keyboard.press(key);
  return page.evaluate(() => {
    const el = document.activeElement;
    if (!el || el === document.body) return { tag: 'body' };
    const r = el.getBoundingClientRect();
    const cs = getComputedStyle(el);
    return {
      tag: el.tagName.toLowerCase(),
      id: el.id,
      cls: el.className,
      text: (el.innerText || el.value || el.getAttribute('aria-label') || '').trim().slice(0, 60),
      href: el.getAttribute('href'),
      idx: el.getAttribute('data-kbd'),
      onScreen: r.width > 0 && r.height > 0 && r.right > 0 && r.bottom > 0 && r.left < innerWidth,
      ring: cs.outlineStyle !== 'none' && parseFloat(cs.outlineWidth) > 0 || cs.boxShadow !== 'none',
    };
  });
}

/** Every control of the page is reached with Tab, in order, showing a focus ring. */
async function everyControlReachable(page, label) {
  const count = await page.evaluate(() => {
    const sel = 'a[href], button, input, select, textarea, summary, [tabindex]';
    const els = [...document.querySelectorAll(sel)].filter((el) => {
      if (el.matches('[disabled], [type=hidden], [hidden], [tabindex="-1"]')) return false;
      if (el.closest('[hidden], [inert]')) return false;
      if (el.closest('details:not([open])') && el.tagName !== 'SUMMARY') return false;
      const r = el.getBoundingClientRect();
      const cs = getComputedStyle(el);
      // the skip link sits off-screen until focused: it counts
      return (r.width > 0 && r.height > 0 && cs.visibility !== 'hidden') || el.classList.contains('skip');
    });
    els.forEach((el, i) => el.setAttribute('data-kbd', String(i)));
    return els.length;
  });
  await check(count > 0, `${label}: no control found`);
  await page.evaluate(() => {
    document.activeElement?.blur();
    window.scrollTo(0, 0);
  });
  // start before the first element of the page
  await page.locator('body').evaluate((b) => {
    b.setAttribute('tabindex', '-1');
    b.focus();
    b.removeAttribute('tabindex');
  });
  const seen = new Set();
  const order = [];
  const noRing = [];
  for (let i = 0; i < count + 10 && seen.size < count; i++) {
    const f = await tab(page);
    if (f.idx === null || f.idx === undefined) {
      if (f.tag === 'body' && seen.size > 0) break;
      continue;
    }
    if (seen.has(f.idx)) break;
    seen.add(f.idx);
    order.push(Number(f.idx));
    if (!f.ring) noRing.push(`${f.tag} "${f.text}"`);
  }
  const missed = await page.evaluate((seenList) => {
    const s = new Set(seenList);
    return [...document.querySelectorAll('[data-kbd]')]
      .filter((el) => !s.has(el.getAttribute('data-kbd')))
      .map((el) => `${el.tagName.toLowerCase()} "${(el.innerText || el.value || el.getAttribute('aria-label') || el.name || '').trim().slice(0, 50)}"`);
  }, [...seen]);
  await check(missed.length === 0, `${label}: ${missed.length} of ${count} controls are not reached with Tab: ${missed.slice(0, 10).join(', ')}`);
  const sorted = [...order].sort((a, b) => a - b);
  await check(
    order.every((v, i) => v === sorted[i]),
    `${label}: Tab does not follow the page's order: ${order.join(',')}`,
  );
  await check(noRing.length === 0, `${label}: no visible focus ring on ${noRing.slice(0, 8).join(', ')}`);
  return count;
}

// === the checks ===

function sha(file) {
  return createHash('sha256').update(fs.readFileSync(file)).digest('hex');
}

function pdfText(file) {
  try {
    return execFileSync('pdftotext', ['-layout', file, '-'], { encoding: 'utf8' });
  } catch (e) {
    fail(`pdftotext ${file} failed (is poppler-utils installed?): ${e.message}`);
  }
  return '';
}

const LATIN = /^[\p{Script=Latin}\p{Script=Common}\p{Script=Inherited}\s]*$/u;

async function rowsOf(page, tableLocator) {
  return tableLocator.locator('tbody tr').evaluateAll((trs) =>
    trs.map((tr) => ({
      cells: [...tr.querySelectorAll('td')].map((td) => td.innerText.trim()),
      links: [...tr.querySelectorAll('a[href]')].map((a) => ({ text: a.innerText.trim(), href: a.getAttribute('href') })),
    })),
  );
}

async function dashboardShows(page, who) {
  const text = await page.locator('main').innerText();
  const cards = await page.locator('main .card').allInnerTexts();
  await check(cards.length >= 3, `${who}'s dashboard has no summary cards:\n${text}`);
  const q = cards.find((c) => c.includes('Quarantine'));
  await check(q && /\d+/.test(q), `${who}'s dashboard shows no quarantine count:\n${text}`);
  await check(await page.locator('main table caption', { hasText: 'Partners' }).count() === 1, `${who}'s dashboard has no partners table`);
  await check(await page.locator('main table caption', { hasText: 'Jobs' }).count() === 1, `${who}'s dashboard has no jobs table`);
  return { text, quarantine: Number((q.match(/(\d+)/) || [])[1]) };
}

async function runSignin() {
  const admin = await browser('admin');
  await step('the administrator signs in and sees the dashboard', async () => {
    await signIn(admin, 'admin');
    await dashboardShows(admin.page, 'admin');
    const jobs = await rowsOf(admin.page, admin.page.locator('main table', { has: admin.page.locator('caption', { hasText: 'Jobs' }) }));
    await check(jobs.length >= 1 && jobs[0].cells[0] !== 'No jobs are configured.', 'the dashboard lists no job');
  });
  await step('accessibility (axe-core, WCAG 2 A/AA) of the dashboard', async () => {
    const v = await axe(admin.page, 'dashboard');
    await check(v.length === 0, () => `axe-core found violations:\n${v.join('\n')}`);
  });
  await admin.ctx.close();
}

async function runDemo() {
  const admin = await browser('admin');
  const { page } = admin;
  const urls = {};
  const violations = [];

  await step('sign-in page: accessible, and a signed-out visitor is sent to it', async () => {
    const resp = await page.goto(url('/console/records'));
    await landed(page, resp, 'signin-page');
    await check(new URL(page.url()).pathname === '/console/login', `a signed-out visit of /console/records went to ${page.url()}`);
    violations.push(...(await axe(page, 'sign-in')));
    // a wrong password is refused, saying so
    await page.getByLabel('User name').fill('admin');
    await page.getByLabel('Password').fill('not the password');
    await submit(page, page.getByRole('button', { name: 'Sign in' }), 'signin-refused', [401]);
    const alert = await page.locator('[role=alert]').first().innerText();
    await check(/wrong user name or password/i.test(alert), `a wrong password: the sign-in page says "${alert}"`);
  });

  await step('the administrator signs in: dashboard with partners, jobs and the quarantine count', async () => {
    await signIn(admin, 'admin');
    const d = await dashboardShows(page, 'admin');
    for (const partner of ['state.demo', 'intl.demo']) {
      await check(d.text.includes(partner), `the dashboard does not list partner ${partner}`);
    }
    await check(d.text.includes('xml-drop'), 'the dashboard does not list the job xml-drop');
    await check(d.quarantine >= 1, `the dashboard's quarantine count is ${d.quarantine}, the demo's hub holds an early update`);
  });

  await step('keyboard: skip link first, Enter moves to the content, the menu in order', async () => {
    await go(page, '/console/', 'dashboard-keyboard');
    const first = await tab(page);
    await check(
      first.tag === 'a' && first.text === 'Skip to content' && first.href === '#main',
      `the first Tab focuses ${JSON.stringify(first)}, not the "Skip to content" link`,
    );
    await check(first.onScreen, 'the "Skip to content" link stays off-screen when focused');
    await check(first.ring, 'the focused "Skip to content" link shows no focus ring');
    await shot(page, 'dashboard-skip-link-focused');
    await page.keyboard.press('Enter');
    const at = await page.evaluate(() => ({ id: document.activeElement?.id, hash: location.hash }));
    await check(at.id === 'main', `Enter on the skip link moved the focus to ${JSON.stringify(at)}, not <main>`);
    // from the top again: the skip link, then the menu's links in order, then sign out
    await go(page, '/console/', 'dashboard-menu-order');
    const menu = await page.locator('header nav a').evaluateAll((as) => as.map((a) => a.innerText.trim()));
    const expected = ['Dashboard', 'Adapters and jobs', 'Quarantine', 'Match review', 'Records', 'Audit log'];
    await check(JSON.stringify(menu) === JSON.stringify(expected), `the administrator's menu is ${JSON.stringify(menu)}`);
    await tab(page);
    const got = [];
    for (let i = 0; i < menu.length; i++) got.push((await tab(page)).text);
    await check(JSON.stringify(got) === JSON.stringify(menu), `Tab after the skip link reaches ${JSON.stringify(got)}, not the menu ${JSON.stringify(menu)}`);
    const out = await tab(page);
    await check(out.tag === 'button' && out.text === 'Sign out', `after the menu Tab reaches ${JSON.stringify(out)}, not "Sign out"`);
    // the current page is marked for assistive technology, not by colour alone
    const current = await page.locator('header nav a[aria-current=page]').allInnerTexts();
    await check(JSON.stringify(current) === '["Dashboard"]', `aria-current marks ${JSON.stringify(current)} on the dashboard`);
  });

  await step('find the pages of the demo: a job, the quarantined update, candidates, a pair, a record, a poster', async () => {
    // Adapters and jobs → xml-drop
    await go(page, '/console/jobs', 'jobs');
    await check(await h1(page) === 'Adapters and jobs', 'the jobs page has another heading');
    const job = page.locator('main table a', { hasText: /^xml-drop$/ });
    await check(await job.count() === 1, `the jobs page has no link to xml-drop:\n${await mainText(page)}`);
    urls.job = await job.getAttribute('href');
    // Quarantine → the early update
    await go(page, '/console/quarantine', 'quarantine');
    const rows = await rowsOf(page, page.locator('main table'));
    const early = rows.find((r) => r.cells.some((c) => c.includes('AA-early-update.xml')));
    await check(early, `the quarantine does not list AA-early-update.xml:\n${await mainText(page)}`);
    urls.quarantine = early.links.find((l) => l.href.startsWith('/console/quarantine/')).href;
    // Match review → All candidates → a pair
    await go(page, '/console/matches', 'matches');
    const all = page.locator('main table a', { hasText: 'All candidates' }).first();
    await check(await all.count() === 1, `Match review shows no "All candidates" link:\n${await mainText(page)}`);
    urls.review = await all.getAttribute('href');
    const compare = page.locator('main table a', { hasText: 'Compare' }).first();
    urls.pair = await compare.getAttribute('href');
    // Records: missing persons; one with a name in another script if there is one
    await go(page, '/console/records', 'records-empty');
    await page.locator('select[name=kind]').selectOption('missing');
    await submit(page, page.getByRole('button', { name: 'Search' }), 'records-missing');
    let found = await rowsOf(page, page.locator('main table'));
    await check(found.length > 0 && found[0].links.length > 0, `searching missing records found none:\n${await mainText(page)}`);
    urls.record = found[0].links[0].href;
    // a name in another script: Cyrillic, Greek or Arabic first (fonts-noto-core prints
    // them in the PDF), then any (Han needs fonts-noto-cjk in the PDF)
    const pick = (rows) => {
      const other = rows.filter((r) => r.cells[1] && !LATIN.test(r.cells[1]));
      for (const script of [/\p{Script=Cyrillic}/u, /\p{Script=Greek}/u, /\p{Script=Arabic}/u]) {
        const r = other.find((row) => script.test(row.cells[1]));
        if (r) return r;
      }
      return other[0];
    };
    let native = pick(found);
    if (!native) {
      // the first 200 are shown; the partner abroad's records are named by a host name
      await page.locator('input[name=q]').fill('example.org');
      await submit(page, page.getByRole('button', { name: 'Search' }), 'records-abroad');
      found = await rowsOf(page, page.locator('main table'));
      native = pick(found);
    }
    const chosen = native || found[0];
    urls.missing = chosen.links[0].href;
    urls.missingName = chosen.cells[1];
    urls.nativeScript = Boolean(native);
    // and that name found again by searching in its own script
    if (native) {
      await page.locator('input[name=q]').fill(native.cells[1].split(/\s+/).pop());
      await page.locator('select[name=kind]').selectOption('');
      await submit(page, page.getByRole('button', { name: 'Search' }), 'records-by-native-name');
      const again = await rowsOf(page, page.locator('main table'));
      await check(again.some((r) => r.links[0]?.href === urls.missing), `searching "${native.cells[1]}" does not find ${urls.missing}`);
    }
    await go(page, urls.missing, 'record-missing');
    const poster = page.locator('main a.button', { hasText: 'Poster' });
    await check(await poster.count() === 1, `the missing record ${urls.missing} has no Poster link`);
    urls.poster = await poster.getAttribute('href');
    console.log(`     job ${urls.job}, quarantine ${urls.quarantine}, candidates ${urls.review}, poster of "${urls.missingName}" ${urls.poster}`);
  });

  await step('accessibility (axe-core, WCAG 2 A/AA incl. colour contrast) of the main pages', async () => {
    const pages = [
      ['dashboard', '/console/'],
      ['jobs', '/console/jobs'],
      ['job', urls.job, [200, 404, 409, 500]],
      ['quarantine', '/console/quarantine'],
      ['quarantine-item', urls.quarantine],
      ['match-review', '/console/matches'],
      ['candidates', urls.review],
      ['pair', urls.pair],
      ['records-search', '/console/records?kind=missing'],
      ['record', urls.record],
      ['record-missing', urls.missing],
      ['poster', urls.poster],
      ['audit-log', '/console/audit'],
    ];
    for (const [name, p, ok] of pages) {
      await go(page, p, `axe-${name}`, ok || [200]);
      violations.push(...(await axe(page, name)));
      // and nothing makes the page scroll sideways at 1280 px (WCAG 1.4.10, reflow)
      const wide = await page.evaluate(() => ({
        width: document.documentElement.scrollWidth,
        culprits: [...document.querySelectorAll('main *')]
          .filter((e) => e.getBoundingClientRect().right > innerWidth + 1)
          .slice(0, 3)
          .map((e) => `<${e.tagName.toLowerCase()}> "${(e.innerText || '').trim().slice(0, 60)}"`),
      }));
      if (wide.width > 1281) {
        violations.push(`  ${name} (${page.url()}): the page is ${wide.width} px wide in a 1280 px window (reflow): ${wide.culprits.join(', ')}`);
      }
    }
    await check(violations.length === 0, () => `axe-core (and the reflow check) found ${violations.length} violation(s):\n${violations.join('\n')}`);
    for (const rule of ['color-contrast', 'label', 'link-name', 'button-name', 'document-title', 'html-has-lang']) {
      await check(axeRuleIds.has(rule), `axe-core never applied its ${rule} rule`);
    }
    console.log(`     ${axeRuns} page(s) audited, ${axeRules} rule checks applied (${axeRuleIds.size} rules, color-contrast among them), no violation`);
  });

  await step('keyboard: every control reachable with Tab, in order, with a focus ring (spot checks)', async () => {
    const spots = [
      ['dashboard', '/console/'],
      ['quarantine-item', urls.quarantine],
      ['pair', urls.pair],
      ['records-search', '/console/records'],
      ['poster', urls.poster],
      ['job', urls.job, [200, 404, 409, 500]],
    ];
    const counts = [];
    for (const [name, p, ok] of spots) {
      await go(page, p, `keyboard-${name}`, ok || [200]);
      counts.push(`${name} ${await everyControlReachable(page, name)}`);
    }
    console.log(`     controls reached: ${counts.join(', ')}`);
  });

  // --- the investigator's notices give the pair to decide ---
  const inv = await browser('investigator');
  await step('the investigator signs in: the agency\'s match notices on the dashboard', async () => {
    await signIn(inv, 'investigator');
    await dashboardShows(inv.page, 'investigator');
    const notices = inv.page.locator('main table', { has: inv.page.locator('caption', { hasText: 'Unread match notices' }) });
    const link = notices.locator('a', { hasText: 'All candidates' }).first();
    if (await link.count() === 1) {
      urls.decide = await link.getAttribute('href');
      urls.decideFrom = 'the dashboard\'s notices';
    } else {
      urls.decide = urls.review;
      urls.decideFrom = 'Match review';
    }
  });

  // --- a viewer may look but not change ---
  const viewer = await browser('viewer');
  await step('a viewer may look but not reprocess or decide: refused, naming the role, nothing changed', async () => {
    const v = viewer.page;
    await signIn(viewer, 'viewer');
    const menu = await v.locator('header nav a').allInnerTexts();
    await check(!menu.includes('Audit log'), 'a viewer\'s menu offers the audit log');
    // reprocess the quarantined update
    await go(v, urls.quarantine, 'viewer-quarantine-item');
    await check(
      (await v.locator('main').innerText()).includes('Reprocessing needs the administrator role.'),
      'the quarantine item does not tell a viewer that reprocessing needs the administrator role',
    );
    await submit(v, v.getByRole('button', { name: 'Reprocess this item' }), 'viewer-reprocess-refused');
    let f = await flash(v);
    await check(f.ok === false && /needs the administrator role/.test(f.text) && /viewer/.test(f.text),
      `a viewer's reprocess: the flash says "${f.text}" (expected a refusal naming the roles)`);
    await check(!(await v.locator('main').innerText()).includes('Resolved '), 'the item shows as resolved after a viewer\'s reprocess');
    await check(await v.getByRole('button', { name: 'Reprocess this item' }).count() === 1, 'the item is no longer open after a viewer\'s reprocess');
    // confirm a candidate
    await go(v, urls.decide, 'viewer-candidates');
    await check((await v.locator('main').innerText()).includes('Deciding needs the investigator role.'),
      'the candidates page does not tell a viewer that deciding needs the investigator role');
    const before2 = await v.locator('main h2:text-is("Decision") + p').innerText();
    await v.getByLabel(/^Comment/).fill('a viewer should not be able to decide this');
    await submit(v, v.getByRole('button', { name: 'Confirm: same person' }), 'viewer-confirm-refused');
    f = await flash(v);
    await check(f.ok === false && /needs the investigator role/.test(f.text) && /viewer/.test(f.text),
      `a viewer's confirmation: the flash says "${f.text}" (expected a refusal naming the roles)`);
    const after2 = await v.locator('main h2:text-is("Decision") + p').innerText();
    await check(after2 === before2, `a viewer's refused confirmation changed the decision: "${before2}" → "${after2}"`);
    await check(!/confirmed/i.test(after2), `the pair shows "${after2}" after a viewer's refused confirmation`);
  });

  await step('Quarantine: the early update\'s raw input and reason, reprocessed → resolved', async () => {
    await page.goto(url('/console/quarantine'));
    const link = page.locator('main table tr', { hasText: 'AA-early-update.xml' }).locator('a[href^="/console/quarantine/"]').first();
    await submit(page, link, 'quarantine-early-update');
    const text = await page.locator('main').innerText();
    const reason = await page.locator('dl.facts dt:text-is("Reason") + dd').innerText();
    await check(/no stored record/.test(reason), `the quarantined update's reason is "${reason}"`);
    await check(text.includes('AA-early-update.xml'), 'the item does not say which file it came from');
    const raw = await page.locator('pre.raw').innerText();
    await check(/ReportAction>modify</.test(raw) && raw.includes('red jacket'), `the raw input is not the modify report:\n${raw.slice(0, 400)}`);
    await submit(page, page.getByRole('button', { name: 'Reprocess this item' }), 'quarantine-reprocessed');
    const f = await flash(page);
    await check(f.ok === true && /resolved/i.test(f.text), async () => `reprocessing: the flash says "${f.text}":\n${await mainText(page)}`);
    await check(await page.getByRole('button', { name: 'Reprocess this item' }).count() === 0, 'the item is still open after reprocessing');
    await check((await page.locator('main').innerText()).includes('Records it made or changed'), 'the resolved item does not name the record it changed');
    console.log(`     ${f.text}`);
  });

  await step(`Match review: a candidate confirmed with a comment (from ${urls.decideFrom})`, async () => {
    const ip = inv.page;
    await go(ip, '/console/', 'investigator-dashboard-again');
    const fromDash = ip.locator('main table', { has: ip.locator('caption', { hasText: 'Unread match notices' }) })
      .locator('a', { hasText: 'All candidates' }).first();
    if (await fromDash.count() === 1) {
      await submit(ip, fromDash, 'investigator-candidates');
    } else {
      await go(ip, '/console/matches', 'investigator-match-review');
      await submit(ip, ip.locator('main table a', { hasText: 'All candidates' }).first(), 'investigator-candidates');
    }
    await check(/^Candidates for /.test(await h1(ip)), `"All candidates" led to "${await h1(ip)}"`);
    await check(await ip.locator('table.side').count() === 1, 'the candidates page shows no side-by-side comparison');
    const verdicts = await ip.locator('table.side td.verdict').allInnerTexts();
    await check(verdicts.length > 0 && verdicts.every((t) => /agrees|disagrees|not compared|neutral|supports|speaks against/.test(t)),
      `the comparison does not say in words how the attributes compare: ${JSON.stringify(verdicts.slice(0, 5))}`);
    const side = (await ip.locator('main h2', { hasText: 'Side by side' }).innerText()).replace('Side by side: ', '').trim();
    const comment = 'Same tattoo and dental chart (browser test)';
    await ip.getByLabel(/^Comment/).fill(comment);
    await submit(ip, ip.getByRole('button', { name: 'Confirm: same person' }), 'investigator-confirmed');
    const f = await flash(ip);
    await check(f.ok === true && /confirmed/.test(f.text), async () => `confirming: the flash says "${f.text}":\n${await mainText(ip)}`);
    await check(f.text.includes(side), `the flash "${f.text}" does not name the candidate ${side}`);
    const decision = await ip.locator('main h2:text-is("Decision") + p').innerText();
    await check(/confirmed/.test(decision) && decision.includes('investigator') && decision.includes(comment),
      `after confirming, the decision reads "${decision}"`);
    console.log(`     ${f.text}`);
  });
  await inv.ctx.close();

  await step(`Posters: the poster of "${urls.missingName}", its PDF (pdftotext) and the print stylesheet`, async () => {
    await go(page, urls.missing, 'poster-record');
    await submit(page, page.locator('main a.button', { hasText: 'Poster' }), 'poster');
    const heading = (await page.locator('.poster .heading').innerText()).trim();
    await check(/MISSING/.test(heading), `the poster's heading is "${heading}"`);
    const primary = (await page.locator('.poster .names .primary').innerText()).trim();
    const latinEl = page.locator('.poster .names .latin');
    const latin = (await latinEl.count()) ? (await latinEl.innerText()).trim() : primary;
    if (urls.nativeScript) {
      await check(!LATIN.test(primary), `the poster's name "${primary}" is not in its own script`);
      await check(latin !== primary && LATIN.test(latin), `the poster gives no Latin form of "${primary}" (got "${latin}")`);
    }
    await check(await page.locator('.poster .contact').count() === 1, 'the poster names no one to call');
    // the PDF download
    const [download] = await Promise.all([
      page.waitForEvent('download'),
      page.getByRole('link', { name: 'Download PDF' }).click(),
    ]);
    const failure = await download.failure();
    await check(!failure, `the PDF download failed: ${failure}`);
    const name = download.suggestedFilename();
    await check(/^poster-.*\.pdf$/.test(name), `the PDF is offered as "${name}"`);
    const pdfFile = path.join(OUT, name);
    await download.saveAs(pdfFile);
    await check(fs.readFileSync(pdfFile).subarray(0, 5).toString() === '%PDF-', `${pdfFile} is not a PDF`);
    const text = pdfText(pdfFile);
    const flat = text.replace(/\s+/g, ' ');
    await check(flat.includes(latin), `the PDF's text lacks the Latin name "${latin}":\n${text.slice(0, 1500)}`);
    await check(/MISSING/.test(flat), `the PDF's text lacks the heading MISSING:\n${text.slice(0, 1500)}`);
    // the name in its own script too, unless the server said it has no font for it
    const head = await page.request.get(url(await page.getByRole('link', { name: 'Download PDF' }).getAttribute('href')));
    const missingScripts = head.headers()['x-homeward-missing-scripts'] || '';
    const nativeInPdf = urls.nativeScript && flat.includes(primary);
    if (urls.nativeScript && !missingScripts) {
      await check(nativeInPdf, `the PDF's text lacks the name in its own script "${primary}" (and the server named no script it lacks a font for):\n${text.slice(0, 1500)}`);
    }
    // the page printed with its print stylesheet
    await page.emulateMedia({ media: 'print' });
    await shot(page, 'poster-print-media');
    const printed = path.join(OUT, 'poster-printed.pdf');
    await page.pdf({ path: printed, format: 'A4', printBackground: true });
    await page.emulateMedia({ media: 'screen' });
    const ptext = pdfText(printed).replace(/\s+/g, ' ');
    await check(ptext.includes(latin) && /MISSING/.test(ptext), `the printed poster lacks "${latin}" or MISSING:\n${ptext.slice(0, 1500)}`);
    for (const chrome of ['Skip to content', 'Sign out', 'Download PDF', 'Adapters and jobs']) {
      await check(!ptext.includes(chrome), `the printed poster shows the console's "${chrome}" (the print stylesheet should hide it)`);
    }
    if (urls.nativeScript) await check(ptext.includes(primary), `the printed poster lacks the name in its own script "${primary}"`);
    console.log(`     ${name}: ${fs.statSync(pdfFile).size} bytes, heading "${heading.replace(/\s+/g, ' / ')}", name "${primary}" / "${latin}"${urls.nativeScript ? (nativeInPdf ? ' (own script in the PDF too)' : ` (no font on the server for ${missingScripts}: its Latin form printed)`) : ''}; printed page ${fs.statSync(printed).size} bytes`);
  });

  // Last: these need the config-edit API (gateway/src/admin/config_edit.rs).
  await step('a viewer may not save a job: the form is read-only, a forced post refused naming the role', async () => {
    const v = viewer.page;
    // save a job: the form is read-only; posted anyway, the API refuses it
    const before = CONFIG_FILE ? sha(CONFIG_FILE) : '';
    await go(v, urls.job, 'viewer-job');
    await check(await v.getByRole('button', { name: 'Check and save' }).count() === 0, 'a viewer is offered "Check and save"');
    await check((await v.locator('main').innerText()).includes('Changing a job needs the administrator role.'),
      'the job page does not tell a viewer that changing a job needs the administrator role');
    await check(await v.locator('#schedule').isDisabled(), 'a viewer can edit the schedule field');
    // as a hand-made post would: fields enabled, the form submitted
    await Promise.all([
      v.waitForNavigation({ waitUntil: 'load' }),
      v.evaluate(() => {
        const form = document.querySelector('main form.stack');
        form.querySelectorAll('[disabled]').forEach((el) => el.removeAttribute('disabled'));
        form.querySelector('#schedule').value = '*/7 * * * * *';
        form.submit();
      }),
    ]);
    await shot(v, 'viewer-job-save-refused');
    const refusal = await v.locator('main [role=alert]').allInnerTexts();
    await check(refusal.some((t) => /needs the administrator role/.test(t) && /viewer/.test(t)),
      `a viewer's job save: the page says ${JSON.stringify(refusal)} (expected a refusal naming the roles)`);
    if (CONFIG_FILE) await check(sha(CONFIG_FILE) === before, `a viewer's refused save changed ${CONFIG_FILE}`);
  });
  await viewer.ctx.close();

  await step('Adapters and jobs: an invalid cron schedule is refused with the checker\'s message, the file unchanged', async () => {
    await page.goto(url('/console/jobs'));
    const row = page.locator('main table tbody tr', { has: page.locator('a', { hasText: /^xml-drop$/ }) });
    const listed = { transport: (await row.locator('td').nth(1).innerText()).trim(), schedule: (await row.locator('td code').innerText()).trim() };
    await submit(page, page.locator('main table a', { hasText: /^xml-drop$/ }), 'job-xml-drop', [200, 404, 409, 500]);
    const status = await page.evaluate(() => document.title);
    await check(
      (await page.locator('#schedule').count()) === 1,
      async () => `the page of job xml-drop has no schedule field ("${status}"); the config-edit API (GET/PUT /v1/config/jobs/{id}, gateway/src/admin/config_edit.rs) may not be routed yet:\n${await mainText(page)}`,
    );
    await check(await page.getByRole('button', { name: 'Check and save' }).count() === 1, 'the administrator is not offered "Check and save"');
    // the form shows the job as it is
    const shown = { transport: await page.getByLabel(/^Transport/).inputValue(), schedule: await page.getByLabel(/^Schedule/).inputValue() };
    await check(
      shown.transport === listed.transport && shown.schedule === listed.schedule,
      async () => `the form of job xml-drop shows ${JSON.stringify(shown)}, the jobs list ${JSON.stringify(listed)}:\n${await mainText(page)}`,
    );
    const initialRuns = await page.locator('#next-runs li').allInnerTexts();
    await check(initialRuns.length === 5, `the job page's "Next five runs" lists ${JSON.stringify(initialRuns)}`);
    const before = CONFIG_FILE ? sha(CONFIG_FILE) : '';
    const schedule = page.getByLabel(/^Schedule/);
    await schedule.fill('61 * * * * *');
    // the live preview says what is wrong before saving
    await page.waitForFunction(() => document.getElementById('schedule-preview-error')?.textContent.trim().length > 0, null, { timeout: 5000 })
      .catch(() => fail('typing an invalid schedule: the live preview (console.js) shows no message'));
    await shot(page, 'job-invalid-schedule-preview');
    await submit(page, page.getByRole('button', { name: 'Check and save' }), 'job-invalid-schedule-refused', [422]);
    const err = page.locator('#schedule-error');
    await check(await err.count() === 1, async () => `saving "61 * * * * *": no message next to the schedule field:\n${await mainText(page)}`);
    const msg = (await err.innerText()).trim();
    await check(msg.length > 0, 'saving "61 * * * * *": the message next to the schedule field is empty');
    // next to the field: right after it, tied to it for assistive technology
    const tied = await page.evaluate(() => {
      const s = document.getElementById('schedule');
      return {
        described: (s.getAttribute('aria-describedby') || '').split(/\s+/).includes('schedule-error'),
        invalid: s.getAttribute('aria-invalid'),
        value: s.value,
      };
    });
    await check(tied.described && tied.invalid === 'true', `the schedule field is not marked invalid and tied to its message: ${JSON.stringify(tied)}`);
    await check(tied.value === '61 * * * * *', `the refused form lost what was typed: "${tied.value}"`);
    await check((await page.locator('#form-errors').innerText()).includes('was not saved'), 'the refused form does not say the job was not saved');
    if (CONFIG_FILE) await check(sha(CONFIG_FILE) === before, `a refused save changed ${CONFIG_FILE}`);
    console.log(`     the checker: ${msg.replace(/\s+/g, ' ')}`);
  });

  await step('Adapters and jobs: a valid schedule is saved, and the next five runs are 5 s apart', async () => {
    if (new URL(page.url()).pathname !== new URL(url(urls.job)).pathname || (await page.locator('#schedule').count()) === 0) {
      await go(page, urls.job, 'job-xml-drop-again', [200, 404, 409, 500]);
      await check((await page.locator('#schedule').count()) === 1, async () => `the page of job xml-drop has no schedule field:\n${await mainText(page)}`);
    }
    const schedule = page.getByLabel(/^Schedule/);
    await schedule.fill('*/5 * * * * *');
    await submit(page, page.getByRole('button', { name: 'Check and save' }), 'job-schedule-saved');
    const f = await flash(page);
    await check(f.ok === true && /saved/.test(f.text), async () => `saving "*/5 * * * * *": the flash says "${f.text}":\n${await mainText(page)}`);
    await check(await page.getByLabel(/^Schedule/).inputValue() === '*/5 * * * * *', 'the saved schedule is not shown in the form');
    const runs = await page.locator('#next-runs li').allInnerTexts();
    await check(runs.length === 5, `"Next five runs" lists ${runs.length}: ${JSON.stringify(runs)}`);
    const times = runs.map((t) => Date.parse(t.trim()));
    await check(times.every((t) => !Number.isNaN(t)), `"Next five runs" are not times: ${JSON.stringify(runs)}`);
    for (let i = 1; i < times.length; i++) {
      await check(times[i] - times[i - 1] === 5000, `"Next five runs" are not 5 s apart: ${JSON.stringify(runs)}`);
    }
    await check(new Date(times[0]).getUTCSeconds() % 5 === 0, `the first run ${runs[0]} is not on a multiple of 5 s`);
    if (CONFIG_FILE) {
      const text = fs.readFileSync(CONFIG_FILE, 'utf8');
      await check(text.includes('"*/5 * * * * *"'), `${CONFIG_FILE} does not hold the saved schedule`);
    }
    console.log(`     next runs: ${runs.join(', ')}`);
  });

  await step('signing out ends the session', async () => {
    await go(page, '/console/', 'before-sign-out');
    await submit(page, page.getByRole('button', { name: 'Sign out' }), 'signed-out');
    await check(new URL(page.url()).pathname === '/console/login', `signing out led to ${page.url()}`);
    const resp = await page.goto(url('/console/quarantine'));
    await landed(page, resp, 'after-sign-out');
    await check(new URL(page.url()).pathname === '/console/login', `after signing out /console/quarantine showed ${page.url()}`);
  });
  await admin.ctx.close();
}

async function cleanUp() {
  for (const b of opened) await b.ctx.close().catch(() => {});
  fs.rmSync(profiles, { recursive: true, force: true, maxRetries: 3 });
}

try {
  if (SCENARIO === 'signin') await runSignin();
  else if (SCENARIO === 'demo') await runDemo();
  else fail(`unknown CONSOLE_SCENARIO ${SCENARIO} (demo or signin)`);
  if (failures.length) {
    currentStep = `${failures.length} check(s)`;
    fail(failures.join('\n\n'));
  }
  console.log(`all console checks passed in ${((Date.now() - started) / 1000).toFixed(1)} s; ${shots} screenshot(s) in ${OUT}`);
  await cleanUp();
  process.exit(0);
} catch (e) {
  const what = e instanceof Failure ? e.message : (e && e.stack) || String(e);
  const text = `FAILED: ${currentStep}\n${what}\n(screenshots so far in ${OUT})\n`;
  console.error(text);
  try {
    fs.writeFileSync(path.join(OUT, 'FAILED.txt'), text);
  } catch {}
  await cleanUp().catch(() => {});
  process.exit(1);
}
