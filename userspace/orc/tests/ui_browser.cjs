// The web UI in headless Chromium (Debian's /usr/bin/chromium driven by
// playwright-core from $NPM_PREFIX), run by test_orc_ui.py against a real
// xepc-orcd.  Speaks a line protocol on stdout that test_orc_ui.py turns
// into TAP: "ok - desc", "not ok - desc", "# comment", "SHOT file", and
// "CHECKIN" (the test then makes the gateway check in and answers "DONE
// <status>" on stdin).  Argument: a JSON file {url, token, pubkey, shots}.
'use strict';
const fs = require('fs');
const path = require('path');
const readline = require('readline');

const cfg = JSON.parse(fs.readFileSync(process.argv[2], 'utf8'));
const prefix = process.env.NPM_PREFIX || '/usr/local/lib/xepc-npm';
const { chromium } = require(path.join(prefix, 'node_modules', 'playwright-core'));

const XSS = '<img src=x onerror=alert(1)>';
const say = (s) => process.stdout.write(s.replace(/\n/g, ' ') + '\n');
const ok = (cond, desc, detail) => {
  say(`${cond ? 'ok' : 'not ok'} - ${desc}`);
  if (!cond && detail !== undefined) say(`# ${JSON.stringify(detail).slice(0, 400)}`);
  return cond;
};

const stdin = readline.createInterface({ input: process.stdin });
const lines = stdin[Symbol.asyncIterator]();

