// plyoplan's only script, loaded by every page (the pages allow no inline script).

// The week form starts from the browser's time zone when the field still holds the default.
const timezone = document.getElementById("timezone");
if (timezone && timezone.value === "UTC") {
  try {
    timezone.value = Intl.DateTimeFormat().resolvedOptions().timeZone || "UTC";
  } catch (e) {
    // an old browser without Intl: the runner types the zone
  }
}

// One click selects the whole feed link, ready to copy.
const feedUrl = document.getElementById("feed-url");
if (feedUrl) {
  feedUrl.addEventListener("click", () => feedUrl.select());
}
