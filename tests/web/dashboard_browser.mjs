// Drives the hub's dashboard in headless Chromium (Debian's chromium, through playwright-core), step by step
// with the C++ test that owns the broker and the hub (dashboard_browser_test.cpp). The two sides meet through
// files in a folder: this script writes "<step>.done" (with a JSON body) when the page reached a step, and
// waits for "<step>.go" before a step that needs the test to act first.
//
// usage: node dashboard_browser.mjs <page url> <folder>
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { chromium } from 'playwright-core';

const [url, dir] = process.argv.slice(2);
const STEP_TIMEOUT_MS = 30_000;

function done(step, body = {}) {
  writeFileSync(join(dir, `${step}.done`), JSON.stringify(body));
  console.log(`step ${step} done ${JSON.stringify(body)}`);
}

async function waitGo(step) {
  const file = join(dir, `${step}.go`);
  const until = Date.now() + STEP_TIMEOUT_MS;
  while (!existsSync(file)) {
    if (Date.now() > until) throw new Error(`the test did not start step ${step}`);
    await new Promise((r) => setTimeout(r, 50));
  }
  return JSON.parse(readFileSync(file, 'utf8') || '{}');
}

const browser = await chromium.launch({
  executablePath: process.env.CHROMIUM || '/usr/bin/chromium',
  args: ['--no-sandbox', '--disable-gpu', '--disable-dev-shm-usage'],
});
let failed = false;
try {
  const page = await browser.newPage();
  page.setDefaultTimeout(STEP_TIMEOUT_MS);
  const problems = [];
  page.on('pageerror', (e) => problems.push(`page error: ${e.message}`));
  page.on('console', (m) => { if (m.type() === 'error') console.log(`console error: ${m.text()}`); });

  await page.goto(url);
  // The token came in the URL's fragment and was removed from the address bar.
  await page.waitForSelector('#conn-status[data-state="live"]');
  if (page.url().includes('token=')) throw new Error(`the token stayed in the address bar: ${page.url()}`);
  if (!(await page.evaluate(() => typeof window.L === 'object'))) throw new Error('Leaflet did not load from the hub');
  done('live', { note: await page.textContent('#map-note') });

  // A position and a panic published through the broker.
  const pos = await waitGo('position');
  const row = page.locator(`#vehicles tr[data-vehicle="${pos.vehicle}"]`);
  await row.waitFor();
  await page.waitForFunction(([v, lat]) => {
    const r = document.querySelector(`#vehicles tr[data-vehicle="${v}"]`);
    return r && Math.abs(Number(r.dataset.lat) - lat) < 1e-6;
  }, [pos.vehicle, pos.lat]);
  // And on the map: a marker for the vehicle, with its label.
  await page.locator(`#map path[data-vehicle="${pos.vehicle}"]`).waitFor();
  await page.locator('#map .leaflet-tooltip', { hasText: pos.vehicle }).waitFor();
  const alert = page.locator('#alerts li[data-state="open"]', { hasText: pos.vehicle });
  await alert.waitFor();
  const alertId = await alert.getAttribute('data-alert-id');
  done('position', { alert_id: alertId });

  // Acknowledge in the page, with a note.
  await alert.locator('input.alert-note').fill('calling the driver');
  await alert.locator('button.ack').click();
  await page.locator(`#alerts li[data-alert-id="${alertId}"][data-state="acknowledged"]`).waitFor();
  done('ack', { alert_id: alertId });

  // The hub restarts: the page reconnects by itself and resumes.
  const moved = await waitGo('restart');
  await page.waitForFunction(([v, lat]) => {
    const r = document.querySelector(`#vehicles tr[data-vehicle="${v}"]`);
    return r && Math.abs(Number(r.dataset.lat) - lat) < 1e-6;
  }, [moved.vehicle, moved.lat]);
  await page.waitForSelector('#conn-status[data-state="live"]');

  // Track replay in the vehicle's detail panel.
  await row.click();
  await page.locator('#detail-panel:not([hidden])').waitFor();
  // The hub writes positions to its store in batches: load again until the latest one is in the track.
  let points = 0;
  for (const until = Date.now() + STEP_TIMEOUT_MS; points < moved.points && Date.now() < until;) {
    const loads = Number((await page.getAttribute('#detail-panel', 'data-track-loads')) || 0);
    await page.click('#replay-load');
    await page.waitForFunction((n) => Number(document.querySelector('#detail-panel').dataset.trackLoads || 0) > n, loads);
    points = Number(await page.getAttribute('#detail-panel', 'data-track-points'));
    if (points < moved.points) await page.waitForTimeout(300);
  }
  await page.click('#replay-play');
  await page.waitForFunction((n) => document.querySelector('#replay-info').textContent.startsWith(`${n}/${n}`), points);
  done('restart', { points });
  if (problems.length) throw new Error(problems.join('; '));
} catch (e) {
  failed = true;
  console.log(`dashboard test failed: ${e.stack || e}`);
} finally {
  await browser.close();
}
process.exit(failed ? 1 : 0);
