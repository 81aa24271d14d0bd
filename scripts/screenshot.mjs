#!/usr/bin/env node
// Screenshots of a generated report page in Debian's Chromium (headless, off the network):
//   npm run screenshot [-- reports/latest/index.html]   → screenshot.png (top) and screenshot-full.png beside it
import { existsSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { pathToFileURL } from 'node:url';
import { chromium } from 'playwright-core';

const page = resolve(process.argv[2] ?? 'reports/latest/index.html');
const exe = process.env.CHROMIUM_PATH ?? '/usr/bin/chromium';
if (!existsSync(page)) throw new Error(`no report page at ${page}: run npm start first`);
if (!existsSync(exe)) throw new Error(`${exe} is missing: apt-get install chromium`);
const browser = await chromium.launch({ executablePath: exe, headless: true, args: ['--no-sandbox', '--disable-gpu', '--proxy-server=127.0.0.1:9'] });
try {
  const p = await browser.newPage({ viewport: { width: 1280, height: 900 } });
  await p.goto(pathToFileURL(page).href, { waitUntil: 'load' });
  await p.screenshot({ path: join(dirname(page), 'screenshot.png') });
  await p.screenshot({ path: join(dirname(page), 'screenshot-full.png'), fullPage: true });
  const sel = process.argv[3];
  if (sel)
    await p
      .locator(sel)
      .first()
      .screenshot({ path: join(dirname(page), 'screenshot-part.png') });
  console.log(`screenshots beside ${page}`);
} finally {
  await browser.close();
}
