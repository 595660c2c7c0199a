// Visible's script: marks the page as JavaScript-capable (GOV.UK Frontend's convention), starts
// GOV.UK Frontend's components and the live pages (live.js). Every page works without it.
import { initAll } from "/static/govuk/govuk-frontend.min.js";
import { startLive } from "./live.js";
import { startServiceNavigation } from "./navigation.js";
import { startScrollingTables } from "./tables.js";

document.body.classList.add("js-enabled", "govuk-frontend-supported");
initAll();
startServiceNavigation();
startScrollingTables();
// A live region's new content gets GOV.UK Frontend's components and its tables' scrolling too.
startLive((options) => {
  initAll(options);
  startScrollingTables(options.scope);
});
