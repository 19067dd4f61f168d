// The progress page: the server draws the chart for the ids in the address; this script supplies
// the ids this browser kept, prunes the ones that expired, and offers to forget them all.
import { forget, forgetAll, keptIds } from "./attempts.js";

const root = document.getElementById("progress");
const params = new URLSearchParams(window.location.search);
const kept = keptIds();

if (!params.has("ids") && kept.length > 0) {
  const max = Number(root.dataset.maxIds);
  window.location.replace(`${window.location.pathname}?ids=${kept.slice(-max).join(",")}`);
} else {
  const missing = root.dataset.missing ? root.dataset.missing.split(",") : [];
  if (missing.length > 0) forget(missing);
  const button = document.getElementById("forget");
  if (kept.length > 0) {
    button.hidden = false;
    button.addEventListener("click", () => {
      forgetAll();
      window.location.replace(window.location.pathname);
    });
  }
}
