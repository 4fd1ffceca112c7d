/**
 * Open an exported notebook HTML in Debian's headless chromium (playwright-core, no browser
 * download) with every non-file request blocked (proves it renders offline), and report what
 * the plotly charts drew.
 */
import { chromium, type Browser } from "playwright-core";

export const CHROMIUM = "/usr/bin/chromium";
export const CHROMIUM_ARGS = ["--no-sandbox", "--disable-gpu", "--disable-background-networking", "--disable-component-update", "--disable-sync", "--no-first-run"];

export interface PlotInfo {
  id: string;
  title: string;
  /** `gd.data` length (traces given to Plotly). */
  traces: number;
  /** Traces with at least one x/y/z value. */
  tracesWithData: number;
  /** Trace groups drawn in the SVG (scatter, bar, heatmap layers). */
  svgTraces: number;
  hasSvg: boolean;
}

export interface PageReport {
  plots: PlotInfo[];
  digests: Array<{ fixture: string; digest: string; expected: string; status: string; text: string }>;
  blockedRequests: string[];
  pageErrors: string[];
}

const PAGE_PROBE = `(() => {
  const has = (v) => Array.isArray(v) && v.some((e) => e !== null && e !== undefined && !(Array.isArray(e) && e.length === 0));
  const plots = Array.from(document.querySelectorAll(".grinder-plot")).map((d) => {
    const data = d.data || [];
    return {
      id: d.id,
      title: (d.layout && d.layout.title && d.layout.title.text) || "",
      traces: data.length,
      tracesWithData: data.filter((t) => has(t.x) || has(t.y) || has(t.z)).length,
      svgTraces: d.querySelectorAll(".scatterlayer .trace, .barlayer .trace, .heatmaplayer .hm").length,
      hasSvg: !!d.querySelector(".main-svg"),
    };
  });
  const digests = Array.from(document.querySelectorAll("tr.grinder-digest")).map((r) => ({
    fixture: r.getAttribute("data-fixture") || "",
    digest: r.getAttribute("data-digest") || "",
    expected: r.getAttribute("data-expected") || "",
    status: r.getAttribute("data-status") || "",
    text: r.innerText,
  }));
  return { plots, digests };
})()`;

export async function inspectReport(htmlFile: string, screenshot?: string): Promise<PageReport> {
  let browser: Browser | null = null;
  try {
    browser = await chromium.launch({ executablePath: CHROMIUM, args: CHROMIUM_ARGS });
    const page = await browser.newPage({ viewport: { width: 1280, height: 900 } });
    const blockedRequests: string[] = [];
    const pageErrors: string[] = [];
    page.on("pageerror", (e) => pageErrors.push(String(e)));
    await page.route("**/*", (route) => {
      const url = route.request().url();
      if (url.startsWith("file:") || url.startsWith("data:")) return route.continue();
      blockedRequests.push(url);
      return route.abort();
    });
    await page.goto(`file://${htmlFile}`, { waitUntil: "load", timeout: 120_000 });
    await page
      .waitForFunction(`(() => { const p = Array.from(document.querySelectorAll(".grinder-plot")); return p.length > 0 && p.every((d) => d.querySelector(".main-svg")); })()`, null, { timeout: 60_000 })
      .catch(() => undefined);
    // Page code as a string: the test transpiler would wrap named functions with a helper the page lacks.
    const { plots, digests } = (await page.evaluate(PAGE_PROBE)) as Pick<PageReport, "plots" | "digests">;
    if (screenshot) await page.screenshot({ path: screenshot });
    return { plots, digests, blockedRequests, pageErrors };
  } finally {
    if (browser) await browser.close();
  }
}
