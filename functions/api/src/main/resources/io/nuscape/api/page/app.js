// NuScape dashboard: one page over the API of the same origin. No framework: the DOM is built with h(), data
// comes from /api/v1 with a short-lived access token kept in memory only; the refresh token is an HttpOnly
// cookie the page never sees. Every number shown is the API's, formatted; data-ms attributes keep the raw value.
'use strict';
(() => {
  // The stage or base path in front of the routes (/prod), written into the page by the server.
  const API = document.querySelector('meta[name="nuscape-base"]').content + '/api/v1';
  const DAY = 86400000;
  const session = { token: null, expiresAt: 0, user: null, timer: null, refreshing: null, skew: 0 };
  // Storage may be refused (cookies blocked): the page then simply forgets the viewer's choices.
  const stored = k => { try { return localStorage.getItem('nuscape.' + k); } catch (e) { return null; } };
  const store = (k, v) => { try { localStorage.setItem('nuscape.' + k, v); } catch (e) { /* not kept */ } };
  const known = z => { try { new Intl.DateTimeFormat('en', { timeZone: z }); return true; } catch (e) { return false; } };
  const startZone = stored('tz') || Intl.DateTimeFormat().resolvedOptions().timeZone;
  const view = { tz: startZone && known(startZone) ? startZone : 'UTC', range: stored('range') || '7d', from: stored('from') || '',
    to: stored('to') || '', kind: 'app' };
  if (view.range === 'custom' && !(view.from && view.to)) view.range = '7d';
  const main = document.getElementById('main');
  const timers = new Set(); // polls of the current view, stopped when it changes
  let generation = 0; // bumped on every route and sign-out: an answer for an older one is dropped, never shown

  // ---- DOM ------------------------------------------------------------------------------------------------
  function h(tag, attrs, ...children) {
    const el = document.createElement(tag);
    for (const [k, v] of Object.entries(attrs || {})) {
      if (v === null || v === undefined || v === false) continue;
      if (k.startsWith('on')) el.addEventListener(k.slice(2), v);
      else if (k === 'text') el.textContent = v;
      else if (k === 'class') el.className = v;
      else el.setAttribute(k, v === true ? '' : v);
    }
    for (const c of children.flat()) {
      if (c !== null && c !== undefined && c !== false) el.append(c instanceof Node ? c : document.createTextNode(String(c)));
    }
    return el;
  }
  const admin = () => session.user && session.user.role === 'admin';
  let toastTimer = null;
  function toast(text) {
    const t = document.getElementById('toast');
    t.textContent = text;
    t.classList.add('show');
    clearTimeout(toastTimer);
    toastTimer = setTimeout(() => t.classList.remove('show'), 6000);
  }
  function errorBox(e) {
    const what = e instanceof ApiError ? e.message : 'Something went wrong in the page: ' + e;
    const hint = e.status === 0 ? ' Check your connection, then try again.' : e.status >= 500 ? ' Try again in a moment; if it persists, tell your operator.' : '';
    return h('div', { class: 'error', role: 'alert' }, what + hint);
  }

  // ---- formatting -----------------------------------------------------------------------------------------
  function duration(ms) {
    if (!ms) return '0 min';
    const min = Math.round(ms / 60000);
    if (min < 1) return Math.max(1, Math.round(ms / 1000)) + ' s';
    const hours = Math.floor(min / 60);
    return hours ? hours + ' h ' + String(min % 60).padStart(2, '0') + ' min' : min + ' min';
  }
  function when(iso) {
    if (!iso) return 'never';
    return new Intl.DateTimeFormat(undefined, { dateStyle: 'medium', timeStyle: 'short', timeZone: view.tz }).format(new Date(iso));
  }
  function change(now, before, running) {
    const against = running ? ' so far, against the whole previous period' : ' against the previous period';
    if (!before) return now ? 'new this period' : 'no change';
    const pct = Math.round((now - before) * 100 / before);
    return (pct > 0 ? '+' : '') + pct + ' %' + against;
  }

  // ---- time zones: midnights of a zone's calendar without a date library ------------------------------------
  function offsetAt(t, tz) {
    const parts = Object.fromEntries(new Intl.DateTimeFormat('en-US', { timeZone: tz, hourCycle: 'h23', year: 'numeric', month: '2-digit',
      day: '2-digit', hour: '2-digit', minute: '2-digit', second: '2-digit' }).formatToParts(new Date(t)).map(p => [p.type, p.value]));
    return Date.UTC(+parts.year, +parts.month - 1, +parts.day, +parts.hour, +parts.minute, +parts.second) - Math.floor(t / 1000) * 1000;
  }
  function midnight(y, m, d, tz) { // the instant a zone's day y-m-d starts (DST-correct: offsets read at the guess, then again)
    const wall = Date.UTC(y, m - 1, d);
    let t = wall - offsetAt(wall, tz);
    t = wall - offsetAt(t, tz);
    const want = dateText([y, m, d]);
    if (dateText(localDate(t, tz)) < want) {
      // Midnight skipped by a daylight-saving change (Havana, Santiago): the day starts at its first instant, 01:00.
      let lo = t;
      let hi = t + 3 * 3600000;
      while (hi - lo > 1000) {
        const mid = Math.floor((lo + hi) / 2);
        if (dateText(localDate(mid, tz)) < want) lo = mid; else hi = mid;
      }
      t = Math.floor(hi / 60000) * 60000;
    }
    return t;
  }
  function localDate(t, tz) {
    const p = Object.fromEntries(new Intl.DateTimeFormat('en-US', { timeZone: tz, year: 'numeric', month: '2-digit', day: '2-digit' })
      .formatToParts(new Date(t)).map(x => [x.type, x.value]));
    return [+p.year, +p.month, +p.day];
  }
  function addDays([y, m, d], n) {
    const t = new Date(Date.UTC(y, m - 1, d + n));
    return [t.getUTCFullYear(), t.getUTCMonth() + 1, t.getUTCDate()];
  }
  function iso(t) { return new Date(t).toISOString(); }
  function dateText([y, m, d]) { return y + '-' + String(m).padStart(2, '0') + '-' + String(d).padStart(2, '0'); }
  /** The chosen range in the viewer's zone: whole local days, today included; hourly steps for one day. */
  function range() {
    const today = localDate(Date.now(), view.tz);
    let first = today, last = today;
    if (view.range === '7d') first = addDays(today, -6);
    else if (view.range === '30d') first = addDays(today, -29);
    else if (view.range === 'custom' && view.from && view.to) {
      first = view.from.split('-').map(Number);
      last = view.to.split('-').map(Number);
    }
    const from = midnight(...first, view.tz);
    const end = addDays(last, 1);
    const to = midnight(...end, view.tz);
    return { from: iso(from), to: iso(to), step: to - from <= DAY + 3600000 ? '60m' : '1d', tz: view.tz };
  }

  // ---- API and session ------------------------------------------------------------------------------------
  class ApiError extends Error {
    constructor(status, code, message) { super(message); this.status = status; this.code = code; }
  }
  async function send(method, path, body, auth) {
    const headers = { Accept: 'application/json' };
    if (auth && session.token) headers.Authorization = 'Bearer ' + session.token;
    if (body !== undefined) headers['Content-Type'] = 'application/json';
    let r;
    try {
      r = await fetch(API + path, { method, headers, body: body === undefined ? undefined : JSON.stringify(body), credentials: 'same-origin' });
    } catch (e) {
      throw new ApiError(0, 'network', 'The NuScape server could not be reached.');
    }
    const date = Date.parse(r.headers.get('Date') || '');
    if (!Number.isNaN(date)) session.skew = date - Date.now(); // the server's clock: token lifetimes are on it, not on this one
    return r;
  }
  function retryAfter(r) {
    const v = r.headers.get('Retry-After');
    if (!v) return '';
    const secs = /^[0-9]+$/.test(v.trim()) ? +v : Math.round((Date.parse(v) - Date.now() - session.skew) / 1000); // seconds or an HTTP date
    return Number.isFinite(secs) ? ' Try again in ' + Math.max(1, secs) + ' s.' : '';
  }
  async function read(r) {
    const text = await r.text();
    let data = null;
    try { data = text ? JSON.parse(text) : null; } catch (e) { data = null; }
    if (!r.ok) {
      throw new ApiError(r.status, data && data.error || 'http_' + r.status,
        (data && data.message || 'The server answered ' + r.status + '.') + retryAfter(r));
    }
    return data;
  }
  async function api(method, path, body) {
    let r = await send(method, path, body, true);
    if (r.status === 401 && session.user) {
      // The access token lapsed (a laptop asleep, a timer throttled): renew silently once, then ask again.
      const state = await refresh();
      if (state === 'ok') r = await send(method, path, body, true);
      else if (state === 'ended') { ended(); throw new ApiError(401, 'session_ended', 'Your session has ended. Sign in again.'); }
      else throw new ApiError(0, 'network', 'Your session could not be renewed: the NuScape server could not be reached.');
    }
    return read(r);
  }
  const get = (path, params) => api('GET', path + (params ? '?' + new URLSearchParams(Object.entries(params).filter(([, v]) => v)) : ''));

  function schedule(delay) {
    clearTimeout(session.timer);
    session.timer = setTimeout(() => refresh().then(state => { if (state === 'ended') ended(); }), delay);
  }
  function signedIn(answer) {
    session.token = answer.access_token;
    session.expiresAt = Date.parse(answer.expires_at) - session.skew; // on this browser's clock
    session.user = answer.user;
    // Renew well before expiry (half the lifetime, or two minutes before, whichever is later), so that a page
    // left open never meets an expired token; api() still renews on a 401 if the timer was throttled.
    const life = session.expiresAt - Date.now();
    schedule(Math.max(5000, life / 2, life - 120000));
    if (answer.refreshed) document.body.dataset.refreshes = String((+document.body.dataset.refreshes || 0) + 1);
  }
  /** 'ok' (renewed), 'ended' (the server refused the refresh cookie: sign in again) or 'later' (offline, busy: retried). */
  function refresh() {
    if (!session.refreshing) {
      const run = async () => {
        try {
          const r = await send('POST', '/sessions/refresh', undefined, false);
          if (r.status === 200) {
            signedIn(Object.assign(await r.json(), { refreshed: true }));
            return 'ok';
          }
          if (r.status === 401) return 'ended';
        } catch (e) { /* offline: below */ }
        // Offline, rate limited, a server error: passing. Try again soon while the token still works.
        if (session.user && Date.now() < session.expiresAt) {
          schedule(15000);
          return 'later';
        }
        return 'ended';
      };
      // One renewal at a time across this origin's tabs: two tabs sending the same refresh cookie at once look
      // like a stolen token, and the server ends the session.
      session.refreshing = (navigator.locks ? navigator.locks.request('nuscape-refresh', run) : run())
        .finally(() => { session.refreshing = null; });
    }
    return session.refreshing;
  }
  /** Drops everything of the signed-in person: token, timers, polls, answers still on their way. */
  function forget() {
    generation++;
    clearTimeout(session.timer);
    stopTimers();
    session.token = null;
    session.user = null;
    erasures.clear();
  }
  function ended() {
    const wasIn = session.user !== null;
    forget();
    showSignIn(wasIn ? 'Your session has ended. Sign in again to go on.' : null);
  }

  // ---- sign-in and invitations ------------------------------------------------------------------------------
  function showSignIn(message) {
    stopTimers();
    document.getElementById('top').hidden = true;
    const status = h('div', { 'aria-live': 'polite' });
    const email = h('input', { id: 'email', type: 'email', autocomplete: 'username', required: true });
    const password = h('input', { id: 'password', type: 'password', autocomplete: 'current-password', required: true });
    const form = h('form', { class: 'card signin', 'aria-labelledby': 'signin-title', onsubmit: async ev => {
      ev.preventDefault();
      status.replaceChildren(h('p', { class: 'loading' }, 'Signing in…'));
      try {
        signedIn(await read(await send('POST', '/sessions', { email: email.value, password: password.value }, false)));
        start();
      } catch (e) {
        status.replaceChildren(errorBox(e));
      }
    } },
    h('h1', { id: 'signin-title' }, 'Sign in to NuScape'),
    message ? h('p', { class: 'notice', role: 'alert', id: 'session-ended' }, message) : null,
    h('label', { for: 'email' }, 'Email'), email,
    h('label', { for: 'password' }, 'Password'), password,
    h('p', {}, h('button', { type: 'submit', id: 'sign-in' }, 'Sign in')), status);
    main.replaceChildren(form);
    email.focus();
  }
  function showInvitation(token) {
    generation++;
    stopTimers();
    document.getElementById('top').hidden = true;
    const status = h('div', { 'aria-live': 'polite' });
    const password = h('input', { id: 'new-password', type: 'password', autocomplete: 'new-password', minlength: '12', required: true });
    main.replaceChildren(h('form', { class: 'card signin', onsubmit: async ev => {
      ev.preventDefault();
      try {
        signedIn(await read(await send('POST', '/invitations/' + encodeURIComponent(token) + '/accept', { password: password.value }, false)));
        history.replaceState(null, '', location.pathname + '#/overview');
        start();
      } catch (e) {
        status.replaceChildren(errorBox(e));
      }
    } }, h('h1', {}, 'Welcome to NuScape'), h('p', {}, 'Choose a password of at least 12 characters to finish joining your account.'),
    h('label', { for: 'new-password' }, 'Password'), password, h('p', {}, h('button', { type: 'submit', id: 'accept' }, 'Join')), status));
  }

  // ---- shell and routing ------------------------------------------------------------------------------------
  function start() {
    const top = document.getElementById('top');
    top.hidden = false;
    document.getElementById('who').textContent = session.user.email + ' (' + session.user.role + ')';
    for (const a of top.querySelectorAll('[data-admin]')) a.hidden = !admin();
    if (!location.hash.startsWith('#/')) location.hash = '#/overview';
    else route();
  }
  function stopTimers() { for (const t of timers) clearInterval(t); timers.clear(); }
  const TITLES = { overview: 'Overview', devices: 'Devices', profiles: 'Profiles', limits: 'Limits', settings: 'Settings' };
  async function route() {
    if (!session.user) return;
    const gen = ++generation;
    routeStarted = performance.now();
    stopTimers();
    charts.length = 0;
    const [name, id] = location.hash.slice(2).split('/');
    for (const a of document.querySelectorAll('nav a')) {
      if (a.dataset.view === name) a.setAttribute('aria-current', 'page'); else a.removeAttribute('aria-current');
    }
    document.title = (TITLES[name] || 'Overview') + ' · NuScape';
    // A control of the view that asked again (range, zone) keeps the focus; a new view gets it on its heading.
    const focused = main.contains(document.activeElement) && document.activeElement.id ? document.activeElement.id : null;
    if (!focused) main.replaceChildren(h('p', { class: 'loading', role: 'status' }, 'Loading…'));
    const views = { overview: () => overview({}), devices: () => id ? deviceView(id) : devices(), profiles: () => id ? profileView(id) : profiles(),
      limits: () => limits(), settings: () => settings() };
    const usage = !views[name] || name === 'overview' || (id && (name === 'devices' || name === 'profiles'));
    let result;
    try {
      result = await (views[name] || views.overview)();
    } catch (e) {
      if (gen !== generation || e.code === 'session_ended') return;
      charts.length = 0;
      // The controls stay, so that a range or zone the server refused can be changed.
      result = [usage ? h('h1', {}, TITLES[name] || 'Overview') : null, usage ? rangeControls() : null, errorBox(e),
        h('button', { type: 'button', onclick: route }, 'Try again')];
    }
    if (gen !== generation || !session.user) return; // the person moved on, or signed out, while this was asked
    const { nodes, after } = Array.isArray(result) ? { nodes: result } : result;
    mount(...nodes);
    if (after) after();
    const again = focused && document.getElementById(focused);
    const heading = main.querySelector('h1');
    if (again) again.focus({ preventScroll: true });
    else if (heading) { heading.tabIndex = -1; heading.focus({ preventScroll: true }); } else main.focus({ preventScroll: true });
  }

  // ---- usage views ------------------------------------------------------------------------------------------
  function rangeControls(onchange = route) {
    const zones = typeof Intl.supportedValuesOf === 'function' ? Intl.supportedValuesOf('timeZone') : [];
    const problem = h('p', { class: 'error', role: 'alert', hidden: true });
    const today = dateText(localDate(Date.now(), view.tz));
    // A custom range is asked for only once both dates make one: from before to, at most 400 days (the API's limit).
    const customChanged = () => {
      if (!view.from || !view.to) return;
      const days = (Date.parse(view.to) - Date.parse(view.from)) / DAY + 1;
      const bad = days < 1 ? '“From” must not be after “To”.' : days > 400 ? 'A range may span at most 400 days.' : null;
      problem.hidden = !bad;
      problem.textContent = bad || '';
      if (bad) return;
      store('from', view.from);
      store('to', view.to);
      onchange();
    };
    const from = h('input', { id: 'from', type: 'date', value: view.from, max: today, onchange: () => { view.from = from.value; customChanged(); } });
    const to = h('input', { id: 'to', type: 'date', value: view.to, max: today, onchange: () => { view.to = to.value; customChanged(); } });
    const pick = h('select', { id: 'range', onchange: () => {
      view.range = pick.value;
      store('range', view.range);
      if (view.range === 'custom' && !(view.from && view.to)) {
        view.to = today;
        view.from = dateText(addDays(localDate(Date.now(), view.tz), -6));
      }
      onchange();
    } }, [['today', 'Today'], ['7d', 'Last 7 days'], ['30d', 'Last 30 days'], ['custom', 'Custom']].map(([v, t]) =>
      h('option', { value: v, selected: view.range === v }, t)));
    const tz = h('input', { id: 'tz', list: 'zones', value: view.tz, autocomplete: 'off', onchange: () => {
      if (!known(tz.value)) { toast('Unknown time zone: ' + tz.value + '. Pick one from the list, e.g. Europe/Paris.'); tz.value = view.tz; return; }
      view.tz = tz.value;
      store('tz', view.tz);
      onchange();
    } });
    const kind = h('select', { id: 'kind', onchange: () => { view.kind = kind.value; onchange(); } },
      [['app', 'Apps'], ['web', 'Sites'], ['screen', 'Screen']].map(([v, t]) => h('option', { value: v, selected: view.kind === v }, t)));
    const custom = view.range === 'custom';
    return h('div', {}, h('div', { class: 'controls' },
      h('label', {}, 'Range', pick), h('label', { hidden: !custom }, 'From', from), h('label', { hidden: !custom }, 'To', to),
      h('label', {}, 'Time zone', tz), h('datalist', { id: 'zones' }, zones.map(z => h('option', { value: z }))),
      h('label', {}, 'Measure', kind)), problem);
  }
  function bars(items, id, label) {
    if (!items.length) return h('p', { class: 'muted', id }, 'Nothing recorded in this range.');
    const max = Math.max(...items.map(i => i.duration_ms), 1);
    return h('ul', { class: 'bars', id, 'aria-label': label }, items.map(i => h('li', { 'data-key': i.key ?? i.value, 'data-ms': i.duration_ms },
      h('span', { class: 'name', title: i.key ?? i.value }, i.key ?? i.value),
      h('span', { class: 'bar', 'aria-hidden': 'true' }, h('span', { style: null, 'data-w': Math.round(i.duration_ms * 100 / max) })),
      h('span', { class: 'value' }, duration(i.duration_ms)))));
  }
  function sizeBars(root) { // widths through the CSSOM: the page's CSP allows no inline style attributes
    for (const s of root.querySelectorAll('[data-w]')) s.style.width = s.dataset.w + '%';
  }
  const charts = []; // charts drawn once their view is on the page (uPlot measures its box)
  let routeStarted = 0;
  let renders = 0; // each view put on the page counts one: what tests and the bench wait for
  function mount(...nodes) {
    main.replaceChildren(...nodes.filter(n => n !== null && n !== undefined && n !== false)); // absent parts, not the text "undefined"
    sizeBars(main);
    for (const draw of charts.splice(0)) draw();
    // When the view asked for its data, and since the page started loading: what scripts/bench page reads.
    main.dataset.renderMs = String(Math.round(performance.now() - routeStarted));
    main.dataset.sinceLoadMs = String(Math.round(performance.now()));
    main.dataset.rendered = String(++renders);
  }
  function chart(points, title, series) {
    const box = h('div', { class: 'chart', role: 'img', 'aria-label': title + ': see the table below for the values' });
    const table = h('table', { class: 'trend-table' }, h('caption', { class: 'visually-hidden' }, title),
      h('thead', {}, h('tr', {}, h('th', {}, 'From'), series.map(s => h('th', { class: 'num' }, s.label)))),
      h('tbody', {}, points.map(p => h('tr', {}, h('td', {}, when(p.bucket_start)),
        series.map(s => h('td', { class: 'num', 'data-ms': p[s.field] }, duration(p[s.field])))))));
    const details = h('details', {}, h('summary', {}, 'Show as table'), table);
    charts.push(() => {
      if (!window.uPlot || !box.isConnected) return;
      const xs = points.map(p => Date.parse(p.bucket_start) / 1000);
      const half = (xs.length > 1 ? xs[1] - xs[0] : 3600) / 2; // room for the first and last bars, centred on their buckets
      const data = [xs, ...series.map(s => points.map(p => p[s.field] / 60000))];
      const colors = ['#1f5fbf', '#b3541e'];
      const plot = new uPlot({ width: Math.max(260, box.clientWidth), height: 220, scales: { x: { range: (u, min, max) => [min - half, max + half] } }, tzDate: ts => uPlot.tzDate(new Date(ts * 1000), view.tz),
        legend: { show: series.length > 1 }, cursor: { drag: { x: false, y: false } },
        axes: [{}, { label: 'minutes', size: 50 }],
        series: [{}, ...series.map((s, i) => ({ label: s.label, stroke: colors[i], fill: colors[i] + '33', width: 1, points: { show: false },
          paths: uPlot.paths.bars({ size: [0.8 / series.length, 60], align: series.length === 1 ? 0 : i ? 1 : -1 }) }))] }, data, box);
      // The chart follows its box: a phone turned, a window resized.
      new ResizeObserver(() => { if (box.clientWidth) plot.setSize({ width: Math.max(260, box.clientWidth), height: 220 }); }).observe(box);
    });
    return h('div', {}, box, details);
  }
  async function overview(scope, heading, extra) {
    const r = range();
    const kind = view.kind;
    const base = Object.assign({ from: r.from, to: r.to, tz: r.tz }, scope);
    const [summary, series, apps, sites, categories, deviceList] = await Promise.all([
      get('/usage/summary', Object.assign({ kind, compare: 'previous', limit: 10 }, base)),
      get('/usage/timeseries', Object.assign({ kind, step: r.step }, base)),
      get('/usage/top', Object.assign({ kind: 'app', limit: 10 }, base)),
      get('/usage/top', Object.assign({ kind: 'web', limit: 10 }, base)),
      get('/usage/breakdown', Object.assign({ by: 'category', kind }, base)),
      scope.device_id || scope.profile_id ? null : get('/devices')]);
    const out = [heading || h('h1', {}, 'Overview'), rangeControls(), extra];
    if (deviceList && !deviceList.devices.some(d => d.status !== 'erased')) {
      out.push(h('div', { class: 'notice', id: 'empty' }, h('strong', {}, 'No devices yet. '),
        admin() ? ['Enroll your first device: open ', h('a', { href: '#/devices' }, 'Devices'), ', choose “Enroll a device” and type the code',
          ' on the device (or scan its QR code). Its usage shows here a minute after it first uploads.']
          : 'An admin of your account enrolls devices; their usage shows here once they upload.'));
    }
    const label = { app: 'Time in apps', web: 'Time on sites', screen: 'Screen time' }[kind];
    const approximate = series.approximate ? h('p', { class: 'muted' }, 'Some days are approximate: finer data has expired there.') : null;
    out.push(h('div', { class: 'grid' },
      h('section', { class: 'card', 'aria-labelledby': 'total-h' }, h('h2', { id: 'total-h' }, label),
        h('div', { class: 'big', id: 'total', 'data-ms': summary.duration_ms }, duration(summary.duration_ms)),
        h('p', { id: 'change', class: summary.duration_ms > summary.previous.duration_ms ? 'up' : 'down' },
          change(summary.duration_ms, summary.previous.duration_ms, Date.parse(r.to) > Date.now())),
        h('p', { class: 'muted' }, summary.events + ' events from ' + summary.active_devices + ' device' + (summary.active_devices === 1 ? '' : 's'))),
      h('section', { class: 'card', 'aria-labelledby': 'trend-h' }, h('h2', { id: 'trend-h' }, 'Trend by ' + (r.step === '60m' ? 'hour' : 'day')),
        chart(series.points, label + ' by ' + (r.step === '60m' ? 'hour' : 'day'), [{ field: 'duration_ms', label: 'time' }]), approximate)));
    out.push(h('div', { class: 'grid' },
      h('section', { class: 'card', 'aria-labelledby': 'apps-h' }, h('h2', { id: 'apps-h' }, 'Top apps'), bars(apps.items, 'top-apps', 'Top apps')),
      h('section', { class: 'card', 'aria-labelledby': 'sites-h' }, h('h2', { id: 'sites-h' }, 'Top sites'), bars(sites.items, 'top-sites', 'Top sites')),
      h('section', { class: 'card', 'aria-labelledby': 'cat-h' }, h('h2', { id: 'cat-h' }, 'By category'), bars(categories.items, 'categories', 'Time by category'))));
    return out;
  }
  async function deviceView(id) {
    const list = await get('/devices');
    const d = list.devices.find(x => x.device_id === id);
    if (!d) throw new ApiError(404, 'not_found', 'This device is not in your account (it may have been erased).');
    return overview({ device_id: id }, h('div', {}, h('p', {}, h('a', { href: '#/devices' }, '← Devices')),
      h('h1', {}, d.name + ' ', h('span', { class: 'badge ' + d.status }, d.status)),
      h('p', { class: 'muted' }, d.platform + ' · last seen ' + when(d.last_seen_at))));
  }
  async function profileView(id) {
    const r = range();
    const [list, screen] = await Promise.all([get('/profiles'),
      get('/profiles/' + encodeURIComponent(id) + '/screen-time', { from: r.from, to: r.to, tz: r.tz, step: r.step === '60m' ? '60m' : '1d' })]);
    const p = list.profiles.find(x => x.profile_id === id);
    if (!p) throw new ApiError(404, 'not_found', 'This profile no longer exists.');
    const combined = screen.points.reduce((s, x) => s + x.combined_ms, 0);
    const sum = screen.points.reduce((s, x) => s + x.sum_ms, 0);
    const head = h('div', {}, h('p', {}, h('a', { href: '#/profiles' }, '← Profiles')), h('h1', {}, p.name));
    const combinedCard = h('div', {},
      h('section', { class: 'card', 'aria-labelledby': 'combined-h' }, h('h2', { id: 'combined-h' }, 'Combined screen time'),
        h('div', { class: 'big', id: 'combined', 'data-ms': combined }, duration(combined)),
        h('p', { class: 'muted' }, 'Across ' + p.device_ids.length + ' device' + (p.device_ids.length === 1 ? '' : 's') + '; time on several at once counts once. Added up per device: ',
          h('span', { id: 'sum', 'data-ms': sum }, duration(sum)), '.'),
        chart(screen.points, 'Screen time by ' + (r.step === '60m' ? 'hour' : 'day'), [{ field: 'combined_ms', label: 'combined' }, { field: 'sum_ms', label: 'added up' }])));
    return overview({ profile_id: id }, head, combinedCard);
  }

  // ---- devices ----------------------------------------------------------------------------------------------
  const erasures = new Map(); // erasure id -> {name, done}, while in progress (and a minute after)
  /**
   * The devices view: the enrollment panel and the erasures stay put while the list below them refreshes itself
   * (statuses change as devices upload), so a code or a token shown once is never wiped by a refresh.
   */
  async function devices() {
    const panel = h('div', { id: 'enroll-panel' });
    const progress = h('div', { id: 'erasures', 'aria-live': 'polite' });
    const listBox = h('div', {});
    const [profileList, first] = await Promise.all([get('/profiles'), deviceList(panel)]);
    listBox.replaceChildren(...first);
    const gen = generation;
    const refreshList = async () => {
      try {
        const nodes = await deviceList(panel);
        if (gen === generation) {
          listBox.replaceChildren(...nodes);
          main.dataset.rendered = String(++renders);
        }
      } catch (e) { /* the next refresh tries again; the list shown stays */ }
    };
    return { nodes: [h('h1', {}, 'Devices'),
      admin() ? h('p', {}, h('button', { type: 'button', id: 'enroll', onclick: () => enroll(panel, profileList.profiles) }, 'Enroll a device')) : null,
      panel, progress, listBox],
    after: () => {
      watchErasures(progress);
      timers.add(setInterval(refreshList, 30000));
      devicesChanged = refreshList;
    } };
  }
  let devicesChanged = () => {};
  async function deviceList(panel) {
    const [list, profileList] = await Promise.all([get('/devices'), get('/profiles')]);
    const names = new Map(profileList.profiles.map(p => [p.profile_id, p.name]));
    const live = list.devices.filter(d => d.status !== 'erased');
    const gone = list.devices.filter(d => d.status === 'erased');
    const rows = live.map(d => h('tr', { 'data-device': d.device_id },
      h('td', {}, h('a', { href: '#/devices/' + d.device_id }, d.name)),
      h('td', { class: 'hide-narrow' }, d.platform),
      h('td', {}, h('span', { class: 'badge ' + d.status }, d.status)),
      h('td', {}, when(d.last_seen_at)),
      h('td', { class: 'hide-narrow' }, admin() ? profileSelect(d, profileList.profiles) : names.get(d.profile_id) || '—'),
      admin() ? h('td', {}, h('div', { class: 'row' },
        h('button', { type: 'button', class: 'secondary', 'aria-label': 'Rotate the token of ' + d.name, onclick: () => rotate(d, panel) }, 'Rotate token'),
        h('button', { type: 'button', class: 'danger', 'data-erase': d.device_id, 'aria-label': 'Erase ' + d.name, onclick: () => erase(d) }, 'Erase')))
        : null));
    return [live.length ? h('div', { class: 'card' }, h('table', { id: 'devices' }, h('caption', { class: 'visually-hidden' }, 'Devices'),
      h('thead', {}, h('tr', {}, h('th', {}, 'Name'), h('th', { class: 'hide-narrow' }, 'Platform'),
        h('th', {}, 'Status'), h('th', {}, 'Last seen'), h('th', { class: 'hide-narrow' }, 'Profile'), admin() ? h('th', {}, 'Actions') : null)), h('tbody', {}, rows)))
      : h('p', { class: 'notice', id: 'empty' }, admin() ? 'No devices yet: enroll the first one with the button above.' : 'No devices yet.'),
    gone.length ? h('details', { class: 'card', id: 'erased' }, h('summary', {}, 'Erased devices (' + gone.length + ')'),
      h('ul', {}, gone.map(d => h('li', { 'data-device': d.device_id }, d.name + ' ', h('span', { class: 'badge erased' }, 'erased'),
        ' (enrolled ' + when(d.enrolled_at) + '; its data is deleted, its token refused)')))) : null];
  }
  function profileSelect(d, list) {
    const s = h('select', { 'aria-label': 'Profile of ' + d.name, onchange: async () => {
      try { await api('PATCH', '/devices/' + d.device_id, { profile_id: s.value || null }); toast('Profile saved'); } catch (e) { toast(e.message); }
    } }, h('option', { value: '' }, 'none'), list.map(p => h('option', { value: p.profile_id, selected: p.profile_id === d.profile_id }, p.name)));
    return s;
  }
  async function enroll(panel, profileList) {
    const profile = h('select', { id: 'enroll-profile' }, h('option', { value: '' }, 'no profile'), profileList.map(p => h('option', { value: p.profile_id }, p.name)));
    const status = h('div', { 'aria-live': 'polite' });
    panel.replaceChildren(h('section', { class: 'card', 'aria-labelledby': 'enroll-h' }, h('h2', { id: 'enroll-h' }, 'Enroll a device'),
      h('div', { class: 'row' }, h('label', {}, 'Count it in', profile), h('button', { type: 'button', id: 'make-code', onclick: async () => {
        try {
          const c = await api('POST', '/enrollment-codes', profile.value ? { profile_id: profile.value } : {});
          status.replaceChildren(h('p', {}, 'Type this code on the device, or scan it, before ' + when(c.expires_at) + ':'),
            h('p', { class: 'code', id: 'enroll-code' }, c.code),
            h('img', { class: 'qr', alt: 'QR code of the enrollment code ' + c.code, src: 'data:image/svg+xml;charset=utf-8,' + encodeURIComponent(c.qr_svg) }),
            h('p', { class: 'muted' }, 'The code works once. The device appears in the list below after it enrolls.'));
        } catch (e) { status.replaceChildren(errorBox(e)); }
      } }, 'Get a code')), status));
  }
  async function rotate(d, panel) {
    if (!confirm('Rotate the token of ' + d.name + '? The device stops uploading until it gets the new token.')) return;
    try {
      const t = await api('POST', '/devices/' + d.device_id + '/token');
      panel.replaceChildren(h('section', { class: 'card' }, h('h2', {}, 'New token for ' + d.name),
        h('p', {}, 'Shown this once; give it to the device. It expires ' + when(t.expires_at) + '.'), h('p', { class: 'secret' }, t.token)));
    } catch (e) { toast(e.message); }
  }
  async function erase(d) {
    if (!confirm('Erase ' + d.name + '? Its token stops working at once and all of its data is deleted. This cannot be undone.')) return;
    try {
      const e = await api('DELETE', '/devices/' + d.device_id);
      erasures.set(e.erasure_id, { name: d.name, done: false });
      toast('Erasing ' + d.name);
      await devicesChanged();
      watchErasures(document.getElementById('erasures'));
      document.getElementById('enroll')?.focus(); // the erased row and its button are gone
    } catch (e) { toast(e.message); }
  }
  /** Polls the erasures under way, one poll at a time, until none is left; the list is rewritten only when a status changes. */
  function watchErasures(box) {
    if (!box || !erasures.size || box.dataset.watching) return;
    box.dataset.watching = 'yes';
    const gen = generation;
    let shown = '';
    const poll = async () => {
      if (gen !== generation) return;
      const items = [];
      for (const [id, e] of erasures) {
        if (!e.done) {
          try {
            const answer = await get('/erasures/' + id);
            Object.assign(e, { done: answer.status === 'done', requested: answer.requested_at, completed: answer.completed_at });
            if (e.done) setTimeout(() => erasures.delete(id), 60000);
          } catch (err) { e.error = err.message; }
        }
        items.push([id, e.name, e.done, e.done ? ' on ' + when(e.completed) : e.error ? ' (could not ask: ' + e.error + ')'
          : ' since ' + when(e.requested) + ' (its data is deleted within minutes)']);
      }
      const text = JSON.stringify(items);
      if (gen === generation && text !== shown) {
        shown = text;
        box.replaceChildren(h('section', { class: 'card' }, h('h2', {}, 'Erasures'), h('ul', {}, items.map(([id, name, done, note]) =>
          h('li', { 'data-erasure': id, 'data-status': done ? 'done' : 'pending' }, name + ': ',
            h('span', { class: 'badge ' + (done ? 'ok' : 'pending') }, done ? 'erased' : 'erasing'), note)))));
      }
      if (gen === generation && [...erasures.values()].some(x => !x.done)) setTimeout(poll, 3000);
      else delete box.dataset.watching;
    };
    poll();
  }

  // ---- profiles and limits ------------------------------------------------------------------------------------
  async function profiles() {
    const [list, devs] = await Promise.all([get('/profiles'), get('/devices')]);
    const name = new Map(devs.devices.map(d => [d.device_id, d.name]));
    const input = h('input', { id: 'profile-name', required: true, maxlength: '100' });
    return [h('h1', {}, 'Profiles'),
      h('p', { class: 'muted' }, 'A profile is a person; the devices in it are counted together.'),
      admin() ? h('form', { class: 'row card', onsubmit: async ev => {
        ev.preventDefault();
        try { await api('POST', '/profiles', { name: input.value }); route(); } catch (e) { toast(e.message); }
      } }, h('label', {}, 'New profile', input), h('button', { type: 'submit' }, 'Add')) : null,
      list.profiles.length ? h('div', { class: 'card' }, h('table', { id: 'profiles' }, h('thead', {}, h('tr', {}, h('th', {}, 'Name'), h('th', {}, 'Devices'),
        admin() ? h('th', {}, 'Actions') : null)), h('tbody', {}, list.profiles.map(p => h('tr', {},
        h('td', {}, h('a', { href: '#/profiles/' + p.profile_id }, p.name)),
        h('td', {}, p.device_ids.map(id => name.get(id) || id).join(', ') || '—'),
        admin() ? h('td', {}, h('button', { type: 'button', class: 'danger', onclick: async () => {
          if (!confirm('Delete the profile ' + p.name + '? Its devices stay, without a profile.')) return;
          try { await api('DELETE', '/profiles/' + p.profile_id); route(); } catch (e) { toast(e.message); }
        } }, 'Delete')) : null)))))
        : h('p', { class: 'notice' }, 'No profiles yet.')];
  }
  function target(t) {
    return t.all ? 'all screen time' : t.category ? 'category ' + t.category : t.kind + ' ' + t.key;
  }
  async function limits() {
    const [list, profileList, devs] = await Promise.all([get('/limits'), get('/profiles'), get('/devices')]);
    const who = new Map([...profileList.profiles.map(p => [p.profile_id, p.name]), ...devs.devices.map(d => [d.device_id, d.name])]);
    const states = await Promise.all(list.limits.map(l => get('/limits/' + l.limit_id + '/status').catch(e => ({ state: 'unknown', error: e.message }))));
    const rows = list.limits.map((l, i) => h('tr', { 'data-limit': l.limit_id },
      h('td', {}, who.get(l.profile_id || l.device_id) || '—'), h('td', {}, target(l.target)),
      h('td', { class: 'num' }, duration(l.daily_ms)),
      h('td', { class: 'num', 'data-ms': states[i].used_ms }, states[i].error ? '—' : duration(states[i].used_ms)),
      h('td', { class: 'num', title: states[i].error || null }, states[i].error ? '—' : duration(states[i].remaining_ms)), h('td', {}, h('span', { class: 'badge ' + states[i].state }, states[i].state)),
      admin() ? h('td', {}, h('button', { type: 'button', class: 'danger', onclick: async () => {
        if (!confirm('Delete this limit?')) return;
        try { await api('DELETE', '/limits/' + l.limit_id); route(); } catch (e) { toast(e.message); }
      } }, 'Delete')) : null));
    return [h('h1', {}, 'Limits'), h('p', { class: 'muted' }, 'Today’s use against each daily limit, in the limit’s own time zone.'),
      admin() ? limitForm(profileList.profiles, devs.devices.filter(d => d.status !== 'erased')) : null,
      list.limits.length ? h('div', { class: 'card' }, h('table', { id: 'limits' }, h('thead', {}, h('tr', {}, h('th', {}, 'Who'), h('th', {}, 'What'),
        h('th', { class: 'num' }, 'Daily'), h('th', { class: 'num' }, 'Used today'), h('th', { class: 'num' }, 'Left'), h('th', {}, 'State'),
        admin() ? h('th', {}, 'Actions') : null)), h('tbody', {}, rows))) : h('p', { class: 'notice' }, 'No limits yet.')];
  }
  function limitForm(profileList, deviceList) {
    const who = h('select', { id: 'limit-who', required: true }, profileList.map(p => h('option', { value: 'p:' + p.profile_id }, p.name + ' (profile)')),
      deviceList.map(d => h('option', { value: 'd:' + d.device_id }, d.name + ' (device)')));
    const what = h('input', { id: 'limit-what', placeholder: 'all, a category, or app:com.example', value: 'all' });
    const minutes = h('input', { id: 'limit-minutes', type: 'number', min: '0', max: '1440', value: '120', required: true });
    const status = h('div', { 'aria-live': 'polite' });
    return h('form', { class: 'card', onsubmit: async ev => {
      ev.preventDefault();
      const [type, id] = who.value.split(':');
      const w = what.value.trim();
      const t = w === 'all' ? { all: true } : w.includes(':') ? { kind: w.slice(0, w.indexOf(':')), key: w.slice(w.indexOf(':') + 1) } : { category: w };
      try {
        await api('POST', '/limits', Object.assign(type === 'p' ? { profile_id: id } : { device_id: id }, { target: t, daily_ms: minutes.value * 60000, tz: view.tz }));
        route();
      } catch (e) { status.replaceChildren(errorBox(e)); }
    } }, h('h2', {}, 'Add a daily limit'), h('div', { class: 'row' }, h('label', {}, 'For', who), h('label', {}, 'On', what),
      h('label', {}, 'Minutes a day', minutes), h('button', { type: 'submit' }, 'Add')), status);
  }

  // ---- settings (admins) ------------------------------------------------------------------------------------
  async function settings() {
    if (!admin()) throw new ApiError(403, 'forbidden', 'Settings are for the account’s admins.');
    const now = Date.now();
    const [policy, categories, users, keys, hooks, audit] = await Promise.all([get('/policy'), get('/categories'), get('/users'), get('/api-keys'),
      get('/webhooks'), get('/audit', { from: iso(now - 7 * DAY), to: iso(now + 60000), limit: 100 })]);
    return [h('h1', {}, 'Settings'), policyForm(policy), categoryForm(categories), userSection(users), keySection(keys),
      hookSection(hooks), h('section', { class: 'card', 'aria-labelledby': 'audit-h' }, h('h2', { id: 'audit-h' }, 'Audit log (last 7 days)'),
        audit.entries.length ? h('table', { id: 'audit' }, h('thead', {}, h('tr', {}, h('th', {}, 'When'), h('th', {}, 'Who'), h('th', {}, 'What'),
          h('th', { class: 'hide-narrow' }, 'Target'))), h('tbody', {}, audit.entries.map(e => h('tr', {}, h('td', {}, when(e.at)), h('td', {}, e.actor),
          h('td', {}, e.action), h('td', { class: 'hide-narrow' }, e.target || '')))))
          : h('p', { class: 'muted' }, 'Nothing in the last 7 days.'))];
  }
  function field(id, label, value, attrs) {
    const input = h('input', Object.assign({ id, name: id, value: value ?? '' }, attrs));
    return [h('label', { for: id }, label), input];
  }
  function policyForm(p) {
    const status = h('div', { 'aria-live': 'polite' });
    const mode = h('select', { id: 'quota_mode' }, ['soft', 'hard'].map(m => h('option', { value: m, selected: p.quota_mode === m }, m)));
    const num = id => { const v = document.getElementById(id).value; return v === '' ? null : Number(v); };
    return h('form', { class: 'card', 'aria-labelledby': 'policy-h', onsubmit: async ev => {
      ev.preventDefault();
      try {
        await api('PUT', '/policy', { retention_days_1m: num('retention_days_1m'), retention_days_5m: num('retention_days_5m'),
          retention_days_60m: num('retention_days_60m'), rate_limit_events_per_minute: num('rate_limit_events_per_minute'),
          monthly_event_quota: num('monthly_event_quota'), quota_mode: mode.value });
        status.replaceChildren(h('p', { class: 'notice' }, 'Policy saved.'));
      } catch (e) { status.replaceChildren(errorBox(e)); }
    } }, h('h2', { id: 'policy-h' }, 'Policy'), h('div', { class: 'row' },
      h('div', {}, field('retention_days_1m', 'Keep minutes (days)', p.retention_days_1m, { type: 'number', min: '1' })),
      h('div', {}, field('retention_days_5m', 'Keep 5 minutes (days)', p.retention_days_5m, { type: 'number', min: '1' })),
      h('div', {}, field('retention_days_60m', 'Keep hours (days)', p.retention_days_60m, { type: 'number', min: '1' })),
      h('div', {}, field('rate_limit_events_per_minute', 'Events a minute (empty: the default)', p.rate_limit_events_per_minute, { type: 'number', min: '1' })),
      h('div', {}, field('monthly_event_quota', 'Monthly quota (empty: none)', p.monthly_event_quota, { type: 'number', min: '1' })),
      h('div', {}, h('label', { for: 'quota_mode' }, 'Quota mode'), mode)), h('p', {}, h('button', { type: 'submit' }, 'Save policy')), status);
  }
  function categoryForm(c) {
    const status = h('div', { 'aria-live': 'polite' });
    let version = c.version;
    const text = h('textarea', { id: 'rules', spellcheck: 'false' }, JSON.stringify(c.rules, null, 1));
    return h('section', { class: 'card', 'aria-labelledby': 'cat-rules-h' }, h('h2', { id: 'cat-rules-h' }, 'Categories'),
      h('p', { class: 'muted' }, 'Ordered rules, first match wins: {"category", "kind" (app, web or null), "match" (exact, prefix, suffix, domain), "pattern"}. A change applies to past data too.'),
      h('label', { for: 'rules' }, 'Rules (' + c.rules.length + ')'), text,
      h('div', { class: 'row' }, h('button', { type: 'button', class: 'secondary', onclick: async () => {
        try { text.value = JSON.stringify((await get('/categories/starter')).rules, null, 1); toast('Starter rules loaded: save to use them'); } catch (e) { toast(e.message); }
      } }, 'Load the starter rules'), h('button', { type: 'button', onclick: async () => {
        let rules;
        try { rules = JSON.parse(text.value); } catch (e) { status.replaceChildren(errorBox(new ApiError(400, 'json', 'The rules are not valid JSON: ' + e.message))); return; }
        try {
          const saved = await api('PUT', '/categories', { rules, version });
          version = saved.version;
          status.replaceChildren(h('p', { class: 'notice' }, 'Saved ' + saved.rules.length + ' rules.'));
        } catch (e) { status.replaceChildren(errorBox(e)); }
      } }, 'Save rules')), status);
  }
  function userSection(u) {
    const status = h('div', { 'aria-live': 'polite' });
    const email = h('input', { id: 'invite-email', type: 'email', required: true });
    const role = h('select', { id: 'invite-role' }, h('option', { value: 'viewer' }, 'viewer'), h('option', { value: 'admin' }, 'admin'));
    return h('section', { class: 'card', 'aria-labelledby': 'users-h' }, h('h2', { id: 'users-h' }, 'Users'),
      h('table', { id: 'users' }, h('thead', {}, h('tr', {}, h('th', {}, 'Email'), h('th', {}, 'Role'), h('th', { class: 'hide-narrow' }, 'Status'), h('th', {}, ''))),
        h('tbody', {}, u.users.map(x => {
          const r = h('select', { 'aria-label': 'Role of ' + x.email, onchange: async () => {
            if (!confirm('Make ' + x.email + ' ' + (r.value === 'admin' ? 'an admin' : 'a viewer') + '?')) { r.value = x.role; return; }
            try { await api('PATCH', '/users/' + x.user_id, { role: r.value }); x.role = r.value; toast('Role saved'); } catch (e) { toast(e.message); r.value = x.role; }
          } }, ['viewer', 'admin'].map(v => h('option', { value: v, selected: x.role === v }, v)));
          return h('tr', {}, h('td', {}, x.email), h('td', {}, r), h('td', { class: 'hide-narrow' }, x.status), h('td', {}, h('button', { type: 'button', class: 'danger',
            onclick: async () => {
              if (!confirm('Remove ' + x.email + ' from the account?')) return;
              try { await api('DELETE', '/users/' + x.user_id); route(); } catch (e) { toast(e.message); }
            } }, 'Remove')));
        }))),
      h('form', { class: 'row', onsubmit: async ev => {
        ev.preventDefault();
        try {
          const made = await api('POST', '/users', { email: email.value, role: role.value });
          status.replaceChildren(h('p', {}, 'Send this link to ' + made.email + ' (it works once, until ' + when(made.invitation.expires_at) + '):'),
            h('p', { class: 'secret', id: 'invitation-url' }, made.invitation.url));
        } catch (e) { status.replaceChildren(errorBox(e)); }
      } }, h('label', {}, 'Invite by email', email), h('label', {}, 'Role', role), h('button', { type: 'submit', id: 'invite' }, 'Invite')), status);
  }
  function keySection(k) {
    const status = h('div', { 'aria-live': 'polite' });
    const name = h('input', { id: 'key-name', required: true, maxlength: '100' });
    return h('section', { class: 'card', 'aria-labelledby': 'keys-h' }, h('h2', { id: 'keys-h' }, 'API keys'),
      k.api_keys.length ? h('table', {}, h('thead', {}, h('tr', {}, h('th', {}, 'Name'), h('th', {}, 'Key'), h('th', { class: 'hide-narrow' }, 'Last used'), h('th', {}, 'Status'), h('th', {}, ''))),
        h('tbody', {}, k.api_keys.map(x => h('tr', {}, h('td', {}, x.name), h('td', {}, x.prefix + '…'), h('td', { class: 'hide-narrow' }, when(x.last_used_at)),
          h('td', {}, x.status), h('td', {}, x.status === 'active' ? h('button', { type: 'button', class: 'danger', onclick: async () => {
            if (!confirm('Revoke the key ' + x.name + '? Scripts using it stop working at once.')) return;
            try { await api('DELETE', '/api-keys/' + x.api_key_id); route(); } catch (e) { toast(e.message); }
          } }, 'Revoke') : null))))) : h('p', { class: 'muted' }, 'No API keys.'),
      h('form', { class: 'row', onsubmit: async ev => {
        ev.preventDefault();
        try {
          const made = await api('POST', '/api-keys', { name: name.value, scopes: ['read'] });
          status.replaceChildren(h('p', {}, 'The key, shown this once (read access):'), h('p', { class: 'secret' }, made.key));
        } catch (e) { status.replaceChildren(errorBox(e)); }
      } }, h('label', {}, 'New read key named', name), h('button', { type: 'submit' }, 'Create')), status);
  }
  function hookSection(w) {
    const status = h('div', { 'aria-live': 'polite' });
    const url = h('input', { id: 'hook-url', type: 'url', required: true, placeholder: 'https://…' });
    const types = ['limit.warning', 'limit.exceeded', 'quota.warning', 'quota.exceeded'];
    const boxes = types.map(t => h('input', { type: 'checkbox', value: t, checked: true, id: 'hook-' + t }));
    return h('section', { class: 'card', 'aria-labelledby': 'hooks-h' }, h('h2', { id: 'hooks-h' }, 'Webhooks'),
      w.webhooks.length ? h('table', {}, h('tbody', {}, w.webhooks.map(x => h('tr', {}, h('td', {}, x.url), h('td', { class: 'hide-narrow' }, x.events.join(', ')),
        h('td', {}, h('button', { type: 'button', class: 'secondary', onclick: async ev => {
          try {
            const d = await get('/webhooks/' + x.webhook_id + '/deliveries', { limit: 20 });
            ev.target.replaceWith(h('ul', {}, d.deliveries.length ? d.deliveries.map(y => h('li', {}, y.type + ': ' + y.status + ' after ' + y.attempts + ' attempt(s)'
              + (y.last_error ? ' (' + y.last_error + ')' : ''))) : h('li', {}, 'No deliveries yet.')));
          } catch (e) { toast(e.message); }
        } }, 'Deliveries'), ' ', h('button', { type: 'button', class: 'danger', onclick: async () => {
          if (!confirm('Delete the webhook to ' + x.url + '?')) return;
          try { await api('DELETE', '/webhooks/' + x.webhook_id); route(); } catch (e) { toast(e.message); }
        } }, 'Delete')))))) : h('p', { class: 'muted' }, 'No webhooks.'),
      h('form', { onsubmit: async ev => {
        ev.preventDefault();
        try {
          const made = await api('POST', '/webhooks', { url: url.value, events: boxes.filter(b => b.checked).map(b => b.value) });
          status.replaceChildren(h('p', {}, 'Signing secret, shown this once:'), h('p', { class: 'secret' }, made.secret));
        } catch (e) { status.replaceChildren(errorBox(e)); }
      } }, h('label', { for: 'hook-url' }, 'Receiver URL'), url,
      h('fieldset', {}, h('legend', {}, 'Alerts'), boxes.map((b, i) => h('label', {}, b, ' ' + types[i]))), h('button', { type: 'submit' }, 'Add webhook')), status);
  }

  // ---- start ------------------------------------------------------------------------------------------------
  document.getElementById('sign-out').addEventListener('click', async () => {
    let r = null;
    try { r = await send('DELETE', '/sessions/current', undefined, false); } catch (e) { r = null; }
    if (!r || !(r.ok || r.status === 401)) {
      // Signing out only here would leave the session alive on the server: a reload would sign in again.
      toast('Could not sign out on the server (' + (r ? 'it answered ' + r.status : 'it could not be reached') + '): try again.');
      return;
    }
    forget();
    showSignIn(null);
  });
  for (const a of document.querySelectorAll('nav a')) {
    a.addEventListener('click', () => { if (a.getAttribute('href') === location.hash) route(); }); // the current view again: fresh data
  }
  document.querySelector('.skip').addEventListener('click', ev => { ev.preventDefault(); main.focus(); }); // not a route
  function invitationToken() {
    const m = location.hash.match(/^#invitation=(.+)$/);
    if (!m) return null;
    try { return decodeURIComponent(m[1]); } catch (e) { return m[1]; }
  }
  window.addEventListener('hashchange', () => {
    const invitation = invitationToken();
    if (invitation) showInvitation(invitation);
    else if (location.hash.startsWith('#/')) route(); // anything else is an anchor within the page, not a view
  });
  (async () => {
    const invitation = invitationToken();
    if (invitation) { showInvitation(invitation); return; }
    if (await refresh() === 'ok') start(); else showSignIn(null);
  })();
})();
