// Runs one Crawlee crawler over the benchmark's fixture pages and prints one JSON line.
//
//   node run.mjs --crawler playwright|cheerio --pages FILE --concurrency N [--chromium PATH]
//   node run.mjs --crawler playwright|cheerio --crawl URL [--exclude REGEX] --concurrency N [--chromium PATH]
//
// With --crawl, the crawler starts at URL and follows links on the same host name
// (`enqueueLinks`, strategy `same-hostname`), respecting robots.txt, leaving out URLs
// that match REGEX; `pages` is then the number of pages it handled.
//
// FILE holds JSON lines {"url": "...", "js": bool}. The crawlers are written the way a
// Crawlee user would write them; see README.md for the JSON printed on stdout.
import { accessSync, constants, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import { parseArgs } from 'node:util';

const USAGE =
    'usage: node run.mjs --crawler playwright|cheerio (--pages FILE | --crawl URL [--exclude REGEX]) --concurrency N [--chromium PATH]';

function die(message) {
    process.stderr.write(`run.mjs: ${message}\n`);
    process.exit(1);
}

function parseCli() {
    let values;
    try {
        ({ values } = parseArgs({
            options: {
                crawler: { type: 'string' },
                pages: { type: 'string' },
                crawl: { type: 'string' },
                exclude: { type: 'string' },
                concurrency: { type: 'string' },
                chromium: { type: 'string', default: '/usr/bin/chromium' },
            },
        }));
    } catch (err) {
        die(`${err.message}\n${USAGE}`);
    }
    const { crawler, pages, chromium, crawl, exclude } = values;
    const concurrency = Number(values.concurrency);
    if (crawler !== 'playwright' && crawler !== 'cheerio') die(`--crawler must be playwright or cheerio\n${USAGE}`);
    if (!pages && !crawl) die(`--pages or --crawl is required\n${USAGE}`);
    if (!Number.isInteger(concurrency) || concurrency < 1) die(`--concurrency must be a positive integer\n${USAGE}`);
    if (crawler === 'playwright') {
        try {
            accessSync(chromium, constants.X_OK);
        } catch {
            die(`chromium is not an executable at ${chromium} (use --chromium PATH)`);
        }
    }
    return { crawler, pages, concurrency, chromium, crawl, exclude };
}

function readPages(file) {
    let text;
    try {
        text = readFileSync(file, 'utf8');
    } catch (err) {
        die(`cannot read --pages ${file}: ${err.message}`);
    }
    const pages = [];
    text.split('\n').forEach((line, i) => {
        if (!line.trim()) return;
        let page;
        try {
            page = JSON.parse(line);
        } catch (err) {
            die(`${file}:${i + 1}: not JSON: ${err.message}`);
        }
        if (typeof page.url !== 'string') die(`${file}:${i + 1}: "url" must be a string`);
        pages.push({ url: page.url, js: page.js === true });
    });
    if (pages.length === 0) die(`${file} holds no pages`);
    return pages;
}

const args = parseCli();
const pages = args.crawl ? [] : readPages(args.pages);

// Crawlee's logs (INFO and DEBUG use console.log) must never reach stdout, which carries
// only the final JSON line.
console.log = console.info = console.debug = console.error;

// Crawlee reads its storage directory when first configured: set it before importing it.
const storageDir = mkdtempSync(join(tmpdir(), 'jetcrawl-peer-'));
process.env.CRAWLEE_STORAGE_DIR = storageDir;
process.on('exit', () => rmSync(storageDir, { recursive: true, force: true }));
// Exit through process.exit on a signal, so the line above (and Playwright's own exit
// handler, which kills the browser) still run.
for (const [signal, number] of [['SIGINT', 2], ['SIGTERM', 15]]) {
    process.on(signal, () => process.exit(128 + number));
}

let firstStart = Infinity;
let lastEnd = 0;
let ok = 0;

// Wraps a handler that returns { title, items } with the timing and the ok count. In
// crawl mode a page counts once its title is read, and its links are enqueued.
function measured(extract) {
    return async (context) => {
        firstStart = Math.min(firstStart, performance.now());
        try {
            const { title, items } = await extract(context);
            if (args.crawl) {
                if (title) ok += 1;
                const exclude = args.exclude ? [new RegExp(args.exclude)] : [];
                await context.enqueueLinks({ strategy: 'same-hostname', exclude });
            } else if (title && title !== 'Loading…' && items.length > 0) {
                ok += 1;
            }
        } finally {
            lastEnd = performance.now();
        }
    };
}

async function makeCrawler({ crawler, concurrency, chromium }) {
    const common = {
        minConcurrency: concurrency,
        maxConcurrency: concurrency,
        maxRequestRetries: 0,
        // A crawl obeys robots.txt, as Jetcrawl's does.
        ...(args.crawl ? { respectRobotsTxtFile: true, maxRequestsPerCrawl: 10000 } : {}),
    };
    if (crawler === 'cheerio') {
        const { CheerioCrawler, log } = await import('@crawlee/cheerio');
        log.setLevel(log.LEVELS.WARNING);
        return new CheerioCrawler({
            ...common,
            requestHandler: measured(async ({ $ }) => ({
                title: (args.crawl ? $('title') : $('#title')).text().trim(),
                items: $('li.item')
                    .map((_, el) => $(el).text().trim())
                    .get(),
            })),
        });
    }
    const { PlaywrightCrawler, log } = await import('@crawlee/playwright');
    const { chromium: launcher } = await import('playwright-core');
    log.setLevel(log.LEVELS.WARNING);
    return new PlaywrightCrawler({
        ...common,
        headless: true,
        launchContext: { launcher, launchOptions: { executablePath: chromium, args: ['--no-sandbox'] } },
        requestHandler: measured(async ({ page, request }) => {
            if (args.crawl) return { title: (await page.title()).trim(), items: [] };
            if (request.userData.js) await page.waitForSelector('li.item');
            return {
                title: ((await page.locator('#title').textContent()) ?? '').trim(),
                items: (await page.locator('li.item').allTextContents()).map((s) => s.trim()),
            };
        }),
    });
}

try {
    const crawler = await makeCrawler(args);
    // uniqueKey per line: every line is crawled even if two lines share a URL. A crawl
    // starts from its one URL and lets Crawlee dedupe what it finds.
    const requests = args.crawl
        ? [args.crawl]
        : pages.map(({ url, js }, i) => ({ url, uniqueKey: String(i), userData: { js } }));
    const started = performance.now();
    const stats = await crawler.run(requests);
    const runSeconds = (performance.now() - started) / 1000;
    const seconds = lastEnd > firstStart ? (lastEnd - firstStart) / 1000 : 0;
    const result = {
        crawler: args.crawler,
        concurrency: args.concurrency,
        pages: args.crawl ? ok : pages.length,
        ok,
        failed: stats.requestsFailed,
        seconds: Number(seconds.toFixed(3)),
        run_seconds: Number(runSeconds.toFixed(3)),
        pages_per_s: seconds > 0 ? Number(((args.crawl ? ok : pages.length) / seconds).toFixed(2)) : 0,
    };
    process.stdout.write(`${JSON.stringify(result)}\n`);
} catch (err) {
    process.stderr.write(`run.mjs: the ${args.crawler} crawler crashed: ${err?.stack ?? err}\n`);
    process.exitCode = 1;
}
// Crawlee can leave timers behind after run(); do not wait for them.
process.exit();
