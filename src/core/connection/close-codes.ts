import { UpsocketError } from './errors.js';

/**
 * Close codes after which `read()` returns null instead of rejecting: normal ends, and 1012
 * (service restart), which a server's `close()` sends by default and is no error of anyone's.
 */
export function isCleanClose(code: number): boolean {
  return code === 1000 || code === 1001 || code === 1005 || code === 1012;
}

/** Throws unless `code` may be sent in a close frame and `reason` fits in one (RFC 6455 §7.4). */
export function assertSendableClose(code: number, reason: string): void {
  const sendable =
    Number.isInteger(code) &&
    ((code >= 1000 && code <= 1003) || (code >= 1007 && code <= 1014) || (code >= 3000 && code <= 4999));
  if (!sendable) {
    throw new UpsocketError(
      'UPSOCKET_INVALID_CLOSE_CODE',
      `close(${code}): use 1000-1003, 1007-1014 or an application code in 3000-4999`,
    );
  }
  if (Buffer.byteLength(reason) > 123) {
    throw new UpsocketError('UPSOCKET_INVALID_CLOSE_CODE', 'close(): the reason must fit in 123 bytes of UTF-8');
  }
}
