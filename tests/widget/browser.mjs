// The live widget (examples/widget) in a real browser, against a running
// server:
//
//   MASTERPLAN_ADMIN_TOKEN=mp_… node browser.mjs --api http://127.0.0.1:8080
//     [--widget ../../examples/widget] [--chromium /usr/bin/chromium] [--measure 1.2]
//
// 1. load:      serves the widget's files with Node's http module (as a portal
//               would host them), opens it in headless Chromium with ?api=…
//               and waits until the measure's KPIs are shown.
// 2. axe:       axe-core (WCAG 2.0/2.1 A and AA rules) finds no violation.
// 3. live:      a KPI value recorded through the API (recordKpiValues) is shown
//               within 2 s, without a reload, and announced in the aria-live
//               region.
// 4. reconnect: the WebSocket is cut; a value recorded meanwhile reaches the
//               page after it reconnects, which re-subscribes with `since` set
//               to the last cursor it saw, and the server replays the change.
//
// Prints one line per step; exits 1 at the first failing step ("FAIL <step>: …"),
// 2 on wrong usage. The page may load nothing but the widget's own files and
// the API: any other request fails the test.

import fs from 'node:fs';
import http from 'node:http';
import path from 'node:path';
import { createRequire } from 'node:module';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { chromium } from 'playwright-core';

const require = createRequire(import.meta.url);
const here = path.dirname(fileURLToPath(import.meta.url));

const LIVE_DEADLINE_MS = 2000;
const WCAG_TAGS = ['wcag2a', 'wcag2aa', 'wcag21a', 'wcag21aa'];

class StepFailure extends Error {}

function usage(message) {
  console.error(`${message}\nusage: MASTERPLAN_ADMIN_TOKEN=… node browser.mjs --api http://127.0.0.1:8080 [--widget DIR] [--chromium PATH] [--measure CODE]`);
  process.exit(2);
}

let options;
try {
  options = parseArgs({
    options: {
      api: { type: 'string' },
      widget: { type: 'string', default: path.resolve(here, '../../examples/widget') },
      chromium: { type: 'string', default: process.env.CHROMIUM_PATH || '/usr/bin/chromium' },
      measure: { type: 'string', default: '1.2' },
      token: { type: 'string' },
    },
  }).values;
} catch (error) {
  usage(error.message);
}
const api = (options.api || '').replace(/\/+$/, '');
const token = options.token || process.env.MASTERPLAN_ADMIN_TOKEN;
const widgetDir = path.resolve(options.widget);
if (!/^https?:\/\//.test(api)) usage('--api http://host:port is required');
if (!token) usage('an admin token is required: MASTERPLAN_ADMIN_TOKEN (or --token)');
if (!fs.existsSync(path.join(widgetDir, 'index.html'))) usage(`no index.html in ${widgetDir}`);
if (!fs.existsSync(options.chromium)) usage(`no Chromium at ${options.chromium} (Debian: apt-get install chromium)`);

const axeSource = fs.readFileSync(require.resolve('axe-core/axe.min.js'), 'utf8');
const germanNumber = new Intl.NumberFormat('de-DE', { maximumFractionDigits: 2 });
const germanDate = (iso) => iso.split('-').reverse().join('.');

let current = 'setup';
function step(name) {
  current = name;
}
function check(condition, message) {
  if (!condition) throw new StepFailure(message);
}
function passed(message) {
  console.log(`ok ${current}: ${message}`);
}

/** Serves the widget's page, script and style files, nothing else. */
function serveWidget() {
  const types = {
    '.html': 'text/html; charset=utf-8',
    '.js': 'text/javascript; charset=utf-8',
    '.css': 'text/css; charset=utf-8',
  };
  const server = http.createServer((request, response) => {
    let file;
    try {
      const { pathname } = new URL(request.url, 'http://localhost');
      file = path.resolve(widgetDir, `.${decodeURIComponent(pathname)}${pathname.endsWith('/') ? 'index.html' : ''}`);
    } catch {
      file = null;
    }
    const type = file && types[path.extname(file)];
    const inside = file && path.dirname(file) === widgetDir;
    if (!['GET', 'HEAD'].includes(request.method) || !type || !inside || !fs.existsSync(file)) {
      response.writeHead(404, { 'content-type': 'text/plain; charset=utf-8' }).end('not found');
      return;
    }
    response.writeHead(200, { 'content-type': type, 'cache-control': 'no-store' });
    response.end(request.method === 'HEAD' ? undefined : fs.readFileSync(file));
  });
  return new Promise((resolve, reject) => {
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => resolve(server));
  });
}

