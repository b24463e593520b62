// The admin API from the browser: credentials kept for the tab (sessionStorage), JSON in and out.
// A 401 on any call after login runs the handler app.js registers (back to the login form).
const KEY = "aviary-auth";
let onUnauthorized = () => {};

/** An API refusal with its status, stable code and body. */
export class ApiError extends Error {
  constructor(status, body) {
    super(body.message ?? `HTTP ${status}`);
    this.status = status;
    this.code = body.code;
    this.body = body;
  }
}

export function setCredentials(username, password) {
  sessionStorage.setItem(KEY, "Basic " + btoa(`${username}:${password}`));
}

export function clearCredentials() {
  sessionStorage.removeItem(KEY);
}

export function hasCredentials() {
  return sessionStorage.getItem(KEY) !== null;
}

/** What to do when a call is refused with 401 (the credentials no longer work). */
export function setUnauthorizedHandler(fn) {
  onUnauthorized = fn;
}

/** Calls `/api/v1<path>`; `body` is JSON or a FormData. Rejects with ApiError. */
export async function api(method, path, body) {
  const headers = {};
  const auth = sessionStorage.getItem(KEY);
  if (auth) headers.authorization = auth;
  let payload;
  if (body instanceof FormData) payload = body;
  else if (body !== undefined) {
    payload = JSON.stringify(body);
    headers["content-type"] = "application/json";
  }
  const res = await fetch(`/api/v1${path}`, { method, headers, body: payload });
  const text = await res.text();
  let data = {};
  try {
    data = text ? JSON.parse(text) : {};
  } catch {
    data = { message: `HTTP ${res.status}: ${text.slice(0, 200)}` };
  }
  if (!res.ok) {
    const err = new ApiError(res.status, data);
    if (res.status === 401) onUnauthorized(err);
    throw err;
  }
  return data;
}
