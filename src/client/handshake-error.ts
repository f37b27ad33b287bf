import { STATUS_CODES, type IncomingHttpHeaders } from 'node:http';
import { UpsocketError } from '../core/index.js';

/** Why a client's opening handshake failed; each is a stable `code` of `HandshakeError`. */
export type HandshakeErrorCode = 'UPSOCKET_HANDSHAKE_FAILED' | 'UPSOCKET_HANDSHAKE_TIMEOUT' | 'UPSOCKET_CONNECT_FAILED';

/** What the server answered instead of a valid 101, as `HandshakeError` reports it. */
export interface HandshakeAnswer {
  /** The HTTP status; 0 when no HTTP answer arrived. */
  status: number;
  headers: IncomingHttpHeaders;
  /** The response body as UTF-8 (at most the first 64 KiB). */
  body: string;
}

/**
 * `connect()` (or `inject()`) did not get a WebSocket. `code` says how far it got:
 * - `UPSOCKET_HANDSHAKE_FAILED`: the server answered, but not with a valid 101. `status`,
 *   `headers` and `body` are its answer (a 401 from auth middleware, a 404, a 400 naming the
 *   subprotocols it speaks); for an invalid 101 `status` is 101 and the message says what was wrong.
 * - `UPSOCKET_HANDSHAKE_TIMEOUT`: no answer within `handshakeTimeout`. `status` is 0.
 * - `UPSOCKET_CONNECT_FAILED`: the network failed before an answer (refused, reset, DNS);
 *   `cause` is the underlying error. `status` is 0.
 *
 * @example
 * try {
 *   await connect('wss://api.example/feed', { headers: { authorization: `Bearer ${token}` } })
 * } catch (error) {
 *   if (error instanceof HandshakeError && error.status === 401) await refreshToken()
 * }
 */
export class HandshakeError extends UpsocketError implements HandshakeAnswer {
  declare readonly code: HandshakeErrorCode;
  readonly status: number;
  readonly headers: IncomingHttpHeaders;
  readonly body: string;

  constructor(code: HandshakeErrorCode, message: string, answer: HandshakeAnswer = { status: 0, headers: {}, body: '' }, cause?: unknown) {
    super(code, message);
    this.name = 'HandshakeError';
    this.status = answer.status;
    this.headers = answer.headers;
    this.body = answer.body;
    if (cause !== undefined) this.cause = cause;
  }
}

/** @internal The message for a refused handshake: the status line and the start of the body. */
export function describeRefusal(url: string, answer: HandshakeAnswer): string {
  const firstLine = answer.body.split('\n', 1)[0]?.trim().slice(0, 200) ?? '';
  const detail = firstLine === '' ? '' : `: ${firstLine}`;
  return `WebSocket handshake with ${url} was refused with HTTP ${answer.status} ${STATUS_CODES[answer.status] ?? ''}`.trimEnd() + detail;
}
