import { channel, type Channel } from 'node:diagnostics_channel';

/** Which way data flows on a connection: what the peer sent us, or what we send it. */
export type Direction = 'receive' | 'send';

/**
 * @internal The channel objects, one per name (their messages: `UpsocketChannels` in
 * channel-messages.ts); `publish.ts` is the only code that publishes.
 */
export const channels: Readonly<Record<
  'upgrade' | 'refused' | 'open' | 'close' | 'error' | 'heartbeatTimeout' | 'pause' | 'resume' | 'message' | 'publish' | 'deliver' | 'slowSubscriber' | 'topicGap',
  Channel
>> = {
  upgrade: channel('upsocket:upgrade'),
  refused: channel('upsocket:refused'),
  open: channel('upsocket:open'),
  close: channel('upsocket:close'),
  error: channel('upsocket:error'),
  heartbeatTimeout: channel('upsocket:heartbeat-timeout'),
  pause: channel('upsocket:pause'),
  resume: channel('upsocket:resume'),
  message: channel('upsocket:message'),
  publish: channel('upsocket:publish'),
  deliver: channel('upsocket:deliver'),
  slowSubscriber: channel('upsocket:slow-subscriber'),
  topicGap: channel('upsocket:topic-gap'),
};

/** @internal Every channel name, for subscribers that listen to all of them. */
export const channelNames: readonly string[] = Object.freeze(Object.values(channels).map((each) => each.name as string));
