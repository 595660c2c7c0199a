// The service navigation's Menu button (base.html). GOV.UK Frontend's own script collapses the
// navigation only below the tablet width; Visible's sections fit one row only from the desktop
// width, so below it they are a column behind the button. Without JavaScript the column shows.
const DESKTOP = "(min-width: 48.0625em)";

export function startServiceNavigation(root = document) {
  for (const navigation of root.querySelectorAll('[data-module="app-service-navigation"]')) {
    const button = navigation.querySelector(".govuk-service-navigation__toggle");
    const list = button && document.getElementById(button.getAttribute("aria-controls"));
    if (!list) continue;
    const desktop = window.matchMedia(DESKTOP);
    let open = false;
    const show = () => {
      if (desktop.matches) {
        button.hidden = true;
        button.setAttribute("aria-hidden", "true");
        button.removeAttribute("aria-expanded");
        list.hidden = false;
      } else {
        button.hidden = false;
        button.removeAttribute("aria-hidden");
        button.setAttribute("aria-expanded", String(open));
        list.hidden = !open;
      }
    };
    button.addEventListener("click", () => {
      open = !open;
      show();
    });
    desktop.addEventListener("change", show);
    show();
  }
}
