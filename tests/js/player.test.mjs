// The TwiML player verb by verb, with a fake line, fake speech and fast time.
// Run: node --test tests/js/*.test.mjs   (tests/test_player_js.py runs it under pytest)
import assert from "node:assert/strict";
import { test } from "node:test";

import { TwimlPlayer, audioName, decodeEntities, parseTwiml } from "../../ivr/phone/static/player.js";

const BASE = "http://line.test";
const XML = '<?xml version="1.0" encoding="UTF-8"?>';

/** A practice line that answers each path with TwiML, and remembers every request. */
function fakeLine(routes) {
  const requests = [];
  async function fetch(url, init = {}) {
    const u = new URL(url);
    const form = init.body ? Object.fromEntries(new URLSearchParams(init.body)) : Object.fromEntries(u.searchParams);
    requests.push({ path: u.pathname, method: init.method ?? "GET", form, headers: init.headers ?? {} });
    const route = routes[u.pathname];
    if (route === undefined) return { ok: false, status: 404, text: async () => "not found", json: async () => ({}) };
    const body = typeof route === "function" ? route(form) : route;
    return { ok: true, status: 200, text: async () => body, json: async () => JSON.parse(body) };
  }
  return { fetch, requests };
}

/** A call with speech that takes `speakMs` per prompt and records what it spoke or played. */
function makeCall(routes, { speakMs = 5, timeScale = 0.01, ...options } = {}) {
  const line = fakeLine(routes);
  const events = [];
  const spoken = [];
  const voices = [];
  const played = [];
  const cut = [];
  const wait = (ms, signal) => new Promise((resolve) => {
    const timer = setTimeout(resolve, ms);
    signal.addEventListener("abort", () => { clearTimeout(timer); resolve(); });
  });
  const player = new TwimlPlayer({
    baseUrl: BASE,
    fetch: line.fetch,
    timeScale,
    dialUrl: "/voice/node/representative",
    speak: async (text, signal, voice) => {
      spoken.push(text);
      voices.push(voice);
      await wait(speakMs, signal);
      if (signal.aborted) cut.push(text);
    },
    play: async (url, signal) => { played.push(url); await wait(speakMs, signal); },
    onEvent: (type, detail) => events.push({ type, ...detail }),
    ...options,
  });
  const captions = () => events.filter((e) => e.type === "caption").map((e) => e.text);
  const notes = () => events.filter((e) => e.type === "note").map((e) => e.text);
  const ended = () => events.find((e) => e.type === "end")?.reason;
  return { player, line, events, spoken, voices, played, cut, captions, notes, ended };
}

/** Resolves once `predicate()` is true (polling), or fails after `ms`. */
async function until(predicate, ms = 2000) {
  const stop = Date.now() + ms;
  while (!predicate()) {
    if (Date.now() > stop) throw new Error("timed out waiting");
    await new Promise((r) => setTimeout(r, 2));
  }
}

const MENU = `${XML}<Response><Gather action="/menu/input" numDigits="1" finishOnKey="" timeout="5" input="dtmf speech">`
  + "<Say>Press 1 for cards.</Say><Say>Press 2 for rewards.</Say><Say>Press 0 for a person.</Say></Gather>"
  + '<Redirect method="POST">/menu/silence</Redirect></Response>';
const BYE = `${XML}<Response><Say>Goodbye.</Say><Hangup/></Response>`;

test("parseTwiml reads elements, attributes, entities, CDATA and self-closing tags", () => {
  const doc = parseTwiml(`${XML}<!-- hi --><Response><Say voice='woman'>Fish &amp; chips &#163;5 &#x263A;</Say>`
    + '<Gather numDigits="4"><Say><![CDATA[a <b>]]></Say></Gather><Hangup /></Response>\n');
  assert.equal(doc.tag, "Response");
  assert.deepEqual(doc.children.map((c) => c.tag), ["Say", "Gather", "Hangup"]);
  assert.equal(doc.children[0].attrs.voice, "woman");
  assert.equal(doc.children[0].text, "Fish & chips £5 ☺");
  assert.equal(doc.children[1].attrs.numDigits, "4");
  assert.equal(doc.children[1].children[0].text, "a <b>");
  assert.deepEqual(doc.children[2].children, []);
});

test("parseTwiml rejects broken XML with a reason", () => {
  assert.throws(() => parseTwiml("<Response><Say>hi</Response>"), /<\/Response> closes <Say>/);
  assert.throws(() => parseTwiml("<html>"), /not closed/);
  assert.throws(() => parseTwiml("<Response/><extra/>"), /after the root/);
  assert.throws(() => parseTwiml("oops"), /expected an element/);
});

