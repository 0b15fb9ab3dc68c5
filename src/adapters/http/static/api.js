// The public API of API.md as the page uses it: JSON requests with the bearer token, problem
// details turned into errors, and the streamed reply read as server-sent events.

export class ApiError extends Error {
  constructor(status, problem, retryAfter) {
    super(problem?.detail || `the server answered ${status}`);
    this.status = status;
    this.code = problem?.code || null;
    this.problem = problem;
    this.retryAfter = Number(retryAfter) || 1;
  }
}

const client = { token: () => null, onUnauthorized: () => {} };

// `token()` gives the bearer token of each request; `onUnauthorized(error)` hears every 401.
export function configure({ token, onUnauthorized }) {
  client.token = token;
  client.onUnauthorized = onUnauthorized;
}

function headers(extra = {}) {
  return { Authorization: `Bearer ${client.token()}`, Accept: "application/json", ...extra };
}

export async function problemOf(response) {
  let problem = null;
  try {
    problem = await response.json();
  } catch {
    problem = null;
  }
  const error = new ApiError(response.status, problem, response.headers.get("Retry-After"));
  if (response.status === 401) client.onUnauthorized(error);
  return error;
}

export async function api(method, path, body) {
  const init = { method, headers: headers() };
  if (body !== undefined) {
    init.headers["Content-Type"] = "application/json";
    init.body = JSON.stringify(body);
  }
  const response = await fetch(path, init);
  if (!response.ok) throw await problemOf(response);
  return response.json();
}

// POST /api/chat asking for the reply as a stream: the response, to be read with readEvents.
export function sendForStream(request) {
  return fetch("/api/chat", {
    method: "POST",
    headers: headers({ "Content-Type": "application/json", Accept: "text/event-stream" }),
    body: JSON.stringify(request),
  });
}

export const conversationPath = (id) => `/api/conversations/${encodeURIComponent(id)}`;

// Dev mode only: a token for `userId` from POST /dev/token.
export async function issueDevToken(userId) {
  const response = await fetch("/dev/token", {
    method: "POST",
    headers: { "Content-Type": "application/json", Accept: "application/json" },
    body: JSON.stringify({ user_id: userId }),
  });
  if (!response.ok) {
    const problem = await response.json().catch(() => null);
    throw new ApiError(response.status, problem, null);
  }
  const { token } = await response.json();
  return token;
}

// Server-sent events from a fetch body: calls onEvent(name, data) for each complete event.
export async function readEvents(response, onEvent) {
  const reader = response.body.pipeThrough(new TextDecoderStream()).getReader();
  let buffer = "";
  for (;;) {
    const { value, done } = await reader.read();
    if (done) break;
    buffer += value;
    // A "\r" at the end may be the first half of a "\r\n": keep it for the next chunk.
    const held = buffer.endsWith("\r") ? "\r" : "";
    buffer = buffer.slice(0, buffer.length - held.length).replace(/\r\n?/g, "\n");
    let end = buffer.indexOf("\n\n");
    while (end !== -1) {
      dispatch(buffer.slice(0, end), onEvent);
      buffer = buffer.slice(end + 2);
      end = buffer.indexOf("\n\n");
    }
    buffer += held;
  }
  if (buffer.trim()) dispatch(buffer.replace(/\r\n?/g, "\n"), onEvent);
}

function dispatch(block, onEvent) {
  let name = "message";
  const data = [];
  for (const line of block.split("\n")) {
    if (!line || line.startsWith(":")) continue;
    const colon = line.indexOf(":");
    const field = colon === -1 ? line : line.slice(0, colon);
    let value = colon === -1 ? "" : line.slice(colon + 1);
    if (value.startsWith(" ")) value = value.slice(1);
    if (field === "event") name = value;
    if (field === "data") data.push(value);
  }
  if (data.length) onEvent(name, JSON.parse(data.join("\n")));
}

// One per typed message, reused by every retry of it: `^[A-Za-z0-9._:-]{1,64}$`.
export function newClientMessageId() {
  if (typeof crypto.randomUUID === "function") return `web-${crypto.randomUUID()}`;
  const bytes = crypto.getRandomValues(new Uint8Array(16));
  return `web-${Array.from(bytes, (b) => b.toString(16).padStart(2, "0")).join("")}`;
}

export const sleep = (ms) => new Promise((resolve) => setTimeout(resolve, ms));
