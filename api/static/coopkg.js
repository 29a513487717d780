// Progressive enhancement only: every page works without this file.
// On the search form, leave the empty filters and the default method out of the URL
// (?q=…&lever=L3 rather than ?q=…&lever=&axis=…&mode=hybrid).
document.addEventListener("submit", function (event) {
  var form = event.target;
  if (!form.matches || !form.matches("form.search")) return;
  form.querySelectorAll("select, input").forEach(function (field) {
    if (!field.name || field.name === "q") return;
    if (field.value === "" || (field.name === "mode" && field.value === "hybrid")) field.disabled = true;
  });
  // Re-enable them if the page is restored from the back/forward cache.
  window.addEventListener("pageshow", function () {
    form.querySelectorAll("[disabled]").forEach(function (field) { field.disabled = false; });
  }, { once: true });
});
