// The two Lua scripts of the Redis backend's history. Each runs atomically in Redis, which is what
// makes the history correct across processes: XADD and PUBLISH in one script means pub/sub carries
// every topic's messages in stream-id order, whichever process published them.

/**
 * KEYS[1] the topic's stream. ARGV: [1] channel, [2] the pub/sub header (kind and origin),
 * [3] payload, [4] maxMessages, [5] maxAge in ms ('0': none), [6] 't' or 'b'. Returns the id.
 * The pub/sub message is the header, the id's length (one byte), the id, the payload.
 */
export const PUBLISH_SCRIPT = `
local id = redis.call('XADD', KEYS[1], 'MAXLEN', '=', ARGV[4], '*', 'k', ARGV[6], 'p', ARGV[3])
if ARGV[5] ~= '0' then
  local now = redis.call('TIME')
  local oldest = tonumber(now[1]) * 1000 + math.floor(tonumber(now[2]) / 1000) - tonumber(ARGV[5])
  redis.call('XTRIM', KEYS[1], 'MINID', string.format('%d', oldest) .. '-0')
end
redis.call('PUBLISH', ARGV[1], ARGV[2] .. string.char(#id) .. id .. ARGV[3])
return id
`;

/**
 * KEYS[1] the topic's stream. ARGV: [1] where XRANGE starts ('' for no entries at all),
 * [2] maxAge in ms ('0': none). Returns { last-generated-id, max-deleted-entry-id, entries }, or
 * { '', '', {} } when the stream does not exist.
 */
export const REPLAY_SCRIPT = `
if redis.call('EXISTS', KEYS[1]) == 0 then return { '', '', {} } end
if ARGV[2] ~= '0' then
  local now = redis.call('TIME')
  local oldest = tonumber(now[1]) * 1000 + math.floor(tonumber(now[2]) / 1000) - tonumber(ARGV[2])
  redis.call('XTRIM', KEYS[1], 'MINID', string.format('%d', oldest) .. '-0')
end
local info = redis.call('XINFO', 'STREAM', KEYS[1])
local last, deleted = '', ''
for i = 1, #info, 2 do
  if info[i] == 'last-generated-id' then last = info[i + 1] end
  if info[i] == 'max-deleted-entry-id' then deleted = info[i + 1] end
end
if ARGV[1] == '' then return { last, deleted, {} } end
return { last, deleted, redis.call('XRANGE', KEYS[1], ARGV[1], '+') }
`;
