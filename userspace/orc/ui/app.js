// xepc-orcd web UI.  Safe by construction:
//  - every value from the API goes into the page with textContent or a
//    DOM attribute set by code, never through innerHTML or markup strings;
//  - no inline script or style anywhere (the Content-Security-Policy
//    forbids them), no eval, nothing loaded from another origin;
//  - the API token is sent once to POST /v1/session and forgotten; the
//    session lives in an HttpOnly cookie; the CSRF token is held in this
//    closure only and sent in X-CSRF-Token with every write.
'use strict';
(function () {
  let csrf = null;
  let network = null;
  const SVG = 'http://www.w3.org/2000/svg';

  const $ = (id) => document.getElementById(id);

  function el(tag, attrs, ...children) {
    const e = document.createElement(tag);
    for (const [k, v] of Object.entries(attrs || {})) {
      if (k === 'class') e.className = v;
      else if (k === 'onclick') e.addEventListener('click', v);
      else e.setAttribute(k, v);
    }
    for (const c of children) {
      if (c === null || c === undefined) continue;
      e.append(c instanceof Node ? c : document.createTextNode(String(c)));
    }
    return e;
  }

  function svg(tag, attrs, text) {
    const e = document.createElementNS(SVG, tag);
    for (const [k, v] of Object.entries(attrs || {})) e.setAttribute(k, String(v));
    if (text !== undefined) e.textContent = String(text);
    return e;
  }

  function flash(msg, bad) {
    const f = $('flash');
    f.textContent = msg;
    f.className = bad ? 'bad' : 'good';
  }

  class ApiError extends Error {
    constructor(status, body) {
      const e = body && body.error;
      let msg = e ? e.message : `HTTP ${status}`;
      if (e && e.fields) msg += ': ' + e.fields.map((f) => `${f.field} ${f.reason}`).join('; ');
      super(msg);
      this.status = status;
    }
  }

  async function api(method, path, body, ctype) {
    const headers = {};
    if (method !== 'GET' && csrf) headers['X-CSRF-Token'] = csrf;
    let payload;
    if (body !== undefined) {
      headers['Content-Type'] = ctype || 'application/json';
      payload = ctype ? body : JSON.stringify(body);
    }
    const r = await fetch(path, {method, headers, body: payload, credentials: 'same-origin',
                                 cache: 'no-store'});
    let j = null;
    const text = await r.text();
    if (text) { try { j = JSON.parse(text); } catch (e) { j = null; } }
    if (r.status === 401 && path !== '/v1/session') { showSignin(); }
    if (!r.ok) throw new ApiError(r.status, j);
    return j;
  }

  const netPath = (p) => `/v1/networks/${encodeURIComponent(network)}${p}`;
  const list = (s) => s.split(',').map((x) => x.trim()).filter((x) => x);

  function fmtTime(t) {
    return t ? new Date(t * 1000).toISOString().replace('T', ' ').replace(/\.\d+Z$/, 'Z') : '—';
  }

  function fmtBytes(n) {
    if (!Number.isFinite(n)) return '—';
    const u = ['B', 'kB', 'MB', 'GB', 'TB'];
    let i = 0;
    while (n >= 1000 && i < u.length - 1) { n /= 1000; i++; }
    return `${n.toFixed(i ? 1 : 0)} ${u[i]}`;
  }

  // What a check-in report says, whatever its exact shape.
  function num(v) { return typeof v === 'number' && Number.isFinite(v) ? v : 0; }
  function reportStats(rep) {
    rep = rep || {};
    const c = rep.counters || rep.metrics || {};
    return {
      ues: num(rep.ues ?? rep.attached_ues ?? c.attached_ues),
      sessions: num(rep.sessions ?? c.sessions),
      ul: num(rep.ul_bytes ?? c.ul_bytes),
      dl: num(rep.dl_bytes ?? c.dl_bytes),
      version: typeof rep.version === 'string' ? rep.version : '',
      subscribers: rep.subscribers && typeof rep.subscribers === 'object' ? rep.subscribers : {},
    };
  }

  function fillTable(table, rows) {
    const tb = table.tBodies[0];
    tb.replaceChildren(...rows);
  }

  // ------------------------------------------------------------ session --
  function showSignin() {
    csrf = null;
    document.querySelectorAll('.page').forEach((p) => { p.hidden = true; });
    $('nav').hidden = true;
    $('signout').hidden = true;
    $('net-label').hidden = true;
    $('who').textContent = '';
    $('signin').hidden = false;
  }

  async function startSession(s) {
    csrf = s.csrf_token;
    $('signin').hidden = true;
    $('nav').hidden = false;
    $('signout').hidden = false;
    $('net-label').hidden = false;
    $('who').textContent = `token ${s.token_id} (${s.scope})`;
    await loadNetworks();
    route();
  }

  $('signin-form').addEventListener('submit', async (ev) => {
    ev.preventDefault();
    const input = $('signin-token');
    const token = input.value.trim();
    input.value = '';
    try {
      const s = await api('POST', '/v1/session', {token});
      flash('Signed in.');
      await startSession(s);
    } catch (e) {
      flash(`Sign-in refused: ${e.message}`, true);
    }
  });

  $('signout').addEventListener('click', async () => {
    try { await api('DELETE', '/v1/session'); } catch (e) { /* ended anyway */ }
    showSignin();
    flash('Signed out.');
  });

  // ----------------------------------------------------------- networks --
  async function loadNetworks() {
    const j = await api('GET', '/v1/networks?limit=1000');
    const sel = $('network');
    sel.replaceChildren(...j.items.map((n) => el('option', {value: n.id}, n.id)));
    if (!j.items.some((n) => n.id === network)) network = j.items.length ? j.items[0].id : null;
    if (network) sel.value = network;
    fillTable($('net-table'), j.items.map((n) => el('tr', {},
      el('td', {}, n.id), el('td', {}, n.name || ''),
      el('td', {}, `${n.plmn.mcc}-${n.plmn.mnc}`), el('td', {}, (n.tacs || []).join(', ')))));
  }

  $('network').addEventListener('change', () => { network = $('network').value; route(); });

  $('net-form').addEventListener('submit', async (ev) => {
    ev.preventDefault();
    const f = ev.target.elements;
    try {
      await api('POST', '/v1/networks', {
        id: f.id.value, name: f.name.value, plmn: {mcc: f.mcc.value, mnc: f.mnc.value},
        tacs: list(f.tacs.value).map(Number)});
      network = f.id.value;
      ev.target.reset();
      flash(`Network ${network} added.`);
      await loadNetworks();
      route();
    } catch (e) { flash(e.message, true); }
  });

  // ---------------------------------------------------------- gateways --
  async function gatewaysWithState() {
    if (!network) return [];
    const j = await api('GET', netPath('/gateways?limit=1000'));
    return Promise.all(j.items.map(async (g) => {
      let st = null;
      try { st = await api('GET', netPath(`/gateways/${encodeURIComponent(g.id)}/state`)); } catch (e) { st = null; }
      return {g, st, s: reportStats(st && st.reported)};
    }));
  }

  async function showDashboard() {
    const gws = await gatewaysWithState();
    const count = (k) => gws.filter((x) => x.g.status === k).length;
    $('dash-healthy').textContent = String(count('healthy'));
    $('dash-stale').textContent = String(count('stale'));
    $('dash-unknown').textContent = String(count('unknown'));
    const ues = gws.reduce((a, x) => a + x.s.ues, 0);
    const traffic = gws.reduce((a, x) => a + x.s.ul + x.s.dl, 0);
    $('dash-ues').textContent = String(ues);
    $('dash-traffic').textContent = fmtBytes(traffic);
    if (network) {
      const subs = await api('GET', netPath('/subscribers?limit=1000'));
      $('dash-subs').textContent = String(subs.items.length) + (subs.next_page_token ? '+' : '');
      $('dash-usage').replaceChildren(await usageChart(netPath('/usage'), 86400,
        'network traffic, last 24 hours'));
    }
  }

  async function showGateways() {
    const gws = await gatewaysWithState();
    fillTable($('gw-table'), gws.map(({g, s}) => {
      const tr = el('tr', {class: 'clickable', 'data-id': g.id},
        el('td', {}, g.id), el('td', {}, g.name || ''), el('td', {}, g.hardware_id),
        el('td', {class: `status-${g.status}`}, g.status), el('td', {}, fmtTime(g.last_checkin)),
        el('td', {}, s.version), el('td', {}, String(s.ues)));
      tr.addEventListener('click', () => showGateway(g.id));
      return tr;
    }));
  }

  async function showGateway(id) {
    const g = await api('GET', netPath(`/gateways/${encodeURIComponent(id)}`));
    const st = await api('GET', netPath(`/gateways/${encodeURIComponent(id)}/state`));
    $('gw-detail').hidden = false;
    $('gw-detail').dataset.id = id;
    $('gw-detail-id').textContent = id;
    $('gw-detail-state').textContent =
      `status ${st.status}, last check-in ${fmtTime(st.last_checkin)}\n` +
      JSON.stringify(st.reported, null, 2);
    $('gw-overrides').value = JSON.stringify(g.overrides || {}, null, 2);
    $('gw-detail-usage').replaceChildren(await usageChart(
      netPath(`/gateways/${encodeURIComponent(id)}/usage`), 86400, `traffic of ${id}, last 24 hours`));
    const ev = await api('GET', netPath(`/gateways/${encodeURIComponent(id)}/events?limit=1000`));
    fillTable($('gw-events'), ev.items.slice(-50).reverse().map((e) => el('tr', {class: `ev-${e.type}`},
      el('td', {}, fmtTime(e.at)), el('td', {}, String(e.type)), el('td', {}, String(e.message)))));
  }

  $('gw-config-form').addEventListener('submit', async (ev) => {
    ev.preventDefault();
    const id = $('gw-detail').dataset.id;
    try {
      const overrides = JSON.parse($('gw-overrides').value || '{}');
      await api('PATCH', netPath(`/gateways/${encodeURIComponent(id)}`), {overrides});
      flash(`Gateway ${id}: overrides saved.`);
      await showGateway(id);
    } catch (e) { flash(e.message, true); }
  });

  $('gw-delete').addEventListener('click', async () => {
    const id = $('gw-detail').dataset.id;
    if (!window.confirm(`Delete gateway ${id}? Its certificate is revoked.`)) return;
    try {
      await api('DELETE', netPath(`/gateways/${encodeURIComponent(id)}`));
      $('gw-detail').hidden = true;
      flash(`Gateway ${id} deleted.`);
      await showGateways();
    } catch (e) { flash(e.message, true); }
  });

  $('gw-form').addEventListener('submit', async (ev) => {
    ev.preventDefault();
    const f = ev.target.elements;
    try {
      await api('POST', netPath('/gateways'), {id: f.id.value, name: f.name.value,
        hardware_id: f.hardware_id.value, public_key: f.public_key.value});
      flash(`Gateway ${f.id.value} registered.`);
      ev.target.reset();
      await showGateways();
    } catch (e) { flash(e.message, true); }
  });

  // ------------------------------------------------------- subscribers --
  let subAfter = null;
  let editing = null;

  function subRow(s) {
    const tr = el('tr', {class: 'clickable', 'data-imsi': s.imsi},
      el('td', {}, s.imsi), el('td', {class: 'sub-name'}, s.name || ''), el('td', {}, s.msisdn || ''),
      el('td', {}, s.state), el('td', {}, (s.apns || []).join(', ')),
      el('td', {}, (s.policies || []).join(', ')));
    tr.addEventListener('click', () => editSubscriber(s));
    return tr;
  }

  function hex(s) {
    return Array.from(new TextEncoder().encode(s), (b) => b.toString(16).padStart(2, '0')).join('');
  }

  async function showSubscribers(more) {
    if (!network) return;
    const prefix = $('sub-prefix').value.trim();
    let q = '?limit=50';
    // Keyset paging from the prefix itself: every IMSI > prefix, stopping
    // at the first that no longer starts with it.
    const after = more ? subAfter : (prefix ? hex(prefix) : null);
    if (after) q += `&page_token=${after}`;
    const rows = [];
    if (!more && /^[0-9]{6,15}$/.test(prefix)) {
      try { rows.push(await api('GET', netPath(`/subscribers/${prefix}`))); } catch (e) { /* none */ }
    }
    const j = await api('GET', netPath(`/subscribers${q}`));
    const items = j.items.filter((s) => s.imsi.startsWith(prefix));
    rows.push(...items);
    const tb = $('sub-table').tBodies[0];
    if (!more) tb.replaceChildren();
    tb.append(...rows.map(subRow));
    subAfter = j.next_page_token;
    $('sub-more').hidden = !subAfter || items.length < j.items.length;
  }

  function editSubscriber(s) {
    editing = s.imsi;
    const f = $('sub-form').elements;
    f.imsi.value = s.imsi;
    f.imsi.readOnly = true;
    f.name.value = s.name || '';
    f.k.value = '';
    f.opc.value = '';
    f.msisdn.value = s.msisdn || '';
    f.state.value = s.state;
    f.apns.value = (s.apns || []).join(', ');
    f.policies.value = (s.policies || []).join(', ');
    $('sub-form-title').textContent = `Edit subscriber ${s.imsi}`;
    $('sub-submit').textContent = 'Save';
    $('sub-add').open = true;
  }

  function newSubscriber() {
    editing = null;
    $('sub-form').reset();
    $('sub-form').elements.imsi.readOnly = false;
    $('sub-form-title').textContent = 'Add a subscriber';
    $('sub-submit').textContent = 'Add subscriber';
  }

  $('sub-new').addEventListener('click', newSubscriber);
  $('sub-search').addEventListener('submit', (ev) => { ev.preventDefault(); showSubscribers(false).catch((e) => flash(e.message, true)); });
  $('sub-more').addEventListener('click', () => showSubscribers(true).catch((e) => flash(e.message, true)));

  $('sub-form').addEventListener('submit', async (ev) => {
    ev.preventDefault();
    const f = ev.target.elements;
    const b = {name: f.name.value, state: f.state.value, apns: list(f.apns.value),
               policies: list(f.policies.value)};
    if (f.msisdn.value) b.msisdn = f.msisdn.value;
    if (f.k.value) b.k = f.k.value;
    if (f.opc.value) b.opc = f.opc.value;
    try {
      if (editing) {
        await api('PATCH', netPath(`/subscribers/${encodeURIComponent(editing)}`), b);
        flash(`Subscriber ${editing} saved.`);
      } else {
        b.imsi = f.imsi.value;
        await api('POST', netPath('/subscribers'), b);
        flash(`Subscriber ${b.imsi} added.`);
      }
      newSubscriber();
      await showSubscribers(false);
    } catch (e) { flash(e.message, true); }
  });

  $('sub-import').addEventListener('submit', async (ev) => {
    ev.preventDefault();
    const file = $('sub-csv').files[0];
    if (!file) { flash('Choose a CSV file first.', true); return; }
    try {
      const j = await api('POST', netPath('/subscribers:import'), await file.text(), 'text/csv');
      flash(`Imported ${j.imported} subscribers.`);
      await showSubscribers(false);
    } catch (e) { flash(`Import refused: ${e.message}`, true); }
  });

  // ------------------------------------------------- APNs and policies --
  // The examples are the API document's (schema/orc/openapi.json).
  const KINDS = [
    {path: 'apns', title: 'APNs', id: 'id',
     example: {id: 'internet', ambr: {ul: 100000000, dl: 200000000}, qci: 9, pools: ['10.45.0.0/16']}},
    {path: 'policies', title: 'Policy rules', id: 'id',
     example: {id: 'web', precedence: 10, action: 'permit',
               flows: [{direction: 'uplink', protocol: 6, remote: 'any', port_lo: 80, port_hi: 443}]}},
    {path: 'base_names', title: 'Base names', id: 'id', example: {id: 'bn1', rules: ['web']}},
    {path: 'rating_groups', title: 'Rating groups', id: 'id', example: {id: '100', limit_type: 'finite'}},
    {path: 'qos_profiles', title: 'QoS profiles', id: 'id',
     example: {id: 'video', qci: 7, mbr: {ul: 5000000, dl: 10000000}}},
  ];

  function summary(o, idf) {
    const rest = Object.assign({}, o);
    delete rest[idf];
    return JSON.stringify(rest);
  }

  async function showResources() {
    if (!network) return;
    const box = $('res-lists');
    const parts = [];
    for (const k of KINDS) {
      const j = await api('GET', netPath(`/${k.path}?limit=1000`));
      const table = el('table', {id: `res-${k.path}`},
        el('thead', {}, el('tr', {}, el('th', {}, k.id), el('th', {}, 'settings'), el('th', {}, ''))),
        el('tbody', {}, ...j.items.map((o) => el('tr', {},
          el('td', {}, String(o[k.id])), el('td', {class: 'json'}, summary(o, k.id)),
          el('td', {}, el('button', {type: 'button', class: 'danger', onclick: async () => {
            try {
              await api('DELETE', netPath(`/${k.path}/${encodeURIComponent(o[k.id])}`));
              flash(`${k.title}: ${o[k.id]} deleted.`);
              await showResources();
            } catch (e) { flash(e.message, true); }
          }}, 'Delete'))))));
      parts.push(el('h2', {}, k.title), table);
    }
    box.replaceChildren(...parts);
  }

  (function initResForm() {
    const sel = $('res-kind');
    sel.replaceChildren(...KINDS.map((k) => el('option', {value: k.path}, k.title)));
    const fill = () => {
      const k = KINDS.find((x) => x.path === sel.value);
      $('res-json').value = JSON.stringify(k.example, null, 2);
    };
    sel.addEventListener('change', fill);
    fill();
    $('res-form').addEventListener('submit', async (ev) => {
      ev.preventDefault();
      try {
        const body = JSON.parse($('res-json').value);
        await api('POST', netPath(`/${sel.value}`), body);
        flash('Created.');
        await showResources();
      } catch (e) { flash(e.message, true); }
    });
  })();

  // -------------------------------------------------------------- usage --
  // Horizontal bars: rows of {label, ul, dl}.
  function barChart(rows, title) {
    const w = 640, rowH = 22, left = 160, h = rows.length * rowH + 30;
    const s = svg('svg', {width: w, height: h, viewBox: `0 0 ${w} ${h}`, role: 'img'});
    s.append(svg('title', {}, title));
    const max = Math.max(1, ...rows.map((r) => r.ul + r.dl));
    rows.forEach((r, i) => {
      const y = 10 + i * rowH;
      const wu = (w - left - 110) * r.ul / max, wd = (w - left - 110) * r.dl / max;
      s.append(svg('text', {x: 4, y: y + 14, class: 'lbl'}, r.label));
      s.append(svg('rect', {x: left, y, width: Math.max(0, wu), height: rowH - 6, class: 'ul'}));
      s.append(svg('rect', {x: left + wu, y, width: Math.max(0, wd), height: rowH - 6, class: 'dl'}));
      s.append(svg('text', {x: left + wu + wd + 6, y: y + 14, class: 'val'}, fmtBytes(r.ul + r.dl)));
    });
    s.append(svg('text', {x: left, y: h - 4, class: 'legend-ul'}, 'uplink'));
    s.append(svg('text', {x: left + 70, y: h - 4, class: 'legend-dl'}, 'downlink'));
    return s;
  }

  // Traffic over time: points {t, ul_bytes, dl_bytes} of a usage series
  // (steps without data are zero), from..to in Unix seconds.
  function lineChart(points, from, to, step, title) {
    const w = 640, h = 180, pad = 30;
    const s = svg('svg', {width: w, height: h, viewBox: `0 0 ${w} ${h}`, role: 'img'});
    s.append(svg('title', {}, title));
    s.append(svg('line', {x1: pad, y1: h - pad, x2: w - 10, y2: h - pad, class: 'axis'}));
    s.append(svg('line', {x1: pad, y1: 10, x2: pad, y2: h - pad, class: 'axis'}));
    const byT = new Map(points.map((p) => [p.t, num(p.ul_bytes) + num(p.dl_bytes)]));
    const t0 = Math.floor(from / step) * step;
    const xs = [];
    for (let t = t0; t < to; t += step) xs.push({t, v: byT.get(t) || 0});
    const total = points.reduce((a, p) => a + num(p.ul_bytes) + num(p.dl_bytes), 0);
    s.setAttribute('data-total', String(total)); // the tests read it
    s.setAttribute('data-points', String(points.length));
    const max = Math.max(1, ...xs.map((p) => p.v));
    const span = Math.max(1, to - t0);
    const xy = (p) => `${(pad + (w - pad - 10) * (p.t - t0) / span).toFixed(1)},${(h - pad - (h - pad - 10) * p.v / max).toFixed(1)}`;
    if (xs.length) s.append(svg('polyline', {points: xs.map(xy).join(' '), class: 'series'}));
    s.append(svg('text', {x: pad + 4, y: 20, class: 'val'}, `peak ${fmtBytes(max)} per ${step} s, total ${fmtBytes(total)}`));
    s.append(svg('text', {x: pad, y: h - 8, class: 'lbl'}, fmtTime(t0)));
    s.append(svg('text', {x: w - 200, y: h - 8, class: 'lbl'}, fmtTime(to)));
    return s;
  }

  // A series from orcd's usage history, drawn in about 120 steps.
  async function usageChart(path, spanS, title) {
    const to = Math.floor(Date.now() / 1000) + 1;
    const from = to - spanS;
    const j = await api('GET', `${path}?from=${from}&to=${to}&step=${Math.max(1, Math.floor(spanS / 120))}`);
    return lineChart(j.points, j.from, j.to, j.step, title);
  }

  async function showUsage() {
    if (!network) return;
    const spanS = Number($('usage-span').value) || 86400;
    const to = Math.floor(Date.now() / 1000) + 1, from = to - spanS;
    $('usage-time').replaceChildren(await usageChart(netPath('/usage'), spanS, 'network traffic over time'));
    const top = async (by) => (await api('GET', netPath(`/usage/top?by=${by}&from=${from}&to=${to}&limit=20`))).items
      .map((x) => ({label: x.id, ul: num(x.ul_bytes), dl: num(x.dl_bytes)}));
    const gws = await top('gateway');
    $('usage-gw').replaceChildren(gws.length ? barChart(gws, 'traffic per gateway')
      : el('p', {}, 'No traffic reported in this span.'));
    const subs = await top('subscriber');
    $('usage-sub').replaceChildren(subs.length ? barChart(subs, 'traffic per subscriber (top 20)')
      : el('p', {}, 'No per-subscriber usage reported in this span.'));
    const imsi = $('usage-imsi').value.trim();
    if (/^[0-9]{6,15}$/.test(imsi)) {
      $('usage-sub-time').replaceChildren(await usageChart(
        netPath(`/subscribers/${encodeURIComponent(imsi)}/usage`), spanS, `traffic of ${imsi}`));
    }
  }

  $('usage-form').addEventListener('submit', async (ev) => {
    ev.preventDefault();
    try {
      delete document.body.dataset.page;
      await showUsage();
      document.body.dataset.page = 'usage';
    } catch (e) { flash(e.message, true); }
  });

  // ------------------------------------------------------------ routing --
  const PAGES = {dashboard: showDashboard, gateways: showGateways,
                 subscribers: () => showSubscribers(false), apns: showResources, usage: showUsage};

  async function route() {
    if (!csrf) return;
    const name = (location.hash || '#dashboard').slice(1);
    const page = PAGES[name] ? name : 'dashboard';
    document.querySelectorAll('.page').forEach((p) => { p.hidden = p.id !== `page-${page}`; });
    document.querySelectorAll('#nav a').forEach((a) => {
      a.classList.toggle('current', a.id === `nav-${page}`);
    });
    try {
      await PAGES[page]();
      document.body.dataset.page = page; // tests wait for this
    } catch (e) {
      flash(e.message, true);
    }
  }

  window.addEventListener('hashchange', route);
  setInterval(() => {
    const page = document.body.dataset.page;
    if (csrf && (page === 'dashboard' || page === 'usage')) route();
  }, 10000);

  // An existing session (the cookie survives reloads; the CSRF token is
  // fetched again from it).
  api('GET', '/v1/session').then(startSession).catch(() => showSignin());
})();
