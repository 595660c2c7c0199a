// Builds Visible's static assets from the pinned npm packages into build/static:
// our stylesheet (GOV.UK Frontend compiled with Visible's settings), GOV.UK Frontend's
// script and its images. Nothing here is committed; `make` runs it at set-up.
import { cpSync, mkdirSync, writeFileSync } from "node:fs";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import * as sass from "sass";

const root = join(dirname(fileURLToPath(import.meta.url)), "..");
const out = join(root, "build", "static");
const govuk = join(root, "node_modules", "govuk-frontend", "dist", "govuk");

mkdirSync(join(out, "css"), { recursive: true });
mkdirSync(join(out, "govuk"), { recursive: true });

const result = sass.compile(join(root, "src", "visible", "web", "scss", "visible.scss"), {
  loadPaths: [join(root, "node_modules")],
  style: "compressed",
  quietDeps: true,
  silenceDeprecations: ["import"],
});
writeFileSync(join(out, "css", "visible.css"), result.css);
cpSync(join(govuk, "govuk-frontend.min.js"), join(out, "govuk", "govuk-frontend.min.js"));
cpSync(join(govuk, "assets", "images"), join(out, "govuk", "assets", "images"), { recursive: true });
cpSync(join(govuk, "assets", "manifest.json"), join(out, "govuk", "assets", "manifest.json"));
console.log(`Built ${join("build", "static")} (${result.css.length} bytes of CSS)`);
