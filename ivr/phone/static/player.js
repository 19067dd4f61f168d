// A small TwiML player: calls the practice line's /voice/ webhooks the way Twilio
// does and runs the reply with Twilio's semantics. It knows nothing of the page:
// speech, audio, time and HTTP are passed in, so it runs (and is tested) in Node too.

export const TWILIO_PARAMS = Object.freeze({
  From: "client:practice-phone",
  To: "practice-line",
  Direction: "inbound",
  ApiVersion: "2010-04-01",
});
const SPOKEN = new Set(["Say", "Play", "Pause"]);
const MAX_REQUESTS = 400; // a call that never ends is a bug: stop rather than spin
const MAX_LOOP = 10; // loop="0" means "for ever" on Twilio; a practice call stops sooner

/** An error in the TwiML text itself. */
export class TwimlError extends Error {}

const ENTITIES = { amp: "&", lt: "<", gt: ">", quot: '"', apos: "'" };

/** Replace XML character and entity references in `text`. */
export function decodeEntities(text) {
  return text.replace(/&(#x[0-9a-fA-F]+|#[0-9]+|[a-zA-Z]+);/g, (whole, ref) => {
    if (ref[0] === "#") {
      const code = ref[1] === "x" || ref[1] === "X" ? parseInt(ref.slice(2), 16) : parseInt(ref.slice(1), 10);
      return Number.isFinite(code) && code <= 0x10ffff ? String.fromCodePoint(code) : whole;
    }
    return ENTITIES[ref] ?? whole;
  });
}

/**
 * Parse a TwiML document into {tag, attrs, children, text}; throws TwimlError.
 * A tiny XML reader (elements, attributes, text, CDATA, comments), because Node has no DOMParser.
 */
export function parseTwiml(xml) {
  const src = String(xml);
  let pos = 0;
  const fail = (why) => { throw new TwimlError(`${why} (at character ${pos})`); };
  const startsWith = (s) => src.startsWith(s, pos);
  const skipPast = (end, what) => {
    const at = src.indexOf(end, pos);
    if (at < 0) fail(`unclosed ${what}`);
    const body = src.slice(pos, at);
    pos = at + end.length;
    return body;
  };
  const skipSpace = () => { while (pos < src.length && /\s/.test(src[pos])) pos += 1; };
  const readName = () => {
    const match = /^[A-Za-z_][\w.:-]*/.exec(src.slice(pos, pos + 200));
    if (!match) fail("expected a name");
    pos += match[0].length;
    return match[0];
  };
  const skipMisc = () => {
    for (;;) {
      skipSpace();
      if (startsWith("<?")) skipPast("?>", "declaration");
      else if (startsWith("<!--")) skipPast("-->", "comment");
      else if (startsWith("<!DOCTYPE")) skipPast(">", "doctype");
      else return;
    }
  };
  const element = () => {
    if (!startsWith("<")) fail("expected an element");
    pos += 1;
    const node = { tag: readName(), attrs: {}, children: [], text: "" };
    for (;;) {
      skipSpace();
      if (startsWith("/>")) { pos += 2; return node; }
      if (startsWith(">")) { pos += 1; break; }
      const name = readName();
      skipSpace();
      if (src[pos] !== "=") fail(`attribute ${name} has no value`);
      pos += 1;
      skipSpace();
      const quote = src[pos];
      if (quote !== '"' && quote !== "'") fail(`attribute ${name} is not quoted`);
      pos += 1;
      node.attrs[name] = decodeEntities(skipPast(quote, "attribute"));
    }
    for (;;) {
      if (pos >= src.length) fail(`<${node.tag}> is not closed`);
      if (startsWith("</")) {
        pos += 2;
        const name = readName();
        if (name !== node.tag) fail(`</${name}> closes <${node.tag}>`);
        skipSpace();
        if (src[pos] !== ">") fail("expected >");
        pos += 1;
        return node;
      }
      if (startsWith("<!--")) skipPast("-->", "comment");
      else if (startsWith("<![CDATA[")) { pos += 9; node.text += skipPast("]]>", "CDATA"); }
      else if (startsWith("<?")) skipPast("?>", "processing instruction");
      else if (startsWith("<")) node.children.push(element());
      else {
        const next = src.indexOf("<", pos);
        const end = next < 0 ? src.length : next;
        node.text += decodeEntities(src.slice(pos, end));
        pos = end;
      }
    }
  };
  skipMisc();
  const root = element();
  skipMisc();
  if (pos < src.length) fail("content after the root element");
  return root;
}

