// Drives the contact page (web/form.html) in headless Chromium against the
// real api and notifications bootstraps behind `pigeon serve`.
//
// Two setups run on 127.0.0.1 with ephemeral ports:
// - a static site (a small Node server) serves a copy of the page whose
//   action is pigeon's /contact, as a site owner would copy it, and a
//   thank-you page. Its pigeon allows that origin (CORS_ALLOW_ORIGIN) and
//   redirects browser posts to the thank-you page (CONTACT_SUCCESS_URL).
// - pigeon with its defaults, whose own page /_pigeon/form gets the HTML
//   thank-you and error pages.
//
// Screenshots of each state go to <build>/test-logs/browser/.
//
// Environment: PIGEON_BUILD (default ../../build), CHROMIUM (default
// /usr/bin/chromium).
import { after, before, describe, test } from "node:test";
import assert from "node:assert/strict";
import { spawn } from "node:child_process";
import fs from "node:fs";
import http from "node:http";
import os from "node:os";
import path from "node:path";
import { fileURLToPath } from "node:url";

import { chromium } from "playwright-core";

const here = path.dirname(fileURLToPath(import.meta.url));
const root = path.resolve(here, "..", "..");
const build = path.resolve(process.env.PIGEON_BUILD || path.join(root, "build"));
const shots = path.join(build, "test-logs", "browser");
const formHtml = fs.readFileSync(path.join(root, "web", "form.html"), "utf8");

// Every wait is bounded, so a broken build fails a test instead of hanging.
const START_TIMEOUT_MS = 20000;
const INBOX_TIMEOUT_MS = 20000;
const STEP_TIMEOUT_MS = 15000;

const CHROMIUM_ARGS = [
  "--headless",
  "--no-sandbox",
  "--disable-gpu",
  "--disable-quic",
  "--no-first-run",
  "--disable-background-networking",
  "--disable-component-update",
  "--disable-sync",
  // Only loopback names resolve, so nothing leaves the machine.
  "--host-resolver-rules=MAP * ~NOTFOUND, EXCLUDE 127.0.0.1",
];

/** Starts `pigeon serve` with its own data folder and env file; resolves
 * with {api, stop, log} once it prints "pigeon: ready". */
async function startPigeon(settings) {
  const dataDir = fs.mkdtempSync(path.join(os.tmpdir(), "pigeon-browser-"));
  const envFile = path.join(dataDir, "settings.env");
  fs.writeFileSync(envFile, Object.entries(settings)
    .map(([key, value]) => `${key}=${value}\n`).join(""));

  const env = { ...process.env };
  for (const key of ["PUSHOVER_TOKEN", "PUSHOVER_USERKEY", "PUSHOVER_API_URL",
    "CORS_ALLOW_ORIGIN", "CONTACT_SUCCESS_URL", "CONTACT_ERROR_URL",
    "HONEYPOT_FIELD", "NOTIFICATIONS_INVOCATION_TYPE"]) {
    delete env[key];
  }
  const proc = spawn(path.join(build, "pigeon"),
    ["serve", "--port", "0", "--lambda-port", "0", "--data-dir", dataDir,
      "--env-file", envFile],
    { env, stdio: ["ignore", "pipe", "pipe"] });
  const lines = [];
  const log = () => lines.join("\n");
  let api = null;

  await new Promise((resolve, reject) => {
    const timer = setTimeout(() => {
      proc.kill("SIGKILL");
      reject(new Error(`pigeon serve was not ready within ${START_TIMEOUT_MS} ms:\n${log()}`));
    }, START_TIMEOUT_MS);
    let pending = "";
    proc.stdout.on("data", (chunk) => {
      pending += chunk.toString("utf8");
      let newline;
      while ((newline = pending.indexOf("\n")) >= 0) {
        const line = pending.slice(0, newline);
        pending = pending.slice(newline + 1);
        lines.push(line);
        const match = /^pigeon: api (http:\/\/\S+)$/.exec(line);
        if (match) {
          api = match[1].replace(/\/$/, "");
        }
        if (line === "pigeon: ready") {
          clearTimeout(timer);
          resolve();
        }
      }
    });
    proc.stderr.on("data", (chunk) => lines.push(chunk.toString("utf8").trimEnd()));
    proc.on("exit", (code) => {
      clearTimeout(timer);
      reject(new Error(`pigeon serve exited with ${code}:\n${log()}`));
    });
  });
  assert.ok(api, `no api URL in the output of pigeon serve:\n${log()}`);

  async function stop() {
    if (proc.exitCode === null) {
      const exited = new Promise((resolve) => proc.once("exit", resolve));
      proc.kill("SIGINT");
      const timer = setTimeout(() => proc.kill("SIGKILL"), START_TIMEOUT_MS);
      await exited;
      clearTimeout(timer);
    }
    fs.rmSync(dataDir, { recursive: true, force: true });
  }
  return { api, stop, log };
}

