/**
 * Stable error codes. Every error upsocket throws or rejects with carries one of these in `code`;
 * docs/errors.md lists them with what to do about each.
 */
export type ErrorCode =
  | 'UPSOCKET_CLOSED'
  | 'UPSOCKET_NOT_ATTACHED'
  | 'UPSOCKET_ALREADY_ATTACHED'
  | 'UPSOCKET_ALREADY_HANDLED'
  | 'UPSOCKET_INVALID_OPTION'
  | 'UPSOCKET_INVALID_CLOSE_CODE'
  | 'UPSOCKET_INVALID_PAYLOAD'
  | 'UPSOCKET_HANDSHAKE_FAILED'
  | 'UPSOCKET_HANDSHAKE_TIMEOUT'
  | 'UPSOCKET_CONNECT_FAILED'
  | 'UPSOCKET_INVALID_TOPIC'
  | 'UPSOCKET_TOPICS_CLOSED'
  | 'UPSOCKET_BACKEND_UNAVAILABLE'
  /** `upsocket/browser`'s `send()` with a full queue (raised as its own `ResumableError`). */
  | 'UPSOCKET_QUEUE_FULL';

/**
 * Base class of every error upsocket raises. Test `error.code`, not the message.
 *
 * @example
 * try { open(req, handler) } catch (error) {
 *   if (error instanceof UpsocketError && error.code === 'UPSOCKET_NOT_ATTACHED') ...
 * }
 */
export class UpsocketError extends Error {
  readonly code: ErrorCode;

  constructor(code: ErrorCode, message: string) {
    super(message);
    this.name = 'UpsocketError';
    this.code = code;
  }
}

const closeCodeNames: Record<number, string> = {
  1000: 'normally',
  1001: 'going away',
  1002: 'protocol error',
  1003: 'unsupported data',
  1005: 'without a status code',
  1006: 'abnormally',
  1007: 'invalid payload data',
  1008: 'policy violation',
  1009: 'message too big',
  1010: 'missing extension',
  1011: 'internal error',
  1012: 'service restart',
  1013: 'try again later',
};

/**
 * The connection is closed: raised by `read()` and iteration for an unclean close, and by writes
 * after the connection closed. `closeCode` and `reason` are the WebSocket close code and reason.
 *
 * @example
 * try { for await (const m of connection) ... } catch (error) {
 *   if (error instanceof ClosedError) console.log(error.closeCode) // e.g. 1006
 * }
 */
export class ClosedError extends UpsocketError {
  declare readonly code: 'UPSOCKET_CLOSED';
  readonly closeCode: number;
  readonly reason: string;

  constructor(closeCode: number, reason = '', action?: string) {
    const how = closeCodeNames[closeCode] ?? 'with code';
    const detail = reason === '' ? '' : `: ${reason}`;
    const prefix = action === undefined ? '' : `Cannot ${action}: `;
    super('UPSOCKET_CLOSED', `${prefix}Connection closed ${how} (${closeCode})${detail}`);
    this.name = 'ClosedError';
    this.closeCode = closeCode;
    this.reason = reason;
  }
}
