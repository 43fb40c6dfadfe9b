// Drives the status page in headless Chromium: load, click Stop on one
// process, wait for the page to say STOPPED, screenshot. Used by
// supervisor/web/ui's TestChromiumClickStop.
// usage: node click_stop.js <url> <namespec> <screenshot.png> <user-data-dir>
const { chromium } = require('playwright-core');

(async () => {
  const [url, name, shot, userDir] = process.argv.slice(2);
  const ctx = await chromium.launchPersistentContext(userDir, {
    executablePath: process.env.CHROMIUM || '/usr/bin/chromium',
    headless: true,
    args: ['--headless', '--no-sandbox', '--disable-gpu',
           '--disable-background-networking', '--no-first-run'],
    viewport: { width: 960, height: 420 },
  });
  try {
    const page = await ctx.newPage();
    await page.goto(url);
    const row = page.locator(`tr[data-name="${name}"]`);
    await row.locator('td.status', { hasText: 'running' }).waitFor({ timeout: 30000 });
    await row.locator('button[value="stop"]').click();
    await page.waitForURL(/message=/, { timeout: 30000 });
    await row.locator('td.status', { hasText: 'stopped' }).waitFor({ timeout: 30000 });
    console.log('MESSAGE ' + (await page.locator('.status_msg').innerText()));
    console.log('STATE ' + (await row.locator('td.status').innerText()));
    await page.screenshot({ path: shot });
    await page.setViewportSize({ width: 380, height: 700 });
    await page.screenshot({ path: shot.replace(/\.png$/, '-phone.png') });
  } finally {
    await ctx.close();
  }
})().catch((e) => { console.error(e); process.exit(1); });
