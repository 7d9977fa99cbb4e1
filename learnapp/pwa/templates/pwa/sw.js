/* Học vụ số service worker, version {{ version }}. Rendered by learnapp/pwa/routes.py.
 *
 * - App shell precached (Workbox precaching): hashed CSS/JS/icons and the offline page;
 *   caches of older versions are removed when this one activates.
 * - Lesson pages: stale-while-revalidate, so a lesson once opened (or downloaded from its
 *   course page) opens at once, with or without a connection.
 * - The catalogue and course pages show progress, so they are network first (with a
 *   short timeout), the cached copy when offline.
 * - Lesson pictures and static files: cache first (their URLs carry a content hash).
 * - Staff pages and dashboards: network first, the cached copy when offline.
 * - Any other page: network first, else the cached copy, else the offline page, in the
 *   language of the pages last read on this phone.
 * - Background Sync ("hvs-outbox"): sends the outbox (outbox.js) when the connection
 *   returns, even if the app is closed.
 */
importScripts({% for url in workbox %}{{ url|tojson }}{% if not loop.last %}, {% endif %}{% endfor %});
importScripts({{ outbox|tojson }});

const VERSION = {{ version|tojson }};
const SYNC_URL = {{ sync_url|tojson }};
const OFFLINE_URLS = {{ offline|tojson }};  // language -> the offline page in it
const DEFAULT_LANG = {{ default_lang|tojson }};
const PREFS = "hvs-prefs";  // "/__hvs/lang": the language of the pages read (pwa.js)
const PAGES = "hvs-pages";
const IMAGES = "hvs-images";
const STATIC = "hvs-static";

workbox.core.setCacheNameDetails({ prefix: "hvs", suffix: "v1" });
workbox.core.clientsClaim();
workbox.precaching.precacheAndRoute({{ precache|tojson }});
workbox.precaching.cleanupOutdatedCaches();

// A reader URL (?step=3, ?step=quiz&q=1) is the same page as the lesson itself.
const readerKey = {
  cacheKeyWillBeUsed: async ({ request }) => {
    const url = new URL(request.url);
    url.searchParams.delete("step");
    url.searchParams.delete("q");
    url.hash = "";
    return url.href;
  },
};

// Pages vary on cookies and language for shared caches; on one phone they are one person's.
const matchOptions = { ignoreVary: true };

const lessonImage = ({ url }) => /^\/lessons\/[^/]+\/images\//.test(url.pathname);
const isPage = ({ request }) => request.mode === "navigate";

workbox.routing.registerRoute(
  lessonImage,
  new workbox.strategies.CacheFirst({
    cacheName: IMAGES,
    matchOptions,
    plugins: [new workbox.expiration.ExpirationPlugin({ maxEntries: 400 })],
  }),
);

// /lessons/<course>/<lesson> and its handout: the lesson itself.
const lessonPage = ({ url, request }) =>
  isPage({ request }) && /^\/lessons\/[^/]+\/[^/]+(\/handout)?$/.test(url.pathname);

workbox.routing.registerRoute(
  lessonPage,
  new workbox.strategies.StaleWhileRevalidate({
    cacheName: PAGES,
    matchOptions,
    plugins: [readerKey, new workbox.expiration.ExpirationPlugin({ maxEntries: 300 })],
  }),
);

workbox.routing.registerRoute(
  ({ url }) => url.pathname.startsWith("/static/"),
  new workbox.strategies.CacheFirst({
    cacheName: STATIC,
    matchOptions,
    plugins: [new workbox.expiration.ExpirationPlugin({ maxEntries: 80 })],
  }),
);

workbox.routing.registerRoute(
  ({ url, request }) => isPage({ request }) && !url.pathname.startsWith("/api/"),
  new workbox.strategies.NetworkFirst({
    cacheName: PAGES,
    matchOptions,
    networkTimeoutSeconds: 4,
    plugins: [new workbox.expiration.ExpirationPlugin({ maxEntries: 300 })],
  }),
);

// The service worker cannot read the language cookie: the pages leave their language in
// the PREFS cache (pwa.js), and the offline page is shown in it.
async function offlineLanguage() {
  try {
    const saved = await (await caches.open(PREFS)).match("/__hvs/lang");
    const lang = saved ? await saved.text() : "";
    return Object.prototype.hasOwnProperty.call(OFFLINE_URLS, lang) ? lang : DEFAULT_LANG;
  } catch (e) {
    return DEFAULT_LANG;
  }
}

workbox.routing.setCatchHandler(async ({ request }) => {
  if (request.mode === "navigate") {
    const offline = await workbox.precaching.matchPrecache(OFFLINE_URLS[await offlineLanguage()]);
    if (offline) { return offline; }
  }
  return Response.error();
});

self.addEventListener("message", (event) => {
  const data = event.data || {};
  if (data.type === "SKIP_WAITING") { self.skipWaiting(); }
  if (data.type === "VERSION" && event.ports[0]) { event.ports[0].postMessage(VERSION); }
});

async function tellPages(message) {
  const pages = await self.clients.matchAll({ includeUncontrolled: true, type: "window" });
  pages.forEach((page) => page.postMessage(message));
}

// Send every waiting event; the server defers those recorded under another account
// than the one signed in now, so they stay for later.
async function sendOutbox() {
  for (let round = 0; round < 20; round++) {
    const result = await self.HVSOutbox.send(SYNC_URL, null);
    await tellPages({ type: "outbox-changed" });
    if (!result.more) { return; }
  }
}

self.addEventListener("sync", (event) => {
  if (event.tag === "hvs-outbox") { event.waitUntil(sendOutbox()); }
});
