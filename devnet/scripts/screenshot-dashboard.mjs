// Saves a screenshot of a running devnet's dashboard (the README's docs/images/dashboard.png):
//   node devnet/scripts/screenshot-dashboard.mjs [url] [out.png]
// Headless Chromium from @sparticuz/chromium (its npm package carries the binary), driven by
// playwright-core; defaults: the dashboard of ./.devnet/devnet.json, docs/images/dashboard.png.
import { existsSync, readFileSync } from "node:fs";
import sparticuz from "@sparticuz/chromium";
import { chromium } from "playwright-core";

const devnetJson = process.env.AEGIS_DEVNET ?? ".devnet/devnet.json";
const url = process.argv[2] ?? (existsSync(devnetJson) ? JSON.parse(readFileSync(devnetJson, "utf8")).dashboard : undefined);
const out = process.argv[3] ?? "docs/images/dashboard.png";
if (!url) {
  console.error(`no dashboard URL: pass one, or run the devnet (${devnetJson} names it)`);
  process.exit(2);
}
const browser = await chromium.launch({ executablePath: await sparticuz.executablePath(), args: [...sparticuz.args.filter((a) => a !== "--disable-web-security"), "--no-sandbox", "--disable-gpu"], headless: true });
try {
  const page = await browser.newPage({ viewport: { width: 1400, height: 1000 }, deviceScaleFactor: 1 });
  await page.goto(url, { waitUntil: "networkidle" });
  await page.waitForTimeout(3000); // a few live updates, so the charts have drawn
  await page.screenshot({ path: out, fullPage: true });
  console.log(`saved ${out} from ${url}`);
} finally {
  await browser.close();
}
