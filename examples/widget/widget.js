// The live measure widget: shows one measure of the masterplan (its title,
// goals with due dates and KPIs with their latest value) and keeps it up to
// date through the API's `changes` subscription (graphql-ws, protocol
// graphql-transport-ws). Every change event makes the page fetch the measure
// again over HTTP and announce what changed in the aria-live region.
//
// Query parameters: `measure` (code, default 1.2) and `api` (the server's base
// URL, e.g. http://127.0.0.1:8080; default: the page's own origin).

import { createClient } from './graphql-ws.js';

const MEASURE_QUERY = `query WidgetMeasure($code: String!) {
  measure(code: $code) {
    id
    code
    title
    status
    goals { id text status timing { phrase kind startsOn dueOn } }
    kpis { id name unit valueType latestValue { id value observedOn } }
  }
}`;

const CHANGES_SUBSCRIPTION = `subscription WidgetChanges($m: String, $since: String) {
  changes(measure: $m, since: $since) { cursor at action entityType entityId changedFields }
}`;

const GOAL_STATUS = {
  OPEN: 'offen',
  IN_PROGRESS: 'in Arbeit',
  ACHIEVED: 'erreicht',
  MISSED: 'verfehlt',
  DROPPED: 'aufgegeben',
};

const MEASURE_STATUS = {
  PLANNED: 'geplant',
  IN_PROGRESS: 'in Umsetzung',
  COMPLETED: 'abgeschlossen',
  ON_HOLD: 'zurückgestellt',
  CANCELLED: 'abgebrochen',
};

const CONNECTION_TEXT = {
  connecting: 'Live-Verbindung wird aufgebaut …',
  live: 'Live: verbunden, Änderungen erscheinen sofort',
  retrying: 'Live-Verbindung unterbrochen, neuer Versuch läuft …',
  unavailable: 'Live-Aktualisierung nicht verfügbar, neuer Versuch in 30 Sekunden',
};

const numberFormat = new Intl.NumberFormat('de-DE', { maximumFractionDigits: 2 });
const timeFormat = new Intl.DateTimeFormat('de-DE', { hour: '2-digit', minute: '2-digit' });

const $ = (id) => document.getElementById(id);

/** `2020-12-31` (a GraphQL Date) as `31.12.2020`. */
export function formatDate(iso) {
  const match = /^(\d{4})-(\d{2})-(\d{2})/.exec(iso ?? '');
  return match ? `${match[3]}.${match[2]}.${match[1]}` : String(iso ?? '');
}

/** A local date as `31.12.2020`. */
function formatLocalDate(date) {
  const pad = (n) => String(n).padStart(2, '0');
  return `${pad(date.getDate())}.${pad(date.getMonth() + 1)}.${date.getFullYear()}`;
}

/** A KPI's value in German notation, with its unit. */
export function formatValue(kpi, value) {
  if (kpi.valueType === 'MILESTONE') {
    return value >= 1 ? 'erreicht' : 'nicht erreicht';
  }
  const number = numberFormat.format(value);
  return kpi.unit ? `${number} ${kpi.unit}` : number;
}

function timeElement(iso) {
  const time = document.createElement('time');
  time.dateTime = iso;
  time.textContent = formatDate(iso);
  return time;
}

function element(tag, attributes = {}, ...children) {
  const node = document.createElement(tag);
  for (const [name, value] of Object.entries(attributes)) {
    if (name === 'class') node.className = value;
    else node.setAttribute(name, value);
  }
  for (const child of children) {
    if (child != null) node.append(child);
  }
  return node;
}

/** Where the widget reads from, taken from the page's query string. */
function configuration() {
  const params = new URLSearchParams(location.search);
  const measure = (params.get('measure') || '1.2').trim();
  const api = params.get('api') || (location.origin !== 'null' ? location.origin : '');
  let base;
  try {
    base = new URL(api);
  } catch {
    throw new Error('Die Adresse der Masterplan API fehlt oder ist ungültig (Parameter „api“, z. B. ?api=http://127.0.0.1:8080).');
  }
  if (base.protocol !== 'http:' && base.protocol !== 'https:') {
    throw new Error('Die Adresse der Masterplan API muss mit http:// oder https:// beginnen.');
  }
  const root = `${base.origin}${base.pathname.replace(/\/+$/, '')}`;
  return {
    measure,
    httpUrl: `${root}/graphql`,
    wsUrl: `${root.replace(/^http/, 'ws')}/graphql`,
  };
}