test("decodeEntities and audioName", () => {
  assert.equal(decodeEntities("&lt;&gt;&quot;&apos;&bogus;"), "<>\"'&bogus;");
  assert.equal(audioName("https://h.test/audio/welcome-3fa9.mp3?v=2"), "welcome-3fa9.mp3");
});

test("Say is captioned and spoken in order; Twilio's parameters go with every request", async () => {
  const call = makeCall({ "/voice/incoming": `${XML}<Response><Say>One.</Say><Say loop="2">Two.</Say>`
    + '<Redirect method="POST">/voice/next</Redirect></Response>', "/voice/next": BYE });
  await call.player.start("/voice/incoming");
  assert.deepEqual(call.captions(), ["One.", "Two.", "Two.", "Goodbye."]);
  assert.deepEqual(call.spoken, ["One.", "Two.", "Two.", "Goodbye."]);
  assert.equal(call.ended(), "line");
  const [first, second] = call.line.requests;
  assert.match(first.form.CallSid, /^CA[0-9a-f]{32}$/);
  assert.equal(second.form.CallSid, first.form.CallSid);
  assert.equal(first.form.CallStatus, "ringing");
  assert.equal(second.form.CallStatus, "in-progress");
  assert.equal(first.form.Direction, "inbound");
  assert.equal(first.form.From, "client:practice-phone");
  assert.equal(first.form.To, "practice-line");
  assert.equal(first.method, "POST");
});

test("Pause waits for its length (scaled)", async () => {
  const call = makeCall({ "/p": `${XML}<Response><Pause length="20"/><Say>After.</Say></Response>` },
    { timeScale: 0.005 });
  const began = Date.now();
  await call.player.start("/p");
  const took = Date.now() - began;
  assert.ok(took >= 95, `paused only ${took} ms`);
  assert.deepEqual(call.events.filter((e) => e.type === "pause").map((e) => e.seconds), [20]);
  assert.deepEqual(call.captions(), ["After."]);
});

test("Redirect honors method: GET puts the parameters in the query string", async () => {
  const call = makeCall({ "/a": `${XML}<Response><Redirect method="GET">/b?x=1</Redirect></Response>`, "/b": BYE });
  await call.player.start("/a");
  const b = call.line.requests[1];
  assert.equal(b.path, "/b");
  assert.equal(b.method, "GET");
  assert.equal(b.form.x, "1");
  assert.match(b.form.CallSid, /^CA/);
});

test("Gather: numDigits submits as soon as enough keys are pressed", async () => {
  const call = makeCall({ "/menu": MENU, "/menu/input": (form) => `${XML}<Response><Say>You chose ${form.Digits}.</Say></Response>` });
  const done = call.player.start("/menu");
  await until(() => call.player.gather);
  call.player.press("2");
  await done;
  assert.equal(call.line.requests[1].path, "/menu/input");
  assert.equal(call.line.requests[1].form.Digits, "2");
  assert.ok(call.captions().includes("You chose 2."));
});

test("Gather: with finishOnKey empty, # is an ordinary key (a menu option)", async () => {
  const call = makeCall({ "/menu": MENU, "/menu/input": BYE });
  const done = call.player.start("/menu");
  await until(() => call.player.gather);
  call.player.press("#");
  await done;
  assert.equal(call.line.requests[1].form.Digits, "#");
});

test("Gather: finishOnKey ends the entry and is not sent", async () => {
  const gather = `${XML}<Response><Gather action="/amount" finishOnKey="#" timeout="50"><Say>Amount?</Say></Gather></Response>`;
  const call = makeCall({ "/ask": gather, "/amount": BYE });
  const done = call.player.start("/ask");
  await until(() => call.player.gather);
  for (const key of "125#") call.player.press(key);
  await done;
  assert.equal(call.line.requests[1].form.Digits, "125");
});

test("Gather: a timeout after some keys submits what was pressed", async () => {
  const gather = `${XML}<Response><Gather action="/digits" numDigits="4" timeout="3"><Say>Digits?</Say></Gather></Response>`;
  const call = makeCall({ "/ask": gather, "/digits": BYE });
  const done = call.player.start("/ask");
  await until(() => call.player.gather);
  call.player.press("0");
  await done;
  assert.equal(call.line.requests[1].path, "/digits");
  assert.equal(call.line.requests[1].form.Digits, "0");
});