/** Polls pigeon's inbox until a message contains part; returns it. */
async function waitForMessage(pigeon, part) {
  const deadline = Date.now() + INBOX_TIMEOUT_MS;
  for (;;) {
    const response = await fetch(`${pigeon.api}/_pigeon/inbox.json`);
    const { messages } = await response.json();
    const found = messages.find((message) => message.message.includes(part));
    if (found) {
      return found;
    }
    if (Date.now() > deadline) {
      assert.fail(`no message with ${JSON.stringify(part)} in the inbox:\n` +
        `${JSON.stringify(messages, null, 2)}\n${pigeon.log()}`);
    }
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
}

async function inboxCount(pigeon) {
  const response = await fetch(`${pigeon.api}/_pigeon/inbox.json`);
  return (await response.json()).messages.length;
}

/** Starts the static site on an ephemeral loopback port. The page's action
 * is filled in once pigeon runs, through site.setApi. */
async function startStaticSite() {
  let api = "";
  const thanks = "<!DOCTYPE html>\n<html lang=\"en\"><head><meta charset=\"utf-8\">" +
    "<title>Thanks</title></head><body><main><h1>Thanks for writing</h1>" +
    "<p>This is the site's own thank-you page.</p></main></body></html>\n";
  const server = http.createServer((req, res) => {
    const url = new URL(req.url, "http://127.0.0.1");
    if (url.pathname === "/contact.html" || url.pathname === "/contact-urlencoded.html") {
      let page = formHtml
        .replace('action="/contact"', `action="${api}/contact"`)
        .replace('value="pigeon-form"', 'value="static-site"');
      if (url.pathname === "/contact-urlencoded.html") {
        page = page.replace('enctype="multipart/form-data"',
          'enctype="application/x-www-form-urlencoded"');
      }
      res.writeHead(200, { "Content-Type": "text/html; charset=utf-8" });
      res.end(page);
    } else if (url.pathname === "/thanks.html") {
      res.writeHead(200, { "Content-Type": "text/html; charset=utf-8" });
      res.end(thanks);
    } else {
      res.writeHead(404, { "Content-Type": "text/plain" });
      res.end("not found\n");
    }
  });
  await new Promise((resolve) => server.listen(0, "127.0.0.1", resolve));
  return {
    origin: `http://127.0.0.1:${server.address().port}`,
    setApi(value) {
      api = value;
    },
    close: () => new Promise((resolve) => server.close(resolve)),
  };
}

async function fill(page, values) {
  for (const [selector, value] of Object.entries(values)) {
    await page.fill(selector, value);
  }
}

function shot(page, name) {
  return page.screenshot({ path: path.join(shots, `${name}.png`), fullPage: true });
}

describe("contact page in Chromium", () => {
  let browser;
  let site;
  let sitePigeon;
  let defaultPigeon;

  before(async () => {
    fs.mkdirSync(shots, { recursive: true });
    site = await startStaticSite();
    sitePigeon = await startPigeon({
      CORS_ALLOW_ORIGIN: site.origin,
      CONTACT_SUCCESS_URL: `${site.origin}/thanks.html`,
    });
    site.setApi(sitePigeon.api);
    defaultPigeon = await startPigeon({});
    browser = await chromium.launch({
      executablePath: process.env.CHROMIUM || "/usr/bin/chromium",
      headless: true,
      args: CHROMIUM_ARGS,
      timeout: START_TIMEOUT_MS,
    });
  });

  after(async () => {
    await browser?.close();
    await sitePigeon?.stop();
    await defaultPigeon?.stop();
    await site?.close();
  });

  test("with JavaScript: sends JSON, confirms, reaches the inbox", async () => {
    const context = await browser.newContext();
    const page = await context.newPage();
    page.setDefaultTimeout(STEP_TIMEOUT_MS);
    const requests = [];
    page.on("request", (request) => {
      if (request.url().endsWith("/contact")) {
        requests.push(request);
      }
    });
    await page.goto(`${site.origin}/contact.html`);
    await fill(page, {
      "#name": "Ada Lovelace",
      "#email": "ada@example.com",
      "#description": "Sent with JavaScript.\nSecond line: é ✓",
    });
    await page.click("button[type=submit]");
    await page.waitForSelector("#form-status.ok");

    assert.match(await page.textContent("#form-status"), /Thank you, your message has been sent\./);
    assert.equal(await page.evaluate(() => document.activeElement.id), "form-status");
    assert.equal(page.url(), `${site.origin}/contact.html`);
    const post = requests.find((request) => request.method() === "POST");
    assert.ok(post, "no POST to /contact");
    assert.equal(post.headers()["content-type"], "application/json");
    await shot(page, "js-sent");

    const message = await waitForMessage(sitePigeon, "Sent with JavaScript.");
    assert.equal(message.title, "New message from static-site");
    assert.equal(message.message, "Source: static-site\nName: Ada Lovelace\n" +
      "Mail: ada@example.com\nDescription: Sent with JavaScript.\nSecond line: é ✓");
    await context.close();
  });

  test("with JavaScript: a bad email is shown next to the field", async () => {
    const context = await browser.newContext();
    const page = await context.newPage();
    page.setDefaultTimeout(STEP_TIMEOUT_MS);
    const before = await inboxCount(sitePigeon);
    await page.goto(`${site.origin}/contact.html`);
    // The browser's own check lets ada@localhost through, but the server
    // requires a dot in the domain.
    await fill(page, {
      "#name": "Grace Hopper",
      "#email": "ada@localhost",
      "#description": "Kept after the error.",
    });
    await page.click("button[type=submit]");
    await page.waitForSelector("#email-error:not(:empty)");

    assert.match(await page.textContent("#email-error"), /the domain must contain a dot/);
    assert.equal(await page.getAttribute("#email", "aria-invalid"), "true");
    assert.equal(await page.getAttribute("#email", "aria-describedby"), "email-error");
    assert.equal(await page.getAttribute("#name", "aria-invalid"), null);
    assert.match(await page.textContent("#form-status"), /not sent/);
    assert.equal(await page.evaluate(() => document.activeElement.id), "email");
    assert.equal(await page.inputValue("#name"), "Grace Hopper");
    assert.equal(await page.inputValue("#email"), "ada@localhost");
    assert.equal(await page.inputValue("#description"), "Kept after the error.");
    await shot(page, "js-field-error");

    // Corrected, the same form goes through and the error is cleared.
    await page.fill("#email", "grace@example.com");
    await page.click("button[type=submit]");
    await page.waitForSelector("#form-status.ok");
    assert.equal(await page.textContent("#email-error"), "");
    assert.equal(await page.getAttribute("#email", "aria-invalid"), null);
    await waitForMessage(sitePigeon, "Kept after the error.");
    assert.equal(await inboxCount(sitePigeon), before + 1);
    await context.close();
  });

  test("with JavaScript: a network failure keeps what was typed", async () => {
    const context = await browser.newContext();
    const page = await context.newPage();
    page.setDefaultTimeout(STEP_TIMEOUT_MS);
    await page.goto(`${site.origin}/contact.html`);
    await page.route(`${sitePigeon.api}/contact`, (route) => route.abort("connectionrefused"));
    await fill(page, {
      "#name": "Ada",
      "#email": "ada@example.com",
      "#description": "Still here after a failed request.",
    });
    await page.click("button[type=submit]");
    await page.waitForSelector("#form-status.failed");

    assert.match(await page.textContent("#form-status"), /could not be reached/);
    assert.equal(await page.inputValue("#description"), "Still here after a failed request.");
    assert.equal(await page.isEnabled("button[type=submit]"), true);
    await shot(page, "js-network-failure");
    await context.close();
  });

  test("without JavaScript: follows the 303 to the site's thank-you page", async () => {
    const context = await browser.newContext({ javaScriptEnabled: false });
    const page = await context.newPage();
    page.setDefaultTimeout(STEP_TIMEOUT_MS);
    const statuses = [];
    page.on("response", (response) => {
      if (response.url() === `${sitePigeon.api}/contact`) {
        statuses.push(response.status());
      }
    });
    await page.goto(`${site.origin}/contact.html`);
    await fill(page, {
      "#name": "Margaret Hamilton",
      "#email": "margaret@example.com",
      "#description": "Sent without JavaScript.",
    });
    await Promise.all([
      page.waitForURL(`${site.origin}/thanks.html`),
      page.click("button[type=submit]"),
    ]);

    assert.deepEqual(statuses, [303]);
    assert.equal(await page.textContent("h1"), "Thanks for writing");
    await shot(page, "nojs-thanks-redirect");
    const message = await waitForMessage(sitePigeon, "Sent without JavaScript.");
    assert.equal(message.message, "Source: static-site\nName: Margaret Hamilton\n" +
      "Mail: margaret@example.com\nDescription: Sent without JavaScript.");
    await context.close();
  });

  test("without JavaScript: an urlencoded form is read too", async () => {
    const context = await browser.newContext({ javaScriptEnabled: false });
    const page = await context.newPage();
    page.setDefaultTimeout(STEP_TIMEOUT_MS);
    let contentType = null;
    page.on("request", (request) => {
      if (request.url() === `${sitePigeon.api}/contact`) {
        contentType = request.headers()["content-type"];
      }
    });
    await page.goto(`${site.origin}/contact-urlencoded.html`);
    await fill(page, {
      "#name": "Hedy Lamarr",
      "#email": "hedy@example.com",
      "#description": "Urlencoded line 1\nline 2: é",
    });
    await Promise.all([
      page.waitForURL(`${site.origin}/thanks.html`),
      page.click("button[type=submit]"),
    ]);

    assert.match(contentType, /^application\/x-www-form-urlencoded/);
    const message = await waitForMessage(sitePigeon, "Urlencoded line 1");
    assert.equal(message.message, "Source: static-site\nName: Hedy Lamarr\n" +
      "Mail: hedy@example.com\nDescription: Urlencoded line 1\nline 2: é");
    await context.close();
  });

  test("without JavaScript: a long message in Chinese fits", async () => {
    const context = await browser.newContext({ javaScriptEnabled: false });
    const page = await context.newPage();
    page.setDefaultTimeout(STEP_TIMEOUT_MS);
    let contentType = null;
    page.on("request", (request) => {
      if (request.url() === `${sitePigeon.api}/contact`) {
        contentType = request.headers()["content-type"];
      }
    });
    // 900 characters of three bytes each: the multipart body carries them
    // as 2.7 KB of UTF-8, where urlencoding would take 8.1 KB.
    const text = "中".repeat(900);
    await page.goto(`${site.origin}/contact.html`);
    await fill(page, {
      "#name": "Tu Youyou",
      "#email": "tu@example.com",
      "#description": text,
    });
    await Promise.all([
      page.waitForURL(`${site.origin}/thanks.html`),
      page.click("button[type=submit]"),
    ]);

    assert.match(contentType, /^multipart\/form-data; boundary=/);
    const message = await waitForMessage(sitePigeon, "Name: Tu Youyou");
    assert.equal(message.message, "Source: static-site\nName: Tu Youyou\n" +
      "Mail: tu@example.com\nDescription: " + text);
    await context.close();
  });

  test("without JavaScript: pigeon's own pages for an error and a thank-you", async () => {
    const context = await browser.newContext({ javaScriptEnabled: false });
    const page = await context.newPage();
    page.setDefaultTimeout(STEP_TIMEOUT_MS);
    await page.goto(`${defaultPigeon.api}/_pigeon/form`);
    await fill(page, {
      "#name": "Katherine <Johnson>",
      "#email": "katherine@localhost",
      "#description": "First try without JavaScript.",
    });
    const [errorResponse] = await Promise.all([
      page.waitForNavigation(),
      page.click("button[type=submit]"),
    ]);

    assert.equal(errorResponse.status(), 400);
    assert.equal(await page.getAttribute("html", "lang"), "en");
    assert.equal(await page.textContent("h1"), "Your message was not sent");
    assert.match(await page.textContent("li"), /^email: not a valid address: the domain must contain a dot$/);
    assert.equal(await page.getAttribute("a", "href"), `${defaultPigeon.api}/_pigeon/form`);
    await shot(page, "nojs-error-page");

    await page.click("a");
    await page.waitForURL(`${defaultPigeon.api}/_pigeon/form`);
    await fill(page, {
      "#name": "Katherine <Johnson>",
      "#email": "katherine@example.com",
      "#description": "Second try without JavaScript.",
    });
    const [thanksResponse] = await Promise.all([
      page.waitForNavigation(),
      page.click("button[type=submit]"),
    ]);
    assert.equal(thanksResponse.status(), 200);
    assert.equal(await page.textContent("h1"), "Thank you");
    await shot(page, "nojs-thanks-page");
    const message = await waitForMessage(defaultPigeon, "Second try without JavaScript.");
    assert.match(message.message, /^Source: pigeon-form\nName: Katherine <Johnson>\n/);
    await context.close();
  });
});
