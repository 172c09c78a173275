// fetch wrapper: same-origin credentials, CSRF header, JSON in and out,
// errors thrown as ApiError carrying the server's human message.

export class ApiError extends Error {
  constructor(message, status, body) {
    super(message);
    this.status = status;
    this.body = body;
  }
}

export function csrfToken() {
  const match = document.cookie.match(/(?:^|;\s*)csrftoken=([^;]+)/);
  if (match) return decodeURIComponent(match[1]);
  return document.querySelector("input[name=csrfmiddlewaretoken]")?.value || "";
}

export async function api(path, { method = "GET", body, headers = {}, signal } = {}) {
  const init = { method, credentials: "same-origin", signal, headers: { Accept: "application/json", ...headers } };
  if (method !== "GET" && method !== "HEAD") init.headers["X-CSRFToken"] = csrfToken();
  if (body instanceof FormData) {
    init.body = body;
  } else if (body !== undefined) {
    init.headers["Content-Type"] = "application/json";
    init.body = JSON.stringify(body);
  }
  const response = await fetch(path, init);
  const text = await response.text();
  let data = null;
  try { data = text ? JSON.parse(text) : null; } catch { data = text; }
  if (!response.ok) {
    const message = (data && data.error) || `Request failed (${response.status})`;
    throw new ApiError(message, response.status, data);
  }
  return data;
}

/** GET a binary answer (`accept`: its media type) as an ArrayBuffer; a refusal is
 *  JSON and throws ApiError with the server's message, as api() does. */
export async function apiBytes(path, { accept, signal } = {}) {
  const response = await fetch(path, { credentials: "same-origin", signal, headers: { Accept: accept } });
  if (response.ok) return response.arrayBuffer();
  const text = await response.text();
  let data = null;
  try { data = text ? JSON.parse(text) : null; } catch { data = text; }
  throw new ApiError((data && data.error) || `Request failed (${response.status})`, response.status, data);
}
