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

/** One caller line marked with its moves ("purpose", "details", ...), read out as "Moves heard: ...". */
function mark(line, moves, names) {
  if (moves.length === 0) return;
  const marks = element("span", "moves");
  marks.append(element("span", "visually-hidden", "Moves heard: "));
  moves.forEach((move, n) => {
    marks.append(element("span", `move move-${move}`, names[move] ?? move));
    if (n < moves.length - 1) marks.append(element("span", "visually-hidden", ", "));
  });
  line.append(" ", marks);
}

/** Ask which moves the coach hears in each thing the caller said, and mark them on the transcript. */
export async function markTranscript(url, names) {
  const lines = [...document.querySelectorAll("#transcript li[data-said]")];
  if (lines.length === 0) return;
  try {
    const reply = await fetch(url, {
      method: "POST", headers: { "Content-Type": "application/json" },
      body: JSON.stringify({ lines: lines.map((line) => line.dataset.said) }),
    });
    if (!reply.ok) return;
    const { moves } = await reply.json();
    lines.forEach((line, index) => mark(line, moves[index] ?? [], names));
  } catch {
    // The marks are a help, not the report: without them the transcript still reads as it was.
  }
}

/** The details the representative took down (amount, date, merchant), when there were any. */
function showDetails(details) {
  const list = $("report-details");
  if (!list) return;
  const rows = Object.entries(details).map(([name, value]) => {
    const row = element("div");
    row.append(element("dt", "", name.charAt(0).toUpperCase() + name.slice(1)), element("dd", "", value));
    return row;
  });
  list.replaceChildren(...rows);
  list.hidden = rows.length === 0;
  $("report-details-title").hidden = rows.length === 0;
}

/** "Try again from the pushback", when the report offers it (an item missed that can be practiced again),
 * and beside it "Try again from where it first went wrong", when that was before the pushback. */
function showRetry(report, reportId, config) {
  const retry = $("report-retry");
  if (!retry) return;
  retry.hidden = !(report.resume && reportId && config.retryUrl);
  if (retry.hidden) return;
  const link = $("report-retry-link");
  link.textContent = config.retryLabel;
  link.href = config.retryUrl.replace("REPORT_ID", encodeURIComponent(reportId));
  const early = $("report-retry-early-link");
  if (!early) return;
  early.hidden = !(report.resume_early && config.retryEarlyUrl);
  if (early.hidden) return;
  early.textContent = config.retryEarlyLabel;
  early.href = config.retryEarlyUrl.replace("REPORT_ID", encodeURIComponent(reportId));
}

/** Show the report beside the transcript, keep its id in this browser, and link to the progress page. */
export function showReport(report, reportId, config) {
  $("report-score").textContent = `Score: ${report.score} of ${report.out_of}`;
  $("report-summary").textContent = report.summary ?? "";
  $("report-items").replaceChildren(...report.items.map((item) => itemNode(item, config.itemTitles)));
  showDetails(report.details ?? {});
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
  showRetry(report, reportId, config);
  markTranscript(config.movesUrl, config.moveNames);
  document.querySelector(".phone-layout").classList.add("has-report");
  $("report").hidden = false;
  $("report-title").focus();
}

/** Put the phone back for the next call. */
export function hideReport() {
  document.querySelector(".phone-layout").classList.remove("has-report");
  $("report").hidden = true;
}
