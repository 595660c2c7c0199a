// Live pages (docs/alerts.md, web/live.py): the missing-now board, a police force's list and
// the alerts inbox ask the server for changes every few seconds and replace their live region
// when something changed, telling screen readers politely what arrived; the banner for a new
// critical or high alert does the same on every page. No inline script: the CSP forbids it.
// Without JavaScript none of this runs and each page works as a plain page with a Refresh link.

const POLL = { "X-Visible-Poll": "1" };

function intervalOf(element) {
  const seconds = parseFloat(element.dataset.liveInterval);
  return (seconds > 0 ? seconds : 15) * 1000;
}

function clock(date) {
  return date.toLocaleTimeString("en-GB", { hour: "2-digit", minute: "2-digit", second: "2-digit" });
}

// "3 days 4 hours", "5 hours 10 minutes", "20 minutes": as the server writes it (_duration).
function duration(milliseconds) {
  let minutes = Math.max(Math.floor(milliseconds / 60000), 0);
  const days = Math.floor(minutes / 1440);
  minutes -= days * 1440;
  const hours = Math.floor(minutes / 60);
  minutes -= hours * 60;
  const unit = (n, word) => `${n} ${word}${n === 1 ? "" : "s"}`;
  if (days) return unit(days, "day") + (hours ? ` ${unit(hours, "hour")}` : "");
  if (hours) return unit(hours, "hour") + (minutes ? ` ${unit(minutes, "minute")}` : "");
  return unit(minutes, "minute");
}

function updateDurations(root) {
  const now = Date.now();
  for (const cell of root.querySelectorAll("[data-duration-since]")) {
    const since = Date.parse(cell.dataset.durationSince);
    if (!Number.isNaN(since)) cell.textContent = duration(now - since);
  }
}

function say(announcer, text) {
  if (!announcer || !text) return;
  // Emptied first, so that the same words said twice are announced twice.
  announcer.textContent = "";
  window.setTimeout(() => {
    announcer.textContent = text;
  }, 100);
}

function itemsIn(root) {
  const found = new Map();
  for (const item of root.querySelectorAll("[data-live-item]")) {
    found.set(item.dataset.liveItem, item.dataset.liveLabel || "");
  }
  return found;
}

// Someone typing a resolution, choosing a filter or with focus in the list: do not pull it
// from under them; offer the update instead.
function busy(region) {
  const active = document.activeElement;
  if (active && active !== document.body && region.contains(active)) return true;
  for (const field of region.querySelectorAll("textarea, input:not([type=hidden])")) {
    if (field.value !== field.defaultValue) return true;
  }
  for (const select of region.querySelectorAll("select")) {
    if (chosen(select)) return true;
  }
  return false;
}

// Whether someone changed a select from what the page gave it. A single select whose options
// carry no "selected" shows its first option without anyone choosing it.
function chosen(select) {
  const options = [...select.options];
  const given = options.some((option) => option.defaultSelected)
    ? options.map((option) => option.defaultSelected)
    : options.map((option, index) => !select.multiple && select.size <= 1 && index === 0);
  return options.some((option, index) => option.selected !== given[index]);
}

function signedOutOrRefused(response) {
  return response.type === "opaqueredirect" || [401, 403, 404].includes(response.status);
}