test("Gather: no input moves on to the next verb, without calling the action", async () => {
  const call = makeCall({ "/menu": MENU, "/menu/silence": BYE });
  await call.player.start("/menu");
  assert.deepEqual(call.line.requests.map((r) => r.path), ["/menu", "/menu/silence"]);
  assert.equal(call.line.requests[1].form.Digits, undefined);
  assert.equal(call.events.filter((e) => e.type === "silence").length, 1);
  assert.equal(call.ended(), "line");
});

test("Gather: with actionOnEmptyResult, no input calls the action with nothing", async () => {
  const gather = `${XML}<Response><Gather action="/act" actionOnEmptyResult="true" timeout="1"><Say>Hm?</Say></Gather>`
    + "<Say>Never said.</Say></Response>";
  const call = makeCall({ "/ask": gather, "/act": BYE });
  await call.player.start("/ask");
  assert.deepEqual(call.line.requests.map((r) => r.path), ["/ask", "/act"]);
  assert.equal(call.line.requests[1].form.Digits, undefined);
  assert.ok(!call.captions().includes("Never said."));
});

test("Gather: a key pressed during the prompts interrupts them (barge-in)", async () => {
  const call = makeCall({ "/menu": MENU, "/menu/input": BYE }, { speakMs: 300 });
  const done = call.player.start("/menu");
  await until(() => call.spoken.length === 1);
  call.player.press("1");
  await done;
  assert.deepEqual(call.cut, ["Press 1 for cards."]);
  assert.ok(!call.spoken.includes("Press 2 for rewards."), "the prompts after the key were still spoken");
  assert.equal(call.line.requests[1].form.Digits, "1");
});

test("Gather: the first of several keys stops the prompts, and the gather keeps listening", async () => {
  const gather = `${XML}<Response><Gather action="/id" numDigits="4" timeout="50"><Say>Enter four digits.</Say>`
    + "<Say>Any four will do.</Say></Gather></Response>";
  const call = makeCall({ "/ask": gather, "/id": BYE }, { speakMs: 400 });
  const done = call.player.start("/ask");
  await until(() => call.spoken.length === 1);
  call.player.press("1");
  await until(() => call.cut.length === 1, 150); // well before the 400 ms prompt would end
  assert.deepEqual(call.cut, ["Enter four digits."]);
  assert.equal(call.line.requests.length, 1, "one key of four must not submit");
  for (const key of "234") call.player.press(key);
  await done;
  assert.ok(!call.spoken.includes("Any four will do."));
  assert.equal(call.line.requests[1].form.Digits, "1234");
});

test("Gather: speech is sent as SpeechResult and Confidence when the gather listens for it", async () => {
  const call = makeCall({ "/menu": MENU, "/menu/input": BYE });
  const done = call.player.start("/menu");
  await until(() => call.player.gather);
  call.player.say("  I want to dispute a charge ", 0.82);
  await done;
  assert.equal(call.line.requests[1].form.SpeechResult, "I want to dispute a charge");
  assert.equal(call.line.requests[1].form.Confidence, "0.82");
  assert.equal(call.line.requests[1].form.Digits, undefined);
});

test("Gather: input=dtmf ignores speech; keys outside a gather are ignored", async () => {
  const gather = `${XML}<Response><Say>Welcome.</Say><Gather action="/k" input="dtmf" numDigits="1" timeout="2"><Say>Key?</Say></Gather></Response>`;
  const call = makeCall({ "/ask": gather, "/k": BYE }, { speakMs: 60 });
  const done = call.player.start("/ask");
  await until(() => call.spoken.length === 1);
  call.player.press("5"); // during <Say>Welcome.</Say>: nobody is listening yet
  await until(() => call.player.gather);
  call.player.say("representative");
  call.player.press("3");
  await done;
  assert.deepEqual(call.events.filter((e) => e.type === "ignored").map((e) => [e.kind, e.value]),
    [["dtmf", "5"], ["speech", "representative"]]);
  assert.equal(call.line.requests[1].form.Digits, "3");
});

test("Play plays the file and is captioned from captions.json by file name", async () => {
  const doc = `${XML}<Response><Play>https://cdn.test/audio/welcome-ab12.mp3</Play><Play>/audio/unknown.mp3</Play></Response>`;
  const call = makeCall({ "/p": doc, "/audio/captions.json": JSON.stringify({ "welcome-ab12.mp3": "Welcome to practice." }) },
    { captionsUrl: "/audio/captions.json" });
  await call.player.start("/p");
  assert.deepEqual(call.played, ["https://cdn.test/audio/welcome-ab12.mp3", `${BASE}/audio/unknown.mp3`]);
  assert.deepEqual(call.captions(), ["Welcome to practice.", "(recorded prompt)"]);
  assert.equal(call.line.requests.filter((r) => r.path === "/audio/captions.json").length, 1);
});