async function main() {
  const browser = await chromium.launch({ executablePath: '/usr/bin/chromium', headless: true });
  const context = await browser.newContext({ ignoreHTTPSErrors: true, viewport: { width: 1200, height: 800 } });
  // Injected by the driver (not subject to the page's CSP): record every
  // CSP violation and every script that reaches alert().
  await context.addInitScript(() => {
    window.__csp = [];
    document.addEventListener('securitypolicyviolation', (e) => {
      window.__csp.push(`${e.violatedDirective} ${e.blockedURI}`);
    });
  });
  const page = await context.newPage();
  const dialogs = [];
  page.on('dialog', (d) => { dialogs.push(d.message()); d.dismiss().catch(() => {}); });
  const pageErrors = [];
  page.on('pageerror', (e) => pageErrors.push(String(e)));
  let shot = 0;
  const screenshot = async (name) => {
    const f = path.join(cfg.shots, `${String(++shot).padStart(2, '0')}-${name}.png`);
    await page.screenshot({ path: f, fullPage: true });
    say(`SHOT ${f}`);
  };
  const cspClean = async (where) => {
    const v = await page.evaluate(() => window.__csp.slice());
    ok(v.length === 0, `${where}: no CSP violation`, v);
  };
  const goto = async (name) => {
    await page.evaluate(() => { delete document.body.dataset.page; });
    await page.click(`#nav-${name}`);
    await page.waitForSelector(`body[data-page="${name}"]`, { timeout: 5000 });
  };
  const flash = () => page.textContent('#flash');

  // --------------------------------------------------------------- sign in
  const resp = await page.goto(`${cfg.url}/ui/`);
  const csp = resp.headers()['content-security-policy'] || '';
  ok(/default-src 'self'/.test(csp) && /frame-ancestors 'none'/.test(csp) &&
     !/unsafe-inline|unsafe-eval/.test(csp), 'the page has a strict Content-Security-Policy', csp);
  await page.waitForSelector('#signin:not([hidden])');
  await screenshot('signin');
  await page.fill('#signin-token', 'xo_000000000000_' + '0'.repeat(64));
  await page.click('#signin-form button');
  await page.waitForFunction(() => /refused/.test(document.getElementById('flash').textContent));
  ok(true, 'a wrong token is refused at sign-in');
  await page.fill('#signin-token', cfg.token);
  await page.click('#signin-form button');
  await page.waitForSelector('body[data-page="dashboard"]', { timeout: 5000 });
  ok(await page.isVisible('#nav'), 'signed in with the token: the dashboard shows');
  const cookies = await context.cookies();
  const c = cookies.find((x) => x.name === 'xo_session');
  ok(c && c.httpOnly && c.secure && c.sameSite === 'Strict',
     'the session cookie is HttpOnly, Secure, SameSite=Strict', cookies);
  const visible = await page.evaluate(() => ({
    cookie: document.cookie, local: localStorage.length, session: sessionStorage.length,
    token: document.getElementById('signin-token').value }));
  ok(!visible.cookie.includes('xo_session') && visible.local === 0 && visible.session === 0 &&
     visible.token === '', 'neither the token nor the session is readable by scripts', visible);
  await cspClean('sign-in and dashboard');

  // ------------------------------------------------------------ network
  await page.click('#page-dashboard details summary');
  await page.fill('#net-form [name=id]', 'net1');
  await page.fill('#net-form [name=name]', 'Lab network');
  await page.fill('#net-form [name=mcc]', '001');
  await page.fill('#net-form [name=mnc]', '01');
  await page.click('#net-form button');
  await page.waitForSelector('#net-table tbody tr');
  ok((await page.textContent('#net-table tbody')).includes('001-01'), 'a network added from the dashboard');

  // ----------------------------------------------------------- gateway
  await goto('gateways');
  await page.click('#page-gateways details summary');
  await page.fill('#gw-form [name=id]', 'gw1');
  await page.fill('#gw-form [name=name]', 'Lab gateway');
  await page.fill('#gw-form [name=hardware_id]', 'hw-ui-1');
  await page.fill('#gw-form [name=public_key]', cfg.pubkey);
  await page.click('#gw-form button');
  await page.waitForSelector('#gw-table tr[data-id="gw1"]');
  ok((await page.textContent('#gw-table tr[data-id="gw1"]')).includes('unknown'),
     'a gateway registered from the UI (status unknown)');
  // a second one with the same hardware id: refused (409)
  await page.fill('#gw-form [name=id]', 'gw2');
  await page.fill('#gw-form [name=hardware_id]', 'hw-ui-1');
  await page.fill('#gw-form [name=public_key]', cfg.pubkey);
  await page.click('#gw-form button');
  await page.waitForFunction(() => /already registered/.test(document.getElementById('flash').textContent));
  ok(true, 'the same hardware id again is refused, and said so');
  await screenshot('gateway-registered');
  await cspClean('gateways');

  // ------------------------------------------------------- subscribers
  await goto('subscribers');
  await page.click('#sub-add summary');
  await page.fill('#sub-form [name=imsi]', '001010000000001');
  await page.fill('#sub-form [name=name]', XSS);
  await page.fill('#sub-form [name=k]', '465b5ce8b199b49faa5f0a2ee238a6bc');
  await page.fill('#sub-form [name=opc]', 'e8ed289deba952e4283b54e88e6183ca');
  await page.fill('#sub-form [name=msisdn]', '15550001');
  await page.click('#sub-submit');
  await page.waitForSelector('#sub-table tr[data-imsi="001010000000001"]');
  const name = await page.textContent('#sub-table tr[data-imsi="001010000000001"] td.sub-name');
  ok(name === XSS, 'a subscriber named <img src=x onerror=alert(1)> shows as that text', name);
  const imgs = await page.evaluate(() => document.querySelectorAll('main img').length);
  ok(imgs === 0 && dialogs.length === 0, 'no element was made from it and no script ran', { imgs, dialogs });
  await screenshot('subscriber-named-markup');
  // edit (PATCH with the session's CSRF token)
  await page.click('#sub-table tr[data-imsi="001010000000001"]');
  await page.fill('#sub-form [name=msisdn]', '15550002');
  await page.click('#sub-submit');
  await page.waitForFunction(() => /saved/.test(document.getElementById('flash').textContent));
  // The flash comes before the table is drawn again (app.js): wait for it.
  await page.waitForFunction(() => {
    const tr = document.querySelector('#sub-table tr[data-imsi="001010000000001"]');
    return tr && tr.textContent.includes('15550002');
  }, null, { timeout: 5000 }).catch(() => {});
  ok((await page.textContent('#sub-table tr[data-imsi="001010000000001"]')).includes('15550002'),
     'a subscriber edited (its name kept as text)');
  // import CSV
  await page.click('#page-subscribers details:nth-of-type(2) summary');
  await page.setInputFiles('#sub-csv', {
    name: 'subs.csv', mimeType: 'text/csv',
    buffer: Buffer.from('imsi,k,opc,msisdn\n' +
      '001010000000010,465b5ce8b199b49faa5f0a2ee238a6bc,e8ed289deba952e4283b54e88e6183ca,15550010\n' +
      '001010000000011,465b5ce8b199b49faa5f0a2ee238a6bc,e8ed289deba952e4283b54e88e6183ca,15550011\n') });
  await page.click('#sub-import button');
  await page.waitForFunction(() => /Imported 2/.test(document.getElementById('flash').textContent));
  ok(true, 'a CSV of two subscribers imported');
  await page.fill('#sub-prefix', '00101000000001');
  await page.click('#sub-search button');
  await page.waitForFunction(() => document.querySelectorAll('#sub-table tbody tr').length === 2);
  ok(true, 'search by IMSI prefix finds the two imported');
  await screenshot('subscribers');
  ok(dialogs.length === 0, 'still no script from the data', dialogs);
  await cspClean('subscribers');

  // -------------------------------------------------- APNs and policies
  await goto('apns');
  await page.selectOption('#res-kind', 'apns');
  await page.click('#res-form button');
  await page.waitForSelector('#res-apns tbody tr');
  ok((await page.textContent('#res-apns tbody')).includes('internet'), 'an APN created from the UI');
  await page.selectOption('#res-kind', 'policies');
  await page.click('#res-form button');
  await page.waitForSelector('#res-policies tbody tr');
  ok((await page.textContent('#res-policies tbody')).includes('permit'), 'a policy rule created from the UI');
  await screenshot('apns-policies');
  await cspClean('APNs and policies');

  // ---------------------------------------------------------- check-in
  say('CHECKIN');
  const ans = (await lines.next()).value || '';
  ok(ans === 'DONE 200', 'the gateway checked in over mutual TLS', ans);
  await goto('gateways');
  const row = await page.textContent('#gw-table tr[data-id="gw1"]');
  ok(row.includes('healthy') && row.includes('0.9-test') && row.includes('5'),
     'the gateways page shows it healthy, its version and UEs', row);
  await page.click('#gw-table tr[data-id="gw1"]');
  await page.waitForSelector('#gw-detail:not([hidden])');
  ok((await page.textContent('#gw-detail-state')).includes('"enbs": 2'), 'its health detail shows the report');
  await page.waitForSelector('#gw-detail-usage svg[data-total]');
  const gwUse = await page.getAttribute('#gw-detail-usage svg', 'data-total');
  ok(gwUse === '6900000', 'its usage graph is drawn from the history (both check-ins, across the restart)', gwUse);
  const evs = await page.textContent('#gw-events tbody');
  ok(/up/.test(evs) && /restart/.test(evs) && /eNB 00101-1 connected/.test(evs),
     'its events: up, eNBs connected, restart', evs);
  await page.fill('#gw-overrides', '{"log_level": "debug"}');
  await page.click('#gw-config-form button[type=submit]');
  await page.waitForFunction(() => /overrides saved/.test(document.getElementById('flash').textContent));
  ok(true, 'gateway config overrides saved (PATCH)');
  await screenshot('gateway-checked-in');
  await goto('dashboard');
  const dash = await page.evaluate(() => ({
    up: document.getElementById('dash-healthy').textContent,
    ues: document.getElementById('dash-ues').textContent,
    traffic: document.getElementById('dash-traffic').textContent }));
  ok(dash.up === '1' && dash.ues === '5' && dash.traffic !== '0 B', 'the dashboard counts it up, its UEs and traffic', dash);
  const dashUse = await page.getAttribute('#dash-usage svg', 'data-total');
  ok(dashUse === '6900000', 'the dashboard graphs the network traffic from the history', dashUse);
  await screenshot('dashboard');
  // A reload forgets everything the page held: what the graphs show now
  // comes from orcd's history.
  await page.reload();
  await page.waitForSelector('body[data-page="dashboard"]', { timeout: 5000 });
  await goto('usage');
  const bars = await page.evaluate(() => ({
    gw: document.querySelectorAll('#usage-gw svg rect').length,
    gwText: document.getElementById('usage-gw').textContent,
    sub: document.querySelectorAll('#usage-sub svg rect').length,
    subText: document.getElementById('usage-sub').textContent,
    total: document.querySelector('#usage-time svg') && document.querySelector('#usage-time svg').getAttribute('data-total') }));
  ok(bars.gw >= 2 && bars.gwText.includes('gw1') && bars.sub >= 4 && bars.subText.includes('001010000000001'),
     'usage graphs per gateway and per subscriber are drawn', bars);
  ok(bars.total === '6900000', 'after a reload the traffic over time is still all there (history)', bars);
  await page.fill('#usage-imsi', '001010000000001');
  await page.evaluate(() => { delete document.body.dataset.page; });
  await page.click('#usage-form button[type=submit]');
  await page.waitForSelector('body[data-page="usage"] #usage-sub-time svg[data-total]', { timeout: 5000 });
  const subUse = await page.getAttribute('#usage-sub-time svg', 'data-total');
  ok(subUse === '10500', "one subscriber's usage over time, across the gateway's restart", subUse);
  await screenshot('usage');
  await cspClean('dashboard and usage');

  // -------------------------------------------------------------- CSRF
  const csrf = await page.evaluate(async () => {
    const body = JSON.stringify({ id: 'net2', plmn: { mcc: '001', mnc: '02' }, tacs: [1] });
    const none = await fetch('/v1/networks', { method: 'POST', headers: { 'Content-Type': 'application/json' }, body });
    const wrong = await fetch('/v1/networks', { method: 'POST', headers: { 'Content-Type': 'application/json', 'X-CSRF-Token': 'f'.repeat(64) }, body });
    const del = await fetch('/v1/networks/net1/subscribers/001010000000010', { method: 'DELETE' });
    const read = await fetch('/v1/networks');
    return { none: none.status, wrong: wrong.status, del: del.status, read: read.status };
  });
  ok(csrf.none === 403 && csrf.wrong === 403 && csrf.del === 403,
     'writes with the cookie but without the CSRF token are refused (403)', csrf);
  ok(csrf.read === 200, 'reads with the cookie alone work', csrf);

  // ---------------------------------- the CSP detector itself can fail
  await page.evaluate(() => {
    const s = document.createElement('script');
    s.textContent = 'window.__ran = 1;';
    document.body.append(s);
  });
  const probe = await page.evaluate(() => ({ n: window.__csp.length, ran: window.__ran === 1 }));
  ok(probe.n >= 1 && !probe.ran, 'an injected inline script is blocked and reported (the check works)', probe);

  // ----------------------------------------------------------- sign out
  await page.click('#signout');
  await page.waitForSelector('#signin:not([hidden])');
  const after = await context.cookies();
  ok(!after.some((x) => x.name === 'xo_session' && x.value), 'signing out clears the cookie', after);
  ok(pageErrors.length === 0, 'no uncaught error in the page', pageErrors);
  await browser.close();
}

main().then(() => { say('END'); process.exit(0); },
  (e) => { say(`not ok - the browser run stopped: ${String(e && e.stack || e)}`); say('END'); process.exit(1); });