async function fetchMeasure(config) {
  let response;
  try {
    response = await fetch(config.httpUrl, {
      method: 'POST',
      headers: {
        'content-type': 'application/json',
        accept: 'application/graphql-response+json, application/json',
      },
      body: JSON.stringify({ query: MEASURE_QUERY, variables: { code: config.measure } }),
      signal: AbortSignal.timeout(10000),
    });
  } catch (error) {
    throw new Error(
      error?.name === 'TimeoutError'
        ? 'Die API hat nicht innerhalb von 10 Sekunden geantwortet.'
        : `Die API unter ${config.httpUrl} ist nicht erreichbar.`,
    );
  }
  let body;
  try {
    body = await response.json();
  } catch {
    throw new Error(`Die API antwortete mit HTTP ${response.status}.`);
  }
  if (body.errors?.length) {
    throw new Error(`Die API meldet: ${body.errors.map((e) => e.message).join('; ')}`);
  }
  if (!response.ok) {
    throw new Error(`Die API antwortete mit HTTP ${response.status}.`);
  }
  return body.data.measure;
}

function goalDeadline(timing) {
  const parts = [];
  if (timing.kind === 'BY' && timing.dueOn) {
    parts.push('Fällig bis ', timeElement(timing.dueOn));
  } else if (timing.kind === 'FROM' && timing.startsOn) {
    parts.push('Ab ', timeElement(timing.startsOn));
  } else if (timing.kind === 'DURING' && (timing.startsOn || timing.dueOn)) {
    parts.push('Zeitraum ');
    if (timing.startsOn) parts.push('ab ', timeElement(timing.startsOn), ' ');
    if (timing.dueOn) parts.push('bis ', timeElement(timing.dueOn));
  } else if (timing.dueOn) {
    parts.push('Fällig bis ', timeElement(timing.dueOn));
  } else {
    parts.push('Ohne Termin');
  }
  if (timing.phrase) parts.push(` (laut Plan „${timing.phrase}“)`);
  return parts;
}

function renderGoals(goals, changed) {
  const list = $('goals');
  list.replaceChildren(
    ...goals.map((goal) =>
      element(
        'li',
        changed.has(goal.id) ? { class: 'changed' } : {},
        goal.text,
        element(
          'span',
          { class: 'meta' },
          ...goalDeadline(goal.timing),
          ` · Status: ${GOAL_STATUS[goal.status] ?? goal.status}`,
        ),
      ),
    ),
  );
  if (!goals.length) list.append(element('li', {}, 'Für diese Maßnahme sind keine Ziele erfasst.'));
}

function renderKpis(kpis, changed) {
  const rows = kpis.map((kpi) => {
    const latest = kpi.latestValue;
    const value = latest
      ? element('td', { class: 'value' }, formatValue(kpi, latest.value))
      : element('td', { class: 'value none' }, 'noch kein Wert');
    const observed = latest
      ? element('td', {}, timeElement(latest.observedOn))
      : element('td', { class: 'none' }, element('span', { 'aria-hidden': 'true' }, '–'), element('span', { class: 'visually-hidden' }, 'kein Datum'));
    return element(
      'tr',
      { 'data-kpi-id': kpi.id, ...(changed.has(kpi.id) ? { class: 'changed' } : {}) },
      element('th', { scope: 'row' }, kpi.name),
      value,
      observed,
    );
  });
  if (!rows.length) {
    rows.push(element('tr', {}, element('td', { colspan: '3' }, 'Für diese Maßnahme sind keine Kennzahlen erfasst.')));
  }
  $('kpis').replaceChildren(...rows);
}

function sameValue(a, b) {
  if (!a || !b) return a === b;
  return a.id === b.id && a.value === b.value && a.observedOn === b.observedOn;
}

function shorten(text, length = 80) {
  return text.length > length ? `${text.slice(0, length - 1)}…` : text;
}

