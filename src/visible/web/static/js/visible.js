// Visible's only script: marks the page as JavaScript-capable (GOV.UK Frontend's convention)
// and starts GOV.UK Frontend's components. Every page works without it.
import { initAll } from "/static/govuk/govuk-frontend.min.js";

document.body.classList.add("js-enabled", "govuk-frontend-supported");
initAll();
