// Tables wider than the window (a list of seven columns on a phone) scroll sideways inside a
// region of their own instead of making the whole page wider than the window. The region can
// be focused (and so scrolled with the keyboard) only while it has something to scroll.
// Without JavaScript the page itself scrolls sideways, as it did before.
let listening = false;

function markScrollable() {
  for (const region of document.querySelectorAll(".app-scroll-region")) {
    if (region.scrollWidth > region.clientWidth + 1) region.setAttribute("tabindex", "0");
    else if (!region.hasAttribute("data-always-focusable")) region.removeAttribute("tabindex");
  }
}

export function startScrollingTables(root = document) {
  for (const table of root.querySelectorAll(root === document ? "main table" : "table")) {
    if (table.closest(".app-scroll-region")) continue;
    const region = document.createElement("div");
    region.className = "app-scroll-region";
    region.setAttribute("role", "region");
    const caption = table.querySelector("caption");
    const name = caption ? caption.textContent.trim().replace(/\s+/g, " ") : "";
    region.setAttribute("aria-label", name ? `${name}: table` : "Table");
    table.parentNode.insertBefore(region, table);
    region.appendChild(table);
  }
  markScrollable();
  if (!listening) {
    window.addEventListener("resize", markScrollable);
    listening = true;
  }
}
