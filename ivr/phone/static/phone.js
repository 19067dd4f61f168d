// The phone page: buttons, keyboard, captions, transcript and summary around the TwiML player.
import { TwimlPlayer, sleep } from "./player.js";
import { hideReport, showReport } from "/rehearse/static/report-panel.js";

const config = JSON.parse(document.getElementById("phone-config").textContent);
const $ = (id) => document.getElementById(id);
const KEY_NAMES = { "*": "star", "#": "pound" };
const Recognition = window.SpeechRecognition || window.webkitSpeechRecognition;

let player = null;
let startedAt = 0;
let ticker = null;
let transcript = [];
let requests = [];
let listening = false; // a <Gather> is waiting for the caller
let starting = false;

window.speechSynthesis?.getVoices(); // Chromium loads its voices lazily: ask early

/** Seconds as m:ss. */
function clock(seconds) {
  const whole = Math.floor(seconds);
  return `${Math.floor(whole / 60)}:${String(whole % 60).padStart(2, "0")}`;
}

function elapsed() {
  return player ? (performance.now() - startedAt) / 1000 : 0;
}

function setState(text) {
  $("call-state").textContent = text;
}

function addLine(who, text) {
  const at = elapsed();
  transcript.push({ who, text, at: Math.round(at * 10) / 10 });
  const item = document.createElement("li");
  item.className = `who-${who}`;
  const time = document.createElement("span");
  time.className = "at";
  time.textContent = clock(at);
  const label = document.createElement("span");
  label.className = "who";
  label.textContent = { line: "Line", caller: "You", note: "Note" }[who] + ":";
  item.append(time, " ", label, " ", text);
  const list = $("transcript");
  list.append(item);
  list.scrollTop = list.scrollHeight;
  return item;
}

/**
 * The browser's voice for a <Say voice="...">: each representative's Twilio voice gets another US
 * English voice than the browser's default where it has several (the same one every time), and a pitch
 * of its own always: two personas may land on one voice, and a browser may have only one.
 */
function browserVoice(utterance, synth, voice) {
  if (!voice) return;
  const us = synth.getVoices().filter((v) => v.lang === "en-US" || v.lang === "en_US");
  let hash = 0;
  for (const ch of voice) hash = (hash * 31 + ch.charCodeAt(0)) >>> 0;
  if (us.length > 1) utterance.voice = us[1 + (hash % (us.length - 1))]; // us[0] is left to the line
  utterance.pitch = PITCHES[hash % PITCHES.length];
}
const PITCHES = [0.8, 1.2, 0.9, 1.1];

/** Speak with the browser's voice where it has one; never wait on it for ever. */
function speak(text, signal, voice) {
  const words = text.split(/\s+/).filter(Boolean).length;
  const reading = words * config.captionSecondsPerWord * 1000;
  const synth = config.browserSpeech ? window.speechSynthesis : null;
  if (!synth || synth.getVoices().length === 0) return sleep(reading, signal);
  return new Promise((resolve) => {
    const utterance = new SpeechSynthesisUtterance(text);
    utterance.lang = "en-US";
    browserVoice(utterance, synth, voice);
    let settled = false;
    const done = () => {
      if (settled) return;
      settled = true;
      clearTimeout(limit);
      signal.removeEventListener("abort", stop);
      resolve();
    };
    const stop = () => { synth.cancel(); done(); };
    // Some browsers (headless ones among them) never fire onend: a generous limit from the length.
    const limit = setTimeout(stop, Math.max(reading, words * 600) + 3000);
    utterance.onend = done;
    utterance.onerror = done;
    signal.addEventListener("abort", stop);
    synth.speak(utterance);
  });
}

/** Play a recorded prompt; a file that will not play is skipped, never waited on. */
function play(url, signal) {
  return new Promise((resolve) => {
    const audio = new Audio(url);
    const done = () => {
      clearTimeout(limit);
      signal.removeEventListener("abort", done);
      audio.pause();
      resolve();
    };
    const limit = setTimeout(done, 120000);
    audio.onended = done;
    audio.onerror = done;
    signal.addEventListener("abort", done);
    audio.play().catch(done);
  });
}

