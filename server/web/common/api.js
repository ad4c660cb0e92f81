// JSON calls to the hall API. Errors arrive as {"error": {"code", "message", "details"}};
// they are thrown as ApiError: the page says the code in its own words, with what `details`
// gives them (a time, a ticket number); the server's message is a fallback.
export class ApiError extends Error {
  constructor(status, code, message, details = {}) {
    super(message);
    this.status = status;
    this.code = code;
    this.details = details;
  }
}

export async function api(path, { method = "GET", body, token, signal } = {}) {
  const headers = {};
  if (token) headers.Authorization = `Bearer ${token}`;
  if (body !== undefined) headers["Content-Type"] = "application/json";
  let response;
  try {
    response = await fetch(path, { method, headers, signal, body: body === undefined ? undefined : JSON.stringify(body) });
  } catch (err) {
    throw new ApiError(0, "unreachable", "无法连接服务器 (server unreachable)");
  }
  const data = await response.json().catch(() => ({}));
  if (!response.ok) {
    const error = data.error || {};
    throw new ApiError(response.status, error.code || "error", error.message || `HTTP ${response.status}`,
                       error.details || {});
  }
  return data;
}

export function tokenFromUrl() {
  return new URLSearchParams(location.search).get("token");
}