test("Play without a captions file is still played and captioned generically", async () => {
  const call = makeCall({ "/p": `${XML}<Response><Play>/audio/x.mp3</Play></Response>` }, { captionsUrl: "/audio/captions.json" });
  await call.player.start("/p");
  assert.deepEqual(call.played, [`${BASE}/audio/x.mp3`]);
  assert.deepEqual(call.captions(), ["(recorded prompt)"]);
});

test("Dial connects to the simulated representative", async () => {
  const call = makeCall({ "/d": `${XML}<Response><Dial>+18005551234</Dial></Response>`,
    "/voice/node/representative": `${XML}<Response><Say>Thank you for holding.</Say><Hangup/></Response>` });
  await call.player.start("/d");
  assert.deepEqual(call.line.requests.map((r) => r.path), ["/d", "/voice/node/representative"]);
  assert.deepEqual(call.captions(), ["Thank you for holding."]);
  assert.match(call.notes()[0], /simulated representative/);
});

test("Hangup and Reject end the call; nothing after them runs", async () => {
  for (const verb of ["<Hangup/>", '<Reject reason="busy"/>']) {
    const call = makeCall({ "/h": `${XML}<Response><Say>Bye.</Say>${verb}<Say>Never.</Say><Redirect>/h</Redirect></Response>` });
    await call.player.start("/h");
    assert.deepEqual(call.captions(), ["Bye."]);
    assert.equal(call.ended(), "line");
    assert.equal(call.line.requests.length, 1);
  }
});

test("An unknown verb is noted in the transcript and skipped", async () => {
  const call = makeCall({ "/u": `${XML}<Response><Say>Before.</Say><Enqueue>support</Enqueue><Say>After.</Say></Response>` });
  await call.player.start("/u");
  assert.deepEqual(call.captions(), ["Before.", "After."]);
  assert.deepEqual(call.notes(), ["Skipped <Enqueue>: the practice phone does not play it."]);
  assert.equal(call.ended(), "line");
});

test("The caller hanging up stops the speech at once and fetches nothing more", async () => {
  const call = makeCall({ "/menu": MENU }, { speakMs: 1000 });
  const done = call.player.start("/menu");
  await until(() => call.spoken.length === 1);
  const began = Date.now();
  call.player.hangup();
  await done;
  assert.ok(Date.now() - began < 200);
  assert.equal(call.ended(), "caller");
  await new Promise((r) => setTimeout(r, 20));
  assert.equal(call.events.at(-1).type, "end", "nothing may follow the end of the call");
  assert.deepEqual(call.cut, ["Press 1 for cards."]);
  assert.equal(call.line.requests.length, 1);
});

test("A reply that is not TwiML ends the call with a note, never a frozen page", async () => {
  const call = makeCall({ "/bad": "<html><body>Server error</body></html>" });
  await call.player.start("/bad");
  assert.equal(call.ended(), "error");
  assert.match(call.notes()[0], /not TwiML: the reply is <html>/);
});

test("An unreachable line ends the call with a note", async () => {
  const call = makeCall({}, { fetch: async () => { throw new Error("network down"); } });
  await call.player.start("/voice/incoming");
  assert.equal(call.ended(), "error");
  assert.match(call.notes()[0], /could not be reached \(network down\)/);
});

test("The practice token goes with every webhook request", async () => {
  const call = makeCall({ "/a": `${XML}<Response><Redirect>/b</Redirect></Response>`, "/b": BYE }, { token: "tok.en" });
  await call.player.start("/a");
  assert.deepEqual(call.line.requests.map((r) => r.headers["X-Practice-Token"]), ["tok.en", "tok.en"]);
});

/** A clock the test moves by hand: the player asks it how long ago the caller typed. */
function handClock() {
  const clock = { t: 0, now: () => clock.t };
  return clock;
}