/** A lone key stays (it is a menu choice); a run of digits becomes zeros of the same length. */
function redact(digits) {
  if (digits === undefined) return null;
  return digits.length > 1 ? digits.replace(/[0-9]/g, "0") : digits;
}

function onEvent(type, detail) {
  switch (type) {
    case "state":
      setState("Connecting…");
      break;
    case "request":
      // What the server needs to retrace the path. Typed digit runs are replaced by zeros of the
      // same length: the path is the same, and the digits themselves never leave the page.
      requests.push({
        url: new URL(detail.url).pathname + new URL(detail.url).search,
        digits: redact(detail.params.Digits),
        speech: detail.params.SpeechResult ?? null,
      });
      break;
    case "caption":
      if (!listening) setState("In call");
      $("caption").textContent = detail.text;
      addLine("line", detail.text);
      break;
    case "note":
      addLine("note", detail.text);
      break;
    case "pause":
      setState("On hold…");
      break;
    case "gather":
      listening = detail.listening;
      $("entry").textContent = "";
      setState(detail.listening ? "In call: listening" : "In call");
      break;
    case "key":
      $("entry").textContent += detail.key;
      break;
    case "input":
      if (detail.Digits !== undefined) {
        const digits = detail.Digits;
        addLine("caller", digits.length > 1 ? `You entered ${digits.length} keys (not kept).`
          : `You pressed ${KEY_NAMES[digits] ?? digits}.`);
      } else {
        // Spoken lines are the ones the coach hears: after a rehearsal they are marked with their moves.
        addLine("caller", `You said: “${detail.SpeechResult}”`).dataset.said = detail.SpeechResult;
        // Words still in the box when the line stopped waiting were sent for the caller: clear them.
        if ($("say-text").value.trim() === detail.SpeechResult) $("say-text").value = "";
      }
      break;
    case "silence":
      addLine("note", "No answer heard.");
      break;
    case "ignored":
      setState(detail.kind === "dtmf" ? "The line is not listening for keys right now."
        : "The line is not listening for words yet: they are sent when it does.");
      break;
    case "end":
      finish(detail.reason);
      break;
    default:
      break;
  }
}

async function startCall() {
  if (starting || (player && !player.ended)) return;
  starting = true; // Enter and the Call button may both fire while the token is fetched
  transcript = [];
  requests = [];
  $("transcript").replaceChildren();
  $("summary").hidden = true;
  hideReport();
  $("entry").textContent = "";
  $("call").disabled = true;
  $("hangup").disabled = false;
  setState("Connecting…");
  let token = null;
  try {
    const reply = await fetch(config.tokenUrl, { method: "POST" });
    if (reply.ok) token = (await reply.json()).token;
  } catch {
    token = null; // without a token the line may refuse us: the rejection is spoken and captioned
  }
  starting = false;
  player = new TwimlPlayer({
    baseUrl: window.location.href, fetch: window.fetch.bind(window), speak, play, token,
    captionsUrl: config.captionsUrl, dialUrl: config.dialUrl, onEvent, draft: () => $("say-text").value,
  });
  startedAt = performance.now();
  $("call-timer").textContent = "0:00";
  ticker = setInterval(() => { $("call-timer").textContent = clock(elapsed()); }, 250);
  $("hangup").focus();
  player.start(config.startUrl);
}

function hangUp() {
  if (player && !player.ended) player.hangup();
}

async function finish(reason) {
  listening = false;
  clearInterval(ticker);
  window.speechSynthesis?.cancel();
  const seconds = Math.round(elapsed());
  $("call-timer").textContent = clock(seconds);
  setState(reason === "error" ? "Call ended: the practice line had a problem" : "Call ended");
  $("caption").textContent = reason === "caller" ? "You hung up." : "The call has ended.";
  $("call").disabled = false;
  $("hangup").disabled = true;
  $("summary-duration").textContent = seconds >= 60 ? `${Math.floor(seconds / 60)} min ${seconds % 60} s` : `${seconds} s`;
  $("summary-path").replaceChildren();
  $("summary-map").hidden = true;
  $("summary-references").textContent = "";
  $("summary-saved").textContent = "Saving the summary…";
  $("summary-download").hidden = true;
  $("summary").hidden = false;
  $("summary-title").focus();
  const report = { call_sid: player.callSid, duration_seconds: seconds, ended_by: reason, requests, transcript };
  try {
    const reply = await fetch(config.callsUrl, {
      method: "POST", headers: { "Content-Type": "application/json" }, body: JSON.stringify(report),
    });
    const body = await reply.json();
    if (!reply.ok) throw new Error(body.error || `status ${reply.status}`);
    showSummary(body);
  } catch (error) {
    $("summary-saved").textContent = `The summary could not be saved (${error.message}). The transcript above is still here to print.`;
  }
}