/** What changed between two versions of the measure, in words. */
function describeChanges(before, after) {
  const messages = [];
  const changed = new Set();
  if (!after) {
    messages.push('Die Maßnahme ist nicht mehr verfügbar.');
    return { messages, changed };
  }
  if (before.title !== after.title || before.code !== after.code) {
    messages.push(`Maßnahme umbenannt: „${after.title}“`);
  }
  if (before.status !== after.status) {
    messages.push(`Neuer Status der Maßnahme: ${MEASURE_STATUS[after.status] ?? after.status}`);
  }

  const oldKpis = new Map(before.kpis.map((k) => [k.id, k]));
  for (const kpi of after.kpis) {
    const old = oldKpis.get(kpi.id);
    oldKpis.delete(kpi.id);
    if (!old) {
      messages.push(`Neue KPI „${kpi.name}“`);
      changed.add(kpi.id);
    } else if (!sameValue(old.latestValue, kpi.latestValue)) {
      changed.add(kpi.id);
      const latest = kpi.latestValue;
      messages.push(
        latest
          ? `Neuer Wert für KPI „${kpi.name}“: ${formatValue(kpi, latest.value)}, Stand ${formatDate(latest.observedOn)}`
          : `Für KPI „${kpi.name}“ ist kein Wert mehr erfasst`,
      );
    } else if (old.name !== kpi.name || old.unit !== kpi.unit) {
      changed.add(kpi.id);
      messages.push(`KPI geändert: „${kpi.name}“`);
    }
  }
  for (const old of oldKpis.values()) messages.push(`KPI „${old.name}“ entfernt`);

  const oldGoals = new Map(before.goals.map((g) => [g.id, g]));
  for (const goal of after.goals) {
    const old = oldGoals.get(goal.id);
    oldGoals.delete(goal.id);
    if (!old) {
      messages.push(`Neues Ziel: „${shorten(goal.text)}“`);
      changed.add(goal.id);
    } else if (old.status !== goal.status) {
      messages.push(`Ziel „${shorten(goal.text)}“: Status ${GOAL_STATUS[goal.status] ?? goal.status}`);
      changed.add(goal.id);
    } else if (old.text !== goal.text || JSON.stringify(old.timing) !== JSON.stringify(goal.timing)) {
      messages.push(`Ziel geändert: „${shorten(goal.text)}“`);
      changed.add(goal.id);
    }
  }
  for (const old of oldGoals.values()) messages.push(`Ziel entfernt: „${shorten(old.text)}“`);
  return { messages, changed };
}

function announce(messages) {
  if (!messages.length) return;
  const region = $('announcement');
  region.textContent = `${messages.join('. ')} (${timeFormat.format(new Date())} Uhr)`;
}

class Widget {
  constructor(config) {
    this.config = config;
    this.measure = undefined; // undefined: not loaded yet; null: not found
    this.fetching = null;
    this.again = false;
    this.highlightTimer = undefined;
    this.connection = { socket: 'connecting', subscription: 'active' };
    this.payload = { query: CHANGES_SUBSCRIPTION, variables: { m: config.measure } };
    this.lastCursor = null;
  }

  /** Fetches the measure (again) and renders it; calls made meanwhile are merged into one more fetch. */
  refresh() {
    if (this.fetching) {
      this.again = true;
      return this.fetching;
    }
    this.fetching = (async () => {
      try {
        do {
          this.again = false;
          try {
            const measure = await fetchMeasure(this.config);
            $('load-error').hidden = true;
            this.apply(measure);
          } catch (error) {
            this.showError(`Die Daten konnten nicht geladen werden: ${error.message}`);
          }
        } while (this.again);
      } finally {
        this.fetching = null;
      }
    })();
    return this.fetching;
  }

  showError(message) {
    const box = $('load-error');
    box.textContent = message;
    box.hidden = false;
    const main = $('main');
    if (main.dataset.state === 'loading') {
      main.dataset.state = 'error';
      main.setAttribute('aria-busy', 'false');
      $('measure-title').textContent = `Maßnahme ${this.config.measure}`;
    }
  }

