// The LangGraph server's own API, as the pages use it: JSON requests, and runs streamed as
// server-sent events read from `fetch` (EventSource cannot send the credential headers).
// Every failure becomes a ServerError with a `kind` the pages turn into a plain sentence.

/** A failed request, sorted into what the person in front of the page can do about it. */
export class ServerError extends Error {
  /**
   * @param {string} kind unreachable | expired | unauthorized | forbidden | not_found |
   *   too_large | rate_limited | invalid | server
   */
  constructor(kind, message, { status = 0, retryAfter = null } = {}) {
    super(message);
    this.kind = kind;
    this.status = status;
    this.retryAfter = retryAfter;
  }
}

function kindOf(status, detail) {
  if (status === 401) return /expired/i.test(detail) ? "expired" : "unauthorized";
  if (status === 403) return "forbidden";
  if (status === 404) return "not_found";
  if (status === 413) return "too_large";
  if (status === 429) return "rate_limited";
  if (status === 400 || status === 409 || status === 422) return "invalid";
  return "server";
}

async function errorFrom(response) {
  let detail = response.statusText;
  try {
    const body = await response.json();
    detail = typeof body.detail === "string" ? body.detail : JSON.stringify(body.detail ?? body);
  } catch {
    // Not JSON (a proxy's error page, say): the status says enough.
  }
  const retry = Number.parseInt(response.headers.get("retry-after") ?? "", 10);
  return new ServerError(kindOf(response.status, detail), detail, {
    status: response.status,
    retryAfter: Number.isFinite(retry) ? retry : null,
  });
}

async function send(path, { method = "GET", body, headers = {}, signal } = {}) {
  let response;
  try {
    response = await fetch(path, {
      method,
      signal,
      headers: { ...(body === undefined ? {} : { "content-type": "application/json" }), ...headers },
      body: body === undefined ? undefined : JSON.stringify(body),
    });
  } catch (error) {
    if (error.name === "AbortError") throw error;
    throw new ServerError("unreachable", "the server cannot be reached");
  }
  if (!response.ok) throw await errorFrom(response);
  return response;
}

/** A JSON request to the server; resolves to the parsed body. */
export async function request(path, options = {}) {
  const response = await send(path, options);
  if (response.status === 204) return null;
  return response.json();
}

/**
 * Server-sent events from a stream of bytes: yields {event, data} with `data` parsed as JSON.
 * Events are separated by a blank line; fields are `event:` and `data:` (several data lines
 * are joined with newlines); lines starting with ":" are comments (the server's heartbeat).
 */
export async function* readEvents(body) {
  const reader = body.getReader();
  const decoder = new TextDecoder();
  let raw = ""; // decoded, line ends not yet normalised
  let buffer = ""; // line ends normalised to "\n"
  try {
    for (;;) {
      const { value, done } = await reader.read();
      raw += decoder.decode(value ?? new Uint8Array(), { stream: !done });
      // A "\r" at the end may be the first half of a "\r\n" still on its way.
      const cut = !done && raw.endsWith("\r") ? raw.length - 1 : raw.length;
      buffer += raw.slice(0, cut).replace(/\r\n?/g, "\n");
      raw = raw.slice(cut);
      let end;
      while ((end = buffer.indexOf("\n\n")) !== -1) {
        const block = buffer.slice(0, end);
        buffer = buffer.slice(end + 2);
        const parsed = parseEvent(block);
        if (parsed) yield parsed;
      }
      if (done) break;
    }
  } finally {
    reader.releaseLock();
  }
  const last = parseEvent(buffer);
  if (last) yield last;
}

function parseEvent(block) {
  let event = "message";
  const data = [];
  for (const line of block.split("\n")) {
    if (!line || line.startsWith(":")) continue;
    const colon = line.indexOf(":");
    const field = colon === -1 ? line : line.slice(0, colon);
    const value = colon === -1 ? "" : line.slice(colon + 1).replace(/^ /, "");
    if (field === "event") event = value;
    else if (field === "data") data.push(value);
  }
  if (!data.length) return null;
  const text = data.join("\n");
  try {
    return { event, data: JSON.parse(text) };
  } catch {
    return { event, data: text };
  }
}

/**
 * Start a run on a thread and stream it (`POST /threads/{id}/runs/stream`): one request
 * creates the run and joins its stream. Yields {event, data}; an `error` event is thrown.
 */
export async function* streamRun(threadId, run, { headers = {}, signal } = {}) {
  const response = await send(`/threads/${encodeURIComponent(threadId)}/runs/stream`, {
    method: "POST",
    body: run,
    headers: { accept: "text/event-stream", ...headers },
    signal,
  });
  try {
    for await (const item of readEvents(response.body)) {
      if (item.event === "error") {
        const message = item.data?.message ?? item.data?.error ?? "the interview hit an error";
        throw new ServerError("server", String(message));
      }
      yield item;
    }
  } catch (error) {
    if (error instanceof ServerError || error.name === "AbortError") throw error;
    throw new ServerError("unreachable", "the connection to the server was lost");
  }
}

/** The text of a LangGraph message's content (a string, or a list of content blocks). */
export function messageText(content) {
  if (typeof content === "string") return content;
  if (Array.isArray(content)) {
    return content.map((block) => (typeof block === "string" ? block : block?.text ?? "")).join("");
  }
  return "";
}

/** A label for people from an identifier: `problem_solving` -> `Problem solving`. */
export function label(identifier) {
  const text = String(identifier ?? "").replaceAll("_", " ");
  return text.charAt(0).toUpperCase() + text.slice(1);
}

/** Create an element with attributes and children (strings become text, never HTML). */
export function el(tag, attributes = {}, ...children) {
  const node = document.createElement(tag);
  for (const [name, value] of Object.entries(attributes)) {
    if (value === undefined || value === null || value === false) continue;
    if (name === "class") node.className = value;
    else if (name === "dataset") Object.assign(node.dataset, value);
    else if (name.startsWith("on")) node.addEventListener(name.slice(2), value);
    else node.setAttribute(name, value === true ? "" : value);
  }
  for (const child of children.flat(Infinity)) {
    if (child === undefined || child === null || child === false) continue;
    node.append(child instanceof Node ? child : String(child));
  }
  return node;
}