async function graphql(query, variables, secret) {
  const response = await fetch(`${api}/graphql`, {
    method: 'POST',
    headers: {
      'content-type': 'application/json',
      ...(secret ? { authorization: `Bearer ${secret}` } : {}),
    },
    body: JSON.stringify({ query, variables }),
  });
  const body = await response.json();
  if (!response.ok || body.errors) {
    throw new StepFailure(`GraphQL request failed (HTTP ${response.status}): ${JSON.stringify(body.errors ?? body)}`);
  }
  return body.data;
}

async function recordValue(kpiId, observedOn, value) {
  const data = await graphql(
    `mutation Record($input: RecordKpiValuesInput!) {
      recordKpiValues(input: $input) { inserted updated unchanged userErrors { field message code } }
    }`,
    { input: { values: [{ kpiId, observedOn, value, source: 'tests/widget/browser.mjs' }] } },
    token,
  );
  const result = data.recordKpiValues;
  check(
    result.userErrors.length === 0 && result.inserted + result.updated === 1,
    `recordKpiValues did not record the value: ${JSON.stringify(result)}`,
  );
}

async function runAxe(page, when) {
  await page.addScriptTag({ content: axeSource });
  const result = await page.evaluate(
    (tags) => window.axe.run(document, { runOnly: { type: 'tag', values: tags }, resultTypes: ['violations'] }),
    WCAG_TAGS,
  );
  const violations = result.violations.map(
    (v) =>
      `  ${v.id} (${v.impact}): ${v.help}\n` +
      v.nodes.map((n) => `    ${n.target.join(' ')}: ${n.failureSummary.replace(/\n/g, ' ')}`).join('\n'),
  );
  check(violations.length === 0, `axe-core found ${violations.length} violation(s) ${when}:\n${violations.join('\n')}`);
  passed(`no violation of ${WCAG_TAGS.join(', ')} ${when} (${result.passes.length} rules passed)`);
}

