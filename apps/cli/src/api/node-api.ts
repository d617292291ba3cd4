/** An error answer of a node's API: its status and the standard error body's code and message. */
export class ApiError extends Error {
  constructor(
    readonly status: number,
    readonly code: string,
    message: string,
  ) {
    super(message);
    this.name = 'ApiError';
  }
}

/**
 * What a call sends: JSON (an object), text with its content type (a CSV or NDJSON file), or a
 * stream with its content type (a file of any size, read as the node takes it).
 */
export type ApiBody =
  | { json: unknown }
  | { text: string | Uint8Array; contentType: string }
  | { stream: ReadableStream<Uint8Array>; contentType: string };

/**
 * A node's HTTP API as the command line and the local federation use it: the base URL, and the
 * bearer token of the account it acts as. Every answer outside 2xx becomes an `ApiError`.
 */
export class NodeApi {
  constructor(
    readonly url: string,
    private token: string | null = null,
  ) {}

  /** Signs in with a username and password; later calls carry the token. */
  async login(username: string, password: string): Promise<this> {
    const answer = await this.call<{ accessToken: string }>('POST', '/auth/token', {
      json: { username, password },
    });
    this.token = answer.accessToken;
    return this;
  }

  get bearer(): string | null {
    return this.token;
  }

  async call<T>(method: string, path: string, body?: ApiBody): Promise<T> {
    const response = await this.raw(method, path, body);
    const text = await response.text();
    let parsed: unknown;
    try {
      parsed = text.length > 0 ? JSON.parse(text) : undefined;
    } catch {
      parsed = undefined;
    }
    if (!response.ok) {
      const error = (parsed ?? {}) as { code?: string; message?: string };
      throw new ApiError(
        response.status,
        error.code ?? `HTTP_${response.status}`,
        error.message ?? (text.slice(0, 200) || response.statusText),
      );
    }
    return parsed as T;
  }

  /** The response as it came, for downloads. */
  async raw(method: string, path: string, body?: ApiBody): Promise<Response> {
    const headers: Record<string, string> = {};
    if (this.token) headers.authorization = `Bearer ${this.token}`;
    let payload: string | Uint8Array | ReadableStream<Uint8Array> | undefined;
    if (body && 'json' in body) {
      headers['content-type'] = 'application/json';
      payload = JSON.stringify(body.json);
    } else if (body && 'stream' in body) {
      headers['content-type'] = body.contentType;
      payload = body.stream;
    } else if (body) {
      headers['content-type'] = body.contentType;
      payload = body.text;
    }
    try {
      // A streamed body is sent as it is read ("half" duplex: the answer comes after it).
      const streamed = body !== undefined && 'stream' in body;
      return await fetch(new URL(path, this.url), {
        method,
        headers,
        body: payload,
        ...(streamed ? { duplex: 'half' as const } : {}),
      });
    } catch (error) {
      const reason =
        error instanceof Error
          ? ((error.cause as Error | undefined)?.message ?? error.message)
          : String(error);
      throw new ApiError(0, 'NODE_UNREACHABLE', `cannot reach ${this.url}: ${reason}`);
    }
  }
}
