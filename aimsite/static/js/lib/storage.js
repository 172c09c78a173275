// Preferences kept in this browser (localStorage, as JSON): recent queries, hidden
// columns, the Live Update switch. Never a source of truth, so a value that is
// missing or unreadable simply gives the fallback.

export function readStored(key, fallback) {
  try {
    return JSON.parse(localStorage.getItem(key)) ?? fallback;
  } catch {
    return fallback;
  }
}

export function writeStored(key, value) {
  localStorage.setItem(key, JSON.stringify(value));
}
