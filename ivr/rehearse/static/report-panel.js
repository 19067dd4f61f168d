// The coach's report on the phone page after a rehearsal: the score, each item met or not with the
// caller's own words and a tip, and the caller's lines in the transcript marked with their moves.
import { keep } from "./attempts.js";

const $ = (id) => document.getElementById(id);

function element(tag, className, text) {
  const node = document.createElement(tag);
  if (className) node.className = className;
  if (text !== undefined) node.textContent = text;
  return node;
}

/** One report item: "Met: Asked for a reference number", the quote that earned it, and the tip. */
function itemNode(item, titles) {
  const node = element("li", `item ${item.met ? "met" : "not-met"}`);
  node.dataset.item = item.id;
  const head = element("p", "item-head");
  head.append(element("span", "verdict", item.met ? "Met:" : "Not met:"), " ", titles[item.id] ?? item.id);
  node.append(head);
  if (item.said) node.append(element("p", "said", `You said: “${item.said}”`));
  if (item.tip) {
    const tip = element("p", "tip");
    tip.append(element("strong", "", "Tip:"), " ", item.tip);
    node.append(tip);
  }
  return node;
}

/** Mark each caller line of the transcript with the moves heard in it (lines in the order spoken). */
export function markMoves(turns, names) {
  const lines = [...document.querySelectorAll("#transcript li.who-caller")]
    .filter((line) => line.dataset.spoken === "true");
  turns.forEach((turn, index) => {
    const line = lines[index];
    if (!line || turn.moves.length === 0) return;
    const marks = element("span", "moves");
    marks.append(element("span", "visually-hidden", "Moves heard: "));
    turn.moves.forEach((move, n) => {
      marks.append(element("span", `move move-${move}`, names[move] ?? move));
      if (n < turn.moves.length - 1) marks.append(element("span", "visually-hidden", ", "));
    });
    line.append(" ", marks);
  });
}

/** Show the report beside the transcript, keep its id in this browser, and link to the progress page. */
export function showReport(report, reportId, config) {
  $("report-score").textContent = `Score: ${report.score} of ${report.out_of}`;
  $("report-summary").textContent = report.summary ?? "";
  $("report-items").replaceChildren(...report.items.map((item) => itemNode(item, config.itemTitles)));
  const saved = $("report-saved");
  saved.replaceChildren();
  if (reportId) {
    try {
      keep(reportId, config.keepReports);
    } catch {
      // Private windows may refuse storage: the report is still saved and linked.
    }
    const page = element("a", "", "this report's page");
    page.href = config.reportUrl.replace("REPORT_ID", encodeURIComponent(reportId));
    const progress = element("a", "", "your progress");
    progress.href = config.progressUrl;
    saved.append("Saved at ", page, ". See ", progress, " over your rehearsals.");
  }
  if (report.turns) markMoves(report.turns, config.moveNames);
  document.querySelector(".phone-layout").classList.add("has-report");
  $("report").hidden = false;
  $("report-title").focus();
}

/** Put the phone back for the next call. */
export function hideReport() {
  document.querySelector(".phone-layout").classList.remove("has-report");
  $("report").hidden = true;
}