  apply(measure) {
    const before = this.measure;
    this.measure = measure;
    const main = $('main');
    main.setAttribute('aria-busy', 'false');
    if (!measure) {
      main.dataset.state = 'not-found';
      $('measure-title').textContent = `Maßnahme ${this.config.measure}`;
      $('goals-section').hidden = true;
      $('kpis-section').hidden = true;
      this.showError(`Die Maßnahme „${this.config.measure}“ gibt es nicht oder sie ist nicht öffentlich.`);
      if (before) announce(['Die Maßnahme ist nicht mehr verfügbar.']);
      return;
    }
    let changes = { messages: [], changed: new Set() };
    if (before) changes = describeChanges(before, measure);

    const heading = measure.code ? `Maßnahme ${measure.code}: ${measure.title}` : measure.title;
    $('measure-title').textContent = heading;
    document.title = `${heading} – Masterplan Digitale Verwaltung`;
    renderGoals(measure.goals, changes.changed);
    renderKpis(measure.kpis, changes.changed);
    $('goals-section').hidden = false;
    $('kpis-section').hidden = false;
    main.dataset.state = 'ready';
    const now = new Date();
    $('updated').textContent = `Stand der Anzeige: ${formatLocalDate(now)}, ${timeFormat.format(now)} Uhr.`;
    announce(changes.messages);

    clearTimeout(this.highlightTimer);
    if (changes.changed.size) {
      this.highlightTimer = setTimeout(() => {
        for (const node of document.querySelectorAll('.changed')) node.classList.remove('changed');
      }, 10000);
    }
  }

  setConnection(part, state) {
    this.connection[part] = state;
    const { socket, subscription } = this.connection;
    const shown = socket === 'open' ? (subscription === 'active' ? 'live' : 'unavailable') : socket;
    const indicator = $('connection');
    if (indicator.dataset.state === shown) return;
    indicator.dataset.state = shown;
    $('connection-text').textContent = CONNECTION_TEXT[shown];
  }

  /** Opens the WebSocket and subscribes to the measure's changes. */
  connect() {
    this.client = createClient({
      url: this.config.wsUrl,
      lazy: false,
      retryAttempts: Infinity,
      shouldRetry: () => true,
      // 0.5 s, 1 s, 2 s, … up to 30 s, with some jitter so many pages do not
      // reconnect at the same instant after a server restart.
      retryWait: (retries) =>
        new Promise((resolve) => setTimeout(resolve, Math.min(30000, 500 * 2 ** retries) + Math.random() * 500)),
      keepAlive: 30000,
      on: {
        connecting: (retrying) => this.setConnection('socket', retrying ? 'retrying' : 'connecting'),
        connected: (_socket, _payload, wasRetry) => {
          this.setConnection('socket', 'open');
          // After a reconnect, or when the first load failed, load again: the
          // subscription resumes after the last cursor, this catches the rest.
          if (wasRetry || !this.measure) this.refresh();
        },
        closed: () => this.setConnection('socket', 'retrying'),
      },
      onNonLazyError: () => this.setConnection('socket', 'retrying'),
    });
    this.subscribe();
  }

  subscribe() {
    this.setConnection('subscription', 'active');
    this.client.subscribe(this.payload, {
      next: (result) => {
        const event = result.data?.changes;
        if (event?.cursor) {
          // graphql-ws sends this payload object again on every re-subscribe:
          // with `since`, the server replays what happened while disconnected.
          this.lastCursor = event.cursor;
          this.payload.variables.since = event.cursor;
        }
        if (result.errors?.length) console.warn('Masterplan-Widget: Fehler im Änderungsereignis', result.errors);
        this.refresh();
      },
      error: (error) => {
        console.warn('Masterplan-Widget: Abonnement fehlgeschlagen', error);
        this.setConnection('subscription', 'failed');
        setTimeout(() => this.subscribe(), 30000);
      },
      complete: () => setTimeout(() => this.subscribe(), 1000),
    });
  }
}

function start() {
  let config;
  try {
    config = configuration();
  } catch (error) {
    const main = $('main');
    main.dataset.state = 'error';
    main.setAttribute('aria-busy', 'false');
    $('measure-title').textContent = 'Maßnahme';
    $('load-error').textContent = error.message;
    $('load-error').hidden = false;
    $('connection').dataset.state = 'unavailable';
    $('connection-text').textContent = 'Live-Aktualisierung nicht verfügbar';
    return;
  }
  const widget = new Widget(config);
  window.masterplanWidget = widget;
  widget.refresh();
  widget.connect();
}

start();