function startRegion(region, initAll) {
  const status = document.querySelector("[data-live-status]");
  const announcer = document.querySelector("[data-live-announcer]");
  const checked = status ? status.querySelector("[data-live-checked]") : null;
  const name = region.dataset.liveName || "The list";
  const every = intervalOf(region);
  let pending = null;
  let timer = null;
  let stopped = false;
  let shown = 0; // counts replacements: an answer to a question asked before one is stale

  if (status && checked) {
    status.firstChild.textContent = `Updates by itself every ${Math.round(every / 1000)} seconds. Last checked at `;
    checked.textContent = clock(new Date());
  }
  const offer = document.createElement("button");
  offer.type = "button";
  offer.className = "govuk-button govuk-button--secondary govuk-!-margin-bottom-0 govuk-!-margin-left-2";
  offer.textContent = "Show the latest";
  offer.dataset.liveShow = "";
  // Added to the status line only while an update waits (a GOV.UK button ignores [hidden]).

  function replace(html, fingerprint) {
    const before = itemsIn(region);
    region.innerHTML = html;
    region.dataset.liveFingerprint = fingerprint;
    shown += 1;
    pending = null;
    offer.remove();
    const after = itemsIn(region);
    const arrived = [...after.keys()].filter((key) => !before.has(key)).map((key) => after.get(key));
    const gone = [...before.keys()].filter((key) => !after.has(key)).length;
    let message = `${name} updated.`;
    if (arrived.length) {
      const first = arrived.slice(0, 3).join("; ");
      const rest = arrived.length > 3 ? `; and ${arrived.length - 3} more` : "";
      message = `${name}: ${arrived.length} new: ${first}${rest}.`;
    } else if (gone) {
      message = `${name}: ${gone} no longer listed.`;
    }
    say(announcer, message);
    updateDurations(region);
    try {
      initAll({ scope: region });
    } catch (error) {
      // The list still works as plain HTML.
    }
  }

  offer.addEventListener("click", () => {
    if (pending) replace(pending.html, pending.fingerprint);
  });

  function schedule() {
    if (!stopped) timer = window.setTimeout(poll, every);
  }

  async function poll() {
    window.clearTimeout(timer);
    if (stopped) return;
    if (document.hidden) {
      schedule();
      return;
    }
    const url = new URL(region.dataset.liveUrl, window.location.href);
    url.searchParams.set("seen", region.dataset.liveFingerprint || "");
    if (region.dataset.liveSince) url.searchParams.set("since", region.dataset.liveSince);
    const asked = shown;
    let response;
    try {
      response = await fetch(url, { headers: POLL, credentials: "same-origin", redirect: "manual", cache: "no-store" });
    } catch (error) {
      schedule(); // the network: try again next time
      return;
    }
    if (signedOutOrRefused(response)) {
      // Signed out (the idle timeout) or no longer allowed: the page itself says why.
      stopped = true;
      window.location.reload();
      return;
    }
    if (response.status === 200) {
      const html = await response.text();
      const fingerprint = response.headers.get("X-Visible-Fingerprint") || "";
      if (asked !== shown || fingerprint === region.dataset.liveFingerprint) {
        // Answered about what was shown before the last replacement, or nothing new: ask again.
      } else if (pending || busy(region)) {
        // Once offered, the update waits for the button: the person was told to press it and
        // may be reaching for it.
        pending = { html, fingerprint };
        if (status && !offer.isConnected) {
          status.append(offer);
          say(announcer, `${name} has changed: press Show the latest to see it.`);
        }
      } else {
        replace(html, fingerprint);
      }
    }
    if (checked) checked.textContent = clock(new Date());
    schedule();
  }

  document.addEventListener("visibilitychange", () => {
    if (!document.hidden) poll();
  });
  schedule();
}

function startBanner(container) {
  const every = intervalOf(container);
  const announcer = document.querySelector("[data-banner-announcer]");
  let timer = null;
  let stopped = false;

  function wire() {
    const form = container.querySelector("form[data-banner-dismiss]");
    if (!form) return;
    form.addEventListener("submit", async (event) => {
      event.preventDefault();
      try {
        const response = await fetch(form.action, {
          method: "POST",
          body: new FormData(form),
          headers: { "X-Requested-With": "fetch" },
          credentials: "same-origin",
          redirect: "manual",
        });
        if (response.status !== 204) {
          form.submit(); // let the page do it the plain way
          return;
        }
      } catch (error) {
        form.submit();
        return;
      }
      container.innerHTML = "";
      container.dataset.bannerShown = "";
      const heading = document.querySelector("main h1");
      if (heading) {
        heading.setAttribute("tabindex", "-1");
        heading.focus();
      }
      poll(); // the next alert, if there is one
    });
  }

  async function poll() {
    window.clearTimeout(timer);
    if (stopped) return;
    if (document.hidden) {
      timer = window.setTimeout(poll, every);
      return;
    }
    const url = new URL(container.dataset.bannerUrl, window.location.href);
    url.searchParams.set("seen", container.dataset.bannerShown || "");
    url.searchParams.set("next", window.location.pathname + window.location.search);
    try {
      const response = await fetch(url, { headers: POLL, credentials: "same-origin", redirect: "manual", cache: "no-store" });
      if (signedOutOrRefused(response)) {
        stopped = true; // the page's own region (if any) reloads; a plain page says so on the next click
        return;
      }
      if (response.status === 200) {
        const html = await response.text();
        container.innerHTML = html;
        container.dataset.bannerShown = response.headers.get("X-Visible-Fingerprint") || "";
        wire();
        const text = container.querySelector("[data-testid=alert-banner-text]");
        const title = container.querySelector(".govuk-notification-banner__title");
        if (text && title) say(announcer, `${title.textContent}: ${text.textContent}`);
      }
    } catch (error) {
      // the network: try again next time
    }
    timer = window.setTimeout(poll, every);
  }

  wire();
  document.addEventListener("visibilitychange", () => {
    if (!document.hidden) poll();
  });
  timer = window.setTimeout(poll, every);
}

export function startLive(initAll) {
  for (const region of document.querySelectorAll("[data-live-region]")) startRegion(region, initAll);
  const banner = document.querySelector("[data-banner-region]");
  if (banner) startBanner(banner);
  if (document.querySelector("[data-duration-since]")) {
    window.setInterval(() => updateDurations(document), 30000);
  }
}