/** A CallSid shaped like Twilio's: CA and 32 hex digits. */
export function newCallSid() {
  const bytes = new Uint8Array(16);
  globalThis.crypto.getRandomValues(bytes);
  return "CA" + Array.from(bytes, (b) => b.toString(16).padStart(2, "0")).join("");
}

/** Wait `ms` milliseconds, or less if `signal` aborts. */
export function sleep(ms, signal) {
  return new Promise((resolve) => {
    if (signal?.aborted) return resolve();
    const timer = setTimeout(done, Math.max(0, ms));
    function done() {
      clearTimeout(timer);
      signal?.removeEventListener("abort", done);
      resolve();
    }
    signal?.addEventListener("abort", done);
  });
}

/** The last path segment of a URL: how captions.json names an audio file. */
export function audioName(url) {
  const path = String(url).split(/[?#]/)[0];
  return decodeURIComponent(path.slice(path.lastIndexOf("/") + 1));
}

function count(value, fallback) {
  const n = Number.parseInt(value, 10);
  return Number.isFinite(n) && n >= 0 ? n : fallback;
}

function loops(el) {
  const n = count(el.attrs.loop, 1);
  return n === 0 ? MAX_LOOP : Math.min(n, MAX_LOOP);
}

/**
 * One practice call. Options:
 *  baseUrl      the page origin, to resolve relative webhook URLs
 *  fetch        (url, {method, headers, body, signal}) -> Response   (window.fetch)
 *  speak        (text, signal, voice) -> Promise, resolved when spoken (or cut short); voice is
 *               the <Say>'s voice attribute (undefined: the line's own)
 *  play         (url, signal) -> Promise, resolved when played (or cut short)
 *  sleep        (ms, signal) -> Promise
 *  timeScale    multiplies every Twilio duration (tests make calls fast)
 *  token        sent as X-Practice-Token when the voice routes are protected
 *  captionsUrl  a JSON map: audio file name -> the words it says
 *  dialUrl      where <Dial> connects: the simulated representative
 *  draft        () -> the words typed and not sent yet (the page's text box)
 *  typingPause  seconds after the last keystroke before typed words count as finished (3)
 *  now          () -> milliseconds, for how long ago the caller typed (performance.now)
 *  onEvent      (type, detail) for everything the page shows
 */
export class TwimlPlayer {
  constructor(options) {
    this.o = { timeScale: 1, sleep, token: null, captionsUrl: null, onEvent: () => {}, draft: () => "",
               typingPause: 3, now: () => globalThis.performance.now(), ...options };
    this.callSid = options.callSid ?? newCallSid();
    this.ended = false;
    this.gather = null;
    this.captions = {};
    this.calls = new AbortController(); // aborted at hang-up: stops speech, waits and fetches
    this.requests = 0;
    this.typedAt = null; // when the caller last typed (this.o.now()), or null
    this.pending = null; // words said while nothing listened for them: the answer to the next gather that does
  }

  emit(type, detail = {}) {
    this.o.onEvent(type, detail);
  }

  /** Place the call: fetch `url` and follow the line until someone hangs up. */
  async start(url) {
    this.emit("state", { state: "connecting" });
    await this.loadCaptions();
    let next = { url: this.absolute(url), method: "POST", params: {}, status: "ringing" };
    while (next && !this.ended) {
      if (this.requests >= MAX_REQUESTS) {
        this.emit("note", { text: "The call went on too long and was ended." });
        return this.end("error");
      }
      next = await this.step(next);
    }
    if (!this.ended) this.end("line");
  }

  /** The caller hangs up. */
  hangup() {
    this.end("caller");
  }

  /** A key on the keypad: collected by a listening <Gather>, else ignored as on a real phone. */
  press(key) {
    if (this.ended || !/^[0-9*#]$/.test(key)) return;
    const g = this.gather;
    if (!g || !g.input.includes("dtmf")) {
      this.emit("ignored", { kind: "dtmf", value: key });
      return;
    }
    this.emit("key", { key });
    this.bargeIn(g);
    if (g.finishOnKey && key === g.finishOnKey) return this.finishGather(g);
    g.digits += key;
    if (g.numDigits && g.digits.length >= g.numDigits) return this.finishGather(g);
    this.armTimer(g);
  }

  /**
   * Words the caller said (typed or recognized): the answer to a listening <Gather>. False if none listens
   * for words: then they answer the next gather that does, once its prompts are over.
   */
  say(text, confidence = 1) {
    const words = String(text ?? "").trim();
    if (this.ended || !words) return false;
    const g = this.gather;
    if (!g || !g.input.includes("speech")) {
      this.pending = { SpeechResult: words, Confidence: String(confidence) };
      this.emit("ignored", { kind: "speech", value: words });
      return false;
    }
    this.bargeIn(g);
    g.speech = { SpeechResult: words, Confidence: String(confidence) };
    this.finishGather(g);
    return true;
  }

  /**
   * The caller is typing what they would say. Like Twilio's speechTimeout="auto" for someone speaking:
   * a <Gather> that takes speech stops its prompts and waits until they have stopped typing.
   */
  typing() {
    if (this.ended) return;
    this.typedAt = this.o.now();
    this.pending = null; // still typing: what counts is what is in the box when they stop
    const g = this.gather;
    if (g && !g.done && g.input.includes("speech")) this.bargeIn(g);
  }

  end(reason) {
    if (this.ended) return;
    this.ended = true;
    this.calls.abort();
    if (this.gather) this.finishGather(this.gather);
    this.emit("end", { reason });
  }

  absolute(url) {
    return new URL(String(url).trim(), this.o.baseUrl).href;
  }

  async loadCaptions() {
    if (!this.o.captionsUrl) return;
    try {
      const reply = await this.o.fetch(this.absolute(this.o.captionsUrl), { signal: this.calls.signal });
      if (reply.ok) this.captions = await reply.json();
    } catch {
      this.captions = {}; // no captions file: <Play> is captioned generically
    }
  }

  /** Fetch one TwiML document and run it; returns the next request, or null when the call ends. */
  async step({ url, method, params, status = "in-progress" }) {
    this.requests += 1;
    const form = { CallSid: this.callSid, CallStatus: status, ...TWILIO_PARAMS, ...params };
    this.emit("request", { url, method, params });
    let text;
    try {
      const body = new URLSearchParams(form).toString();
      const headers = this.o.token ? { "X-Practice-Token": this.o.token } : {};
      let reply;
      if (method === "GET") {
        const target = new URL(url);
        for (const [k, v] of Object.entries(form)) target.searchParams.set(k, v);
        reply = await this.o.fetch(target.href, { method, headers, signal: this.calls.signal });
      } else {
        headers["Content-Type"] = "application/x-www-form-urlencoded";
        reply = await this.o.fetch(url, { method, headers, body, signal: this.calls.signal });
      }
      text = await reply.text();
    } catch (error) {
      if (this.ended) return null;
      this.emit("note", { text: `The practice line could not be reached (${error.message}).` });
      this.end("error");
      return null;
    }
    if (this.ended) return null;
    let doc;
    try {
      doc = parseTwiml(text);
      if (doc.tag !== "Response") throw new TwimlError(`the reply is <${doc.tag}>, not <Response>`);
    } catch (error) {
      this.emit("note", { text: `The practice line sent a reply that is not TwiML: ${error.message}.` });
      this.end("error");
      return null;
    }
    return this.runDocument(doc, url);
  }

  async runDocument(doc, url) {
    for (const verb of doc.children) {
      if (this.ended) return null;
      const outcome = await this.runVerb(verb, url);
      if (outcome === "hangup") {
        this.end("line");
        return null;
      }
      if (outcome) return outcome;
    }
    return null; // Twilio hangs up when a document runs out of verbs
  }

  /** Run one verb; returns the next request, "hangup", or nothing to go on to the next verb. */
  async runVerb(verb, url) {
    switch (verb.tag) {
      case "Say":
      case "Play":
      case "Pause":
        await this.speakVerb(verb, this.calls.signal);
        return null;
      case "Redirect":
        return { url: this.absolute(verb.text.trim() || url), method: (verb.attrs.method || "POST").toUpperCase(),
                 params: {} };
      case "Gather":
        return this.runGather(verb, url);
      case "Dial":
        this.emit("note", { text: "Connecting you to the simulated representative." });
        return { url: this.absolute(this.o.dialUrl), method: "POST", params: {} };
      case "Hangup":
      case "Reject":
        return "hangup";
      default:
        this.emit("note", { text: `Skipped <${verb.tag}>: the practice phone does not play it.`, verb: verb.tag });
        return null;
    }
  }

  async speakVerb(verb, signal) {
    if (verb.tag === "Pause") {
      const seconds = count(verb.attrs.length, 1);
      this.emit("pause", { seconds });
      await this.o.sleep(seconds * 1000 * this.o.timeScale, signal);
      return;
    }
    const text = verb.text.trim();
    for (let i = 0; i < loops(verb) && !signal.aborted; i += 1) {
      if (verb.tag === "Say") {
        this.emit("caption", { verb: "Say", text });
        await this.o.speak(text, signal, verb.attrs.voice); // a persona's <Say voice="Polly....">
      } else {
        const caption = this.captions[audioName(text)] ?? "(recorded prompt)";
        this.emit("caption", { verb: "Play", text: caption, url: text });
        await this.o.play(this.absolute(text), signal);
      }
    }
  }

  /** <Gather>: speak the nested prompts while listening; a key or words cut them short. */
  async runGather(verb, url) {
    const a = verb.attrs;
    const g = {
      input: (a.input || "dtmf").toLowerCase().split(/\s+/),
      numDigits: count(a.numDigits, 0),
      finishOnKey: a.finishOnKey ?? "#",
      timeout: count(a.timeout, 5),
      digits: "",
      speech: null,
      prompts: new AbortController(),
      timer: null,
    };
    g.finished = new Promise((resolve) => { g.resolve = resolve; });
    this.gather = g;
    this.emit("gather", { listening: true, input: g.input, numDigits: g.numDigits, finishOnKey: g.finishOnKey,
                          timeout: g.timeout });
    const stop = () => g.prompts.abort();
    this.calls.signal.addEventListener("abort", stop);
    for (const child of verb.children) {
      if (g.prompts.signal.aborted) break;
      if (SPOKEN.has(child.tag)) await this.speakVerb(child, g.prompts.signal);
      else this.emit("note", { text: `Skipped <${child.tag}> inside <Gather>.`, verb: child.tag });
    }
    this.calls.signal.removeEventListener("abort", stop);
    if (!g.done && this.pending && g.input.includes("speech")) {
      g.speech = this.pending; // said before the line listened: sent now that it does
      this.finishGather(g);
    }
    if (!g.done) this.armTimer(g);
    const result = await g.finished;
    this.gather = null;
    if (this.ended) return null; // "end" was the last event: nothing is listening any more
    this.emit("gather", { listening: false });
    const action = this.absolute(a.action || url);
    const method = (a.method || "POST").toUpperCase();
    if (result) return { url: action, method, params: result };
    this.emit("silence", {});
    return a.actionOnEmptyResult === "true" ? { url: action, method, params: {} } : null;
  }

  bargeIn(g) {
    g.prompts.abort();
  }

  armTimer(g, ms = g.timeout * 1000 * this.o.timeScale) {
    clearTimeout(g.timer);
    g.timer = setTimeout(() => this.timeUp(g), ms);
  }

  /** The gather's time is up: wait on while the caller types; words typed and not sent are the answer. */
  timeUp(g) {
    if (g.done) return;
    const takesSpeech = g.input.includes("speech") && !g.digits;
    const pause = this.o.typingPause * 1000 * this.o.timeScale;
    const quiet = this.typedAt === null ? Infinity : this.o.now() - this.typedAt;
    if (takesSpeech && quiet < pause) return this.armTimer(g, pause - quiet);
    const typed = takesSpeech ? String(this.o.draft() ?? "").trim() : "";
    if (typed) g.speech = { SpeechResult: typed, Confidence: "1" };
    this.finishGather(g);
  }

  finishGather(g) {
    if (g.done) return;
    g.done = true;
    clearTimeout(g.timer);
    g.prompts.abort();
    let result = null;
    if (g.speech) result = g.speech;
    else if (g.digits) result = { Digits: g.digits };
    if (result) this.emit("input", result);
    if (g.speech) this.pending = null;
    g.resolve(this.ended ? null : result);
  }
}
