// Drives Debian's chromium (headless, fresh profile) against the sidecar's
// live view: opens /rooms/{room}, prints READY once the page's WebSocket is
// live, waits until the expected events are on screen, takes a screenshot,
// switches rooms with the picker, and prints what it saw as one JSON line.
//
// usage: node live_view.mjs BASE_URL ROOM OTHER_ROOM EXPECTED_EVENTS SCREENSHOT
import { chromium } from 'playwright-core';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';

const [, , base, room, otherRoom, expected, shot] = process.argv;
const profile = fs.mkdtempSync(path.join(os.tmpdir(), 'livetap-chromium-'));
const context = await chromium.launchPersistentContext(profile, {
  executablePath: process.env.LT_CHROMIUM || '/usr/bin/chromium',
  headless: true,
  viewport: { width: 1280, height: 800 },
  args: ['--no-sandbox', '--disable-gpu', '--disable-background-networking',
         '--disable-component-update', '--disable-sync'],
});
const result = { consoleErrors: [] };
try {
  const page = await context.newPage();
  page.on('console', (m) => { if (m.type() === 'error') result.consoleErrors.push(m.text()); });
  page.on('pageerror', (e) => result.consoleErrors.push(String(e)));
  await page.goto(`${base}/rooms/${room}`);
  await page.waitForFunction(() => document.getElementById('state').textContent === 'live', null, { timeout: 20000 });
  console.log('READY');
  await page.waitForFunction(
    (n) => Number(document.getElementById('events').textContent.replace(/,/g, '')) >= n,
    Number(expected), { timeout: 90000 });
  await page.waitForTimeout(500); // let any straggler render before the picture
  Object.assign(result, await page.evaluate(() => ({
    state: document.getElementById('state').textContent,
    events: document.getElementById('events').textContent,
    viewers: document.getElementById('viewers').textContent,
    likes: document.getElementById('likes').textContent,
    diamonds: document.getElementById('diamonds').textContent,
    chat: [...document.querySelectorAll('#chat li')].map((li) => li.textContent),
    gifts: [...document.querySelectorAll('#gifts li')].map((li) => ({
      text: li.textContent, closed: li.classList.contains('closed') })),
    activity: document.querySelectorAll('#activity li').length,
    roomInput: document.getElementById('room').value,
    topGifters: [...document.querySelectorAll('#top-gifters li')].map((li) => ({
      name: li.firstChild.textContent, score: li.querySelector('.score').textContent })),
    chart: window.livetap.chart ? {
      data: window.livetap.chart.data.map((s) => Array.from(s)),
      canvas: !!document.querySelector('#chart canvas'),
      series: window.livetap.chart.series.map((s) => s.label || null) } : null,
    cards: Object.fromEntries(['battle', 'goal', 'poll', 'pin'].map((id) => {
      const el = document.getElementById(id);
      return [id, { hidden: el.hidden, text: el.querySelector('.body').textContent,
                    scores: [...el.querySelectorAll('.score')].map((e) => e.textContent) }];
    })),
  })));
  await page.screenshot({ path: shot, fullPage: true });
  // the room picker
  await page.fill('#room', otherRoom);
  await page.click('#picker button');
  await page.waitForFunction(() => document.getElementById('state').textContent === 'live', null, { timeout: 20000 });
  result.afterPick = { path: new URL(page.url()).pathname, events: await page.textContent('#events'),
                       gifters: await page.locator('#top-gifters li').count(),
                       chart: await page.evaluate(() => !!window.livetap.chart),
                       recent: await page.textContent('#recent') };
} finally {
  await context.close();
  fs.rmSync(profile, { recursive: true, force: true });
}
console.log(JSON.stringify(result));