/** Waits until `predicate(page)` holds, up to `ms`; returns the milliseconds it took, or null. */
async function within(ms, predicate) {
  const start = performance.now();
  while (performance.now() - start < ms) {
    if (await predicate()) return Math.round(performance.now() - start);
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
  return (await predicate()) ? Math.round(performance.now() - start) : null;
}

const kpiCell = (page, kpiId, cell) =>
  page.evaluate(
    ([id, index]) => document.querySelector(`#kpis tr[data-kpi-id="${CSS.escape(id)}"]`)?.children[index]?.textContent ?? '',
    [kpiId, cell],
  );
const announcements = (page) => page.evaluate(() => window.__announcements.slice());
const connectionText = (page) => page.locator('#connection-text').textContent();

async function main() {
  const files = await serveWidget();
  const widgetOrigin = `http://127.0.0.1:${files.address().port}`;
  const apiOrigin = new URL(api).origin;
  const browser = await chromium.launch({ executablePath: options.chromium, headless: true });
  try {
    const context = await browser.newContext({ locale: 'de-DE', timezoneId: 'Europe/Berlin' });

    // Only the widget's files and the API: the page must work without internet.
    const foreign = [];
    await context.route('**/*', (route) => {
      const url = new URL(route.request().url());
      if (url.origin === widgetOrigin || url.origin === apiOrigin) return route.continue();
      foreign.push(url.href);
      return route.abort();
    });

    // The WebSocket goes through the test, which records both directions
    // and can cut the connection.
    const frames = []; // { from: 'page'|'server', at, message }
    const sockets = new Set();
    let refuse = false;
    const parse = (message) => {
      try {
        return JSON.parse(String(message));
      } catch {
        return { unparsable: String(message) };
      }
    };
    await context.routeWebSocket(
      (url) => url.origin === apiOrigin.replace(/^http/, 'ws') && url.pathname.endsWith('/graphql'),
      (ws) => {
        if (refuse) {
          ws.close({ code: 1001, reason: 'test: server away' });
          return;
        }
        const server = ws.connectToServer();
        const link = { ws, server };
        sockets.add(link);
        ws.onMessage((message) => {
          frames.push({ from: 'page', at: performance.now(), message: parse(message) });
          server.send(message);
        });
        server.onMessage((message) => {
          frames.push({ from: 'server', at: performance.now(), message: parse(message) });
          ws.send(message);
        });
        ws.onClose((code, reason) => {
          sockets.delete(link);
          server.close({ code, reason }).catch(() => {});
        });
        server.onClose((code, reason) => {
          sockets.delete(link);
          ws.close({ code, reason }).catch(() => {});
        });
      },
    );

    const page = await context.newPage();
    const pageErrors = [];
    page.on('pageerror', (error) => pageErrors.push(error.message));

    // 1. The measure with its goals and KPIs.
    step('load');
    const url = `${widgetOrigin}/index.html?measure=${encodeURIComponent(options.measure)}&api=${encodeURIComponent(api)}`;
    await page.goto(url);
    await page
      .waitForSelector('main[data-state="ready"] #kpis tr[data-kpi-id]', { timeout: 15000 })
      .catch(async () => {
        const error = await page.locator('#load-error').textContent().catch(() => '');
        throw new StepFailure(`the KPIs were not shown within 15 s (${url}): ${error || 'no error shown'}`);
      });
    const { measure } = await graphql(
      `query($code: String!) { measure(code: $code) { code title goals { id } kpis { id name unit valueType } } }`,
      { code: options.measure },
    );
    check(measure, `measure ${options.measure} does not exist on ${api}`);
    const heading = await page.locator('h1').textContent();
    check(heading.includes(measure.title), `the heading "${heading}" does not name "${measure.title}"`);
    check((await page.locator('html').getAttribute('lang')) === 'de', 'the page is not marked lang="de"');
    const rows = await page.locator('#kpis tr[data-kpi-id]').count();
    check(rows === measure.kpis.length, `${rows} KPI rows shown, the measure has ${measure.kpis.length}`);
    const goals = await page.locator('#goals li').count();
    check(goals === Math.max(1, measure.goals.length), `${goals} goals shown, the measure has ${measure.goals.length}`);
    const goalText = await page.locator('#goals').textContent();
    const badDates = (await page.locator('time').allTextContents()).filter((t) => !/^\d{2}\.\d{2}\.\d{4}$/.test(t));
    check(badDates.length === 0, `dates not written dd.mm.yyyy: ${badDates.join(', ')}`);
    passed(`"${heading}" with ${goals} goals and ${rows} KPIs (${goalText.match(/\d{2}\.\d{2}\.\d{4}/)?.[0] ?? 'no date'} …)`);

    // 2. Accessibility.
    step('axe');
    await runAxe(page, 'after loading');

    // 3. A new value appears live.
    step('live');
    const kpi = measure.kpis.find((k) => k.valueType === 'NUMBER') ?? measure.kpis[0];
    check(kpi, `measure ${options.measure} has no KPI to record a value for`);
    const subscribed = await within(10000, () =>
      frames.some((f) => f.from === 'page' && f.message.type === 'subscribe'),
    );
    check(subscribed !== null, `the page sent no graphql-ws subscribe message within 10 s (connection: "${await connectionText(page)}")`);
    const ack = frames.some((f) => f.from === 'server' && f.message.type === 'connection_ack');
    check(ack, `the server did not acknowledge the graphql-ws connection (frames: ${JSON.stringify(frames.slice(0, 4))})`);
    // Give the server a moment to start the subscription: there is no
    // acknowledgement of a subscribe message in the protocol.
    await new Promise((resolve) => setTimeout(resolve, 500));
    const subscriptionError = frames.find((f) => f.from === 'server' && f.message.type === 'error');
    check(!subscriptionError, `the server refused the subscription: ${JSON.stringify(subscriptionError?.message.payload)}`);
    await page.evaluate(() => {
      window.__notReloaded = true;
      window.__announcements = [];
      const region = document.querySelector('[aria-live="polite"]#announcement');
      new MutationObserver(() => window.__announcements.push(region.textContent)).observe(region, {
        childList: true,
        characterData: true,
        subtree: true,
      });
    });

    const today = new Date().toISOString().slice(0, 10);
    const value = 90000 + Math.floor(Math.random() * 9000) + 0.25;
    const shown = germanNumber.format(value);
    const sent = performance.now();
    await recordValue(kpi.id, today, value);
    const recorded = performance.now();
    const appeared = await within(LIVE_DEADLINE_MS - (recorded - sent), async () => (await kpiCell(page, kpi.id, 1)).includes(shown));
    if (appeared === null) {
      const events = frames.filter((f) => f.from === 'server' && f.message.type === 'next');
      throw new StepFailure(
        `the new value ${shown} of "${kpi.name}" was not shown within ${LIVE_DEADLINE_MS} ms ` +
          `(cell: "${await kpiCell(page, kpi.id, 1)}"; connection: "${await connectionText(page)}"; ` +
          `change events received: ${events.length})`,
      );
    }
    const total = Math.round(recorded - sent) + appeared;
    const event = frames.find((f) => f.from === 'server' && f.message.type === 'next' && f.at >= sent);
    check(event, 'the value was shown, but no change event came over the WebSocket');
    check(await page.evaluate(() => window.__notReloaded === true), 'the page was reloaded');
    check((await kpiCell(page, kpi.id, 2)) === germanDate(today), `the date shown is "${await kpiCell(page, kpi.id, 2)}", not ${germanDate(today)}`);
    const expected = `Neuer Wert für KPI „${kpi.name}“: ${shown}`;
    const announced = await within(500, async () => (await announcements(page)).some((t) => t.includes(expected)));
    check(announced !== null, `the aria-live region did not announce "${expected}" (it says: ${JSON.stringify(await announcements(page))})`);
    const change = event.message.payload?.data?.changes;
    passed(
      `${shown} ${kpi.unit ?? ''} shown ${total} ms after the mutation was sent ` +
        `(mutation ${Math.round(recorded - sent)} ms, event ${Math.round(event.at - sent)} ms: ${change?.action} ${change?.entityType}), ` +
        `announced "${(await announcements(page)).at(-1)}"`,
    );
    await runAxe(page, 'with the change highlighted');

    // 4. Reconnect: nothing recorded while disconnected is missed.
    step('reconnect');
    const lastCursor = frames.filter((f) => f.from === 'server' && f.message.type === 'next').at(-1).message.payload.data.changes.cursor;
    refuse = true;
    const cut = performance.now();
    for (const { ws, server } of [...sockets]) {
      await server.close({ code: 1001, reason: 'test: cut' }).catch(() => {});
      await ws.close({ code: 1001, reason: 'test: cut' }).catch(() => {});
    }
    const noticed = await within(3000, async () => (await connectionText(page)).includes('unterbrochen'));
    check(noticed !== null, `the page does not say that the connection is down (it says "${await connectionText(page)}")`);
    const missed = value + 1111;
    const missedShown = germanNumber.format(missed);
    await recordValue(kpi.id, today, missed);
    check(!(await kpiCell(page, kpi.id, 1)).includes(missedShown), 'the page showed a value recorded while it was disconnected');
    refuse = false;
    const caughtUp = await within(10000, async () => (await kpiCell(page, kpi.id, 1)).includes(missedShown));
    check(caughtUp !== null, `the value ${missedShown} recorded while disconnected was not shown within 10 s after the connection was allowed again (connection: "${await connectionText(page)}")`);
    const resubscribe = frames.find((f) => f.from === 'page' && f.message.type === 'subscribe' && f.at > cut);
    check(resubscribe, 'the page did not subscribe again after reconnecting');
    const since = resubscribe.message.payload?.variables?.since;
    check(since === lastCursor, `the page re-subscribed with since=${JSON.stringify(since)}, not the last cursor ${JSON.stringify(lastCursor)}`);
    const replayed = frames.find(
      (f) => f.from === 'server' && f.message.type === 'next' && f.at > cut && f.message.payload?.data?.changes?.entityType === 'KPI_VALUE',
    );
    check(replayed, `the server did not replay the change made while disconnected after since=${lastCursor}`);
    const live = await within(3000, async () => (await connectionText(page)).includes('verbunden'));
    check(live !== null, `the page does not say that it is connected again (it says "${await connectionText(page)}")`);
    passed(`re-subscribed with since=${since}; the missed value ${missedShown} was replayed and shown ${Math.round(performance.now() - cut)} ms after the cut`);

    step('page');
    check(pageErrors.length === 0, `uncaught errors in the page: ${pageErrors.join('; ')}`);
    check(foreign.length === 0, `the page requested other hosts: ${foreign.join(', ')}`);
    passed('no uncaught error, no request to other hosts');
  } finally {
    await browser.close();
    files.close();
  }
}

const timer = setTimeout(() => {
  console.error(`FAIL ${current}: the browser test did not finish within 90 s`);
  process.exit(1);
}, 90000);
try {
  await main();
  console.log('widget browser test: all steps passed');
} catch (error) {
  const message = error instanceof StepFailure ? error.message : error.stack || String(error);
  console.error(`FAIL ${current}: ${message}`);
  process.exitCode = 1;
} finally {
  clearTimeout(timer);
}
