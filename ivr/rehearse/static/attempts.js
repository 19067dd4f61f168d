// The rehearsal reports this browser has kept: their ids, oldest first, in localStorage. No accounts:
// the list is the only link between a person and their reports.
const KEY = "practice-line:rehearsal-reports";
const ID = /^[A-Za-z0-9_-]{1,64}$/;

/** The kept report ids, oldest first (anything malformed in storage is ignored). */
export function keptIds() {
  try {
    const ids = JSON.parse(localStorage.getItem(KEY) || "[]");
    return Array.isArray(ids) ? ids.filter((id) => typeof id === "string" && ID.test(id)) : [];
  } catch {
    return [];
  }
}

/** Keep a new report id, dropping the oldest beyond `max` (what one progress page reads). */
export function keep(id, max) {
  const ids = keptIds().filter((kept) => kept !== id);
  ids.push(id);
  localStorage.setItem(KEY, JSON.stringify(ids.slice(-max)));
}

/** Drop these ids (reports the server no longer has). */
export function forget(ids) {
  const gone = new Set(ids);
  localStorage.setItem(KEY, JSON.stringify(keptIds().filter((id) => !gone.has(id))));
}

/** Drop every kept id. */
export function forgetAll() {
  localStorage.removeItem(KEY);
}
