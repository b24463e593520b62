// The admin API from the browser: credentials kept for the tab (sessionStorage), JSON in and out.
const KEY = "aviary-auth";

/** An API refusal with its stable code and body. */
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
  const data = text ? JSON.parse(text) : {};
  if (!res.ok) throw new ApiError(res.status, data);
  return data;
}
