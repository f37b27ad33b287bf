// The options of `reconnecting()`: their types, defaults and checks (the client itself is reconnect.ts).
import { backoffOptions, type Backoff, type BackoffOptions } from './backoff.js';
import { connectOptions, type ClientSettings, type ConnectOptions } from './options.js';
import { UpsocketError, type CloseInfo } from '../core/index.js';
import { defineOptions } from '../core/internal.js';
import { HandshakeError } from './handshake-error.js';
import type { PresenceMemberEvent } from './resume.js';

/** What `onReconnect` is told before each new attempt. */
export interface ReconnectEvent {
  /** 1 for the first retry after a connection ended; counts up while attempts fail, back to 1 once one opens. */
  attempt: number;
  /**
   * How long the client waits before this attempt, in ms: the backoff; after a 503 or 429 with
   * `Retry-After`, at least what the server asked (up to `maxDelay`) plus jitter; after a close
   * with 1001, 1012 or 1013, a random delay spread over `restartDelay`.
   */
  delay: number;
  /** How the previous connection closed, when there was one. */
  closed?: CloseInfo;
  /** Why the previous attempt failed (a `HandshakeError`, usually), when it did. */
  error?: unknown;
}

/** Options of `reconnecting()`: those of `connect()` (used for every attempt) and the backoff. */
export interface ReconnectOptions extends ConnectOptions, BackoffOptions {
  /** Called before each new attempt; use it to log or count reconnects. */
  onReconnect?: ((event: ReconnectEvent) => void) | undefined;
  /**
   * Whether a failed attempt is worth repeating. Default: all but refusals with a 4xx status other
   * than 408 and 429 (a 401 or 404 will not fix itself). When it returns false the client stops
   * and the error goes to `onError`.
   */
  shouldRetry?: ((error: unknown) => boolean) | undefined;
  /** Receives what the handler throws and the error the client gave up on. Default: logs them to stderr. */
  onError?: ((error: unknown) => void) | undefined;
  /**
   * Resume upsocket topics across reconnects (docs/client.md, "Resuming topics"): keep the last envelope id per
   * topic, ask for what came after it on each reconnect (`upsocket-resume` query parameter), drop
   * envelope messages already seen, and consume the seam markers (a gap goes to `onGap`). Other
   * messages reach the handler unchanged. Default: false (messages untouched, URL unchanged).
   */
  resume?: boolean | undefined;
  /** With `resume`: the server could not replay everything since the last id of `topic` (trimmed history); resync it. */
  onGap?: ((topic: string) => void) | undefined;
  /**
   * With `resume`: a member of a topic whose presence the server sends (`subscribe(…, { presence: true })`)
   * joined, left or changed. The presence frames are consumed; `client.presence(topic)` is the list,
   * replaced by the server's state after each reconnect.
   */
  onPresence?: ((event: PresenceMemberEvent) => void) | undefined;
}

/** `connecting` (an attempt runs), `open`, `waiting` (for the next attempt) or `stopped`. */
export type ReconnectState = 'connecting' | 'open' | 'waiting' | 'stopped';

function retryUnlessClientError(error: unknown): boolean {
  if (!(error instanceof HandshakeError) || error.code !== 'UPSOCKET_HANDSHAKE_FAILED') return true;
  return error.status < 400 || error.status >= 500 || error.status === 408 || error.status === 429;
}

/** @internal `ReconnectOptions` with every default applied; `onError`'s default names the URL, so it is applied later. */
export type ReconnectSettings = ClientSettings &
  Backoff &
  Pick<ReconnectOptions, 'onReconnect' | 'onError' | 'onGap' | 'onPresence'> & { shouldRetry: (error: unknown) => boolean; resume: boolean };

/** @internal The options of `reconnecting()`: defaults and checks. */
export const reconnectOptions = defineOptions<ReconnectSettings>(
  {
    ...connectOptions.specs,
    ...backoffOptions.specs,
    onReconnect: { default: undefined },
    shouldRetry: { default: retryUnlessClientError },
    onError: { default: undefined },
    resume: { default: false },
    onGap: { default: undefined },
    onPresence: { default: undefined },
  },
  (settings) => {
    backoffOptions.validate(settings);
    if (settings.onGap !== undefined && !settings.resume) throw new UpsocketError('UPSOCKET_INVALID_OPTION', 'reconnecting(): onGap needs resume: true');
    if (settings.onPresence !== undefined && !settings.resume) throw new UpsocketError('UPSOCKET_INVALID_OPTION', 'reconnecting(): onPresence needs resume: true');
  },
);