function showSummary({ url, text_url: textUrl, map_url: mapUrl, summary, report, report_id: reportId }) {
  for (const step of summary.path) {
    const item = document.createElement("li");
    item.textContent = step.label;
    $("summary-path").append(item);
  }
  $("summary-map").href = mapUrl;
  $("summary-map").hidden = false;
  $("summary-references").textContent = summary.references.length
    ? summary.references.map((r) => `${r.number} (${r.label})`).join(", ") : "None on this call.";
  const link = document.createElement("a");
  link.href = url;
  link.textContent = "this address";
  $("summary-saved").replaceChildren("Saved at ", link, ", with digits you typed left out.");
  $("summary-download").href = textUrl;
  $("summary-download").hidden = false;
  if (report) showReport(report, reportId, config);
}

function pressKey(key) {
  const button = document.querySelector(`.key[data-key="${CSS.escape(key)}"]`);
  button?.classList.add("pressed");
  setTimeout(() => button?.classList.remove("pressed"), 150);
  if (player && !player.ended) player.press(key);
}

function isTyping(target) {
  return target instanceof HTMLInputElement || target instanceof HTMLTextAreaElement;
}

/** A letter typed anywhere on the page during a call starts what the caller would say. */
function startsWords(event) {
  return player && !player.ended && event.key.length === 1 && /\S/.test(event.key) && !isTyping(event.target);
}

document.addEventListener("keydown", (event) => {
  if (event.ctrlKey || event.metaKey || event.altKey) return;
  if (event.key === "Escape") {
    hangUp();
    event.preventDefault();
  } else if (/^[0-9*#]$/.test(event.key) && !isTyping(event.target)) {
    pressKey(event.key);
    event.preventDefault();
  } else if (startsWords(event)) {
    $("say-text").focus(); // the key's character lands in the box, whose input event holds the line
  } else if (event.key === "Enter" && !isTyping(event.target)
             && !(event.target instanceof HTMLButtonElement || event.target instanceof HTMLAnchorElement)) {
    if (!player || player.ended) startCall();
    event.preventDefault();
  }
});

for (const button of document.querySelectorAll(".key")) {
  button.addEventListener("click", () => pressKey(button.dataset.key));
}
$("call").addEventListener("click", startCall);
$("again").addEventListener("click", startCall);
$("hangup").addEventListener("click", hangUp);
$("print").addEventListener("click", () => window.print());
$("say-text").addEventListener("input", () => {
  if (player && !player.ended) player.typing();
});
$("say-form").addEventListener("submit", (event) => {
  event.preventDefault();
  const words = $("say-text").value.trim();
  if (!words) return;
  if (!player || player.ended) {
    setState("Start a call first, then say it.");
  } else if (player.say(words)) {
    $("say-text").value = "";
  } // else the line is not listening for words yet: they stay in the box, and are sent when it does
});

if (Recognition) {
  const mic = $("mic");
  mic.hidden = false;
  let recognizing = null;
  mic.addEventListener("click", () => {
    if (recognizing) return recognizing.stop();
    const recognition = new Recognition();
    recognition.lang = "en-US";
    recognition.interimResults = false;
    recognition.onresult = (event) => {
      const best = event.results[0][0];
      if (player && !player.ended) player.say(best.transcript, best.confidence.toFixed(2));
    };
    recognition.onerror = (event) => setState(`Microphone: ${event.error}. Type what you would say instead.`);
    recognition.onend = () => {
      recognizing = null;
      mic.setAttribute("aria-pressed", "false");
    };
    recognizing = recognition;
    mic.setAttribute("aria-pressed", "true");
    recognition.start();
  });
}