test("Typing holds a gather past its timeout, like speechTimeout=auto; a pause after it sends the words", async () => {
  const clock = handClock();
  let box = "";
  const call = makeCall({ "/menu": MENU, "/menu/input": BYE, "/menu/silence": BYE },
    { now: clock.now, draft: () => box });
  const done = call.player.start("/menu");
  await until(() => call.player.gather);
  box = "I want";
  call.player.typing(); // at t=0 on the hand clock, which stands still: the caller is still typing
  await new Promise((r) => setTimeout(r, 150)); // three times the gather's (scaled) 5 s timeout
  assert.equal(call.line.requests.length, 1, "the line stopped waiting while the caller typed");
  assert.equal(call.events.filter((e) => e.type === "silence").length, 0);
  box = "I want to dispute a charge";
  call.player.typing();
  clock.t = 31; // just over the (scaled) 3 s pause since the last keystroke
  await done;
  assert.deepEqual(call.line.requests.map((r) => r.path), ["/menu", "/menu/input"]);
  assert.equal(call.line.requests[1].form.SpeechResult, "I want to dispute a charge");
  assert.equal(call.events.filter((e) => e.type === "silence").length, 0);
});

test("Words typed and not sent when the timer runs out are the answer, never lost", async () => {
  const call = makeCall({ "/menu": MENU, "/menu/input": BYE, "/menu/silence": BYE }, { draft: () => "  lost card " });
  await call.player.start("/menu");
  assert.deepEqual(call.line.requests.map((r) => r.path), ["/menu", "/menu/input"]);
  assert.equal(call.line.requests[1].form.SpeechResult, "lost card");
  assert.deepEqual(call.events.filter((e) => e.type === "input").map((e) => e.SpeechResult), ["lost card"]);
});

test("Typing stops the prompts of a gather that takes words (a welcome skipped), not of one for keys only", async () => {
  const call = makeCall({ "/menu": MENU, "/menu/input": BYE }, { speakMs: 300 });
  const done = call.player.start("/menu");
  await until(() => call.spoken.length === 1);
  call.player.typing();
  await until(() => call.cut.length === 1, 150); // well before the 300 ms prompt would end
  assert.equal(call.player.say("dispute"), true);
  await done;
  assert.deepEqual(call.cut, ["Press 1 for cards."]);
  assert.ok(!call.spoken.includes("Press 2 for rewards."));
  assert.equal(call.line.requests[1].form.SpeechResult, "dispute");

  const keys = `${XML}<Response><Gather action="/k" input="dtmf" numDigits="4" timeout="1"><Say>Four digits.</Say>`
    + "<Say>Any will do.</Say></Gather><Redirect>/k</Redirect></Response>";
  const digits = makeCall({ "/ask": keys, "/k": BYE }, { speakMs: 40, draft: () => "typed words" });
  const asked = digits.player.start("/ask");
  await until(() => digits.spoken.length === 1);
  digits.player.typing();
  assert.equal(digits.player.say("typed words"), false, "a gather for keys takes no words");
  await asked;
  assert.deepEqual(digits.cut, []);
  assert.deepEqual(digits.spoken, ["Four digits.", "Any will do.", "Goodbye."]);
  assert.equal(digits.line.requests[1].form.SpeechResult, undefined, "typed words are not a key");
});

test("Words sent while nothing listens for them answer the next gather that does, once its prompts end", async () => {
  const doc = `${XML}<Response><Say>Please hold.</Say><Gather action="/desk" input="dtmf speech" timeout="600">`
    + "<Say>How can I help?</Say></Gather></Response>";
  const call = makeCall({ "/hold": doc, "/desk": BYE }, { speakMs: 40 });
  const done = call.player.start("/hold");
  await until(() => call.spoken.length === 1);
  assert.equal(call.player.say("I lost my card"), false); // during "Please hold.": nothing listens yet
  await done; // long before the gather's 600 s (6 s scaled) would run out
  assert.deepEqual(call.spoken, ["Please hold.", "How can I help?", "Goodbye."]);
  assert.deepEqual(call.cut, [], "the representative's words are heard to the end first");
  assert.equal(call.line.requests[1].form.SpeechResult, "I lost my card");
  assert.equal(call.events.filter((e) => e.type === "silence").length, 0);
});

test("A <Say> in a persona's voice is spoken with that voice; the line's own <Say> with none", async () => {
  const doc = `${XML}<Response><Say>Please hold.</Say><Say voice="Polly.Matthew">Hi, this is Sam.</Say>`
    + "<Hangup/></Response>";
  const call = makeCall({ "/desk": doc });
  await call.player.start("/desk");
  assert.deepEqual(call.spoken, ["Please hold.", "Hi, this is Sam."]);
  assert.deepEqual(call.voices, [undefined, "Polly.Matthew"]);
});
