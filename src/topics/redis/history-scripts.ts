// The two Lua scripts of the Redis backend's history. Each runs atomically in Redis, which is what
// makes the history correct across processes: XADD and (S)PUBLISH in one script means pub/sub carries
// every topic's messages in stream-id order, whichever process published them.
//
// Each entry has fields k (kind: 't' or 'b'), p (payload) and r (the id of the entry before it).
// Trimming does not record what it removed (max-deleted-entry-id counts XDEL only), so r is what
// tells a replay whether anything between `since` and the oldest kept entry was dropped.

/** The topic's last id before this one: its newest entry's, or the stream's last generated id when trimming emptied it. */
const LAST_ID = `
local function lastId(key)
  local newest = redis.call('XREVRANGE', key, '+', '-', 'COUNT', 1)
  if #newest > 0 then return newest[1][1] end
  if redis.call('EXISTS', key) == 0 then return '0-0' end
  local info = redis.call('XINFO', 'STREAM', key)
  for i = 1, #info, 2 do
    if info[i] == 'last-generated-id' then return info[i + 1] end
  end
  return '0-0'
end
`;

const TRIM_BY_AGE = `
local function trimByAge(key, maxAge)
  if maxAge == '0' or redis.call('EXISTS', key) == 0 then return end
  local now = redis.call('TIME')
  local oldest = tonumber(now[1]) * 1000 + math.floor(tonumber(now[2]) / 1000) - tonumber(maxAge)
  redis.call('XTRIM', key, 'MINID', string.format('%d', oldest) .. '-0')
end
`;

/**
 * KEYS[1] the topic's stream. ARGV: [1] channel, [2] the pub/sub header (kind and origin),
 * [3] payload, [4] maxMessages, [5] maxAge in ms ('0': none), [6] 't' or 'b'. Returns the id.
 * The pub/sub message is the header, the id's length (one byte), the id, the payload, sent with
 * `command`: PUBLISH, or SPUBLISH in a cluster, where the channel must hash to KEYS[1]'s slot (the
 * backend gives both the same name). Two scripts rather than one taking the command as an argument,
 * so that one server's script stays what it was.
 */
export function publishScript(command: 'PUBLISH' | 'SPUBLISH'): string {
  return `${LAST_ID}${TRIM_BY_AGE}
local previous = lastId(KEYS[1])
local id = redis.call('XADD', KEYS[1], 'MAXLEN', '=', ARGV[4], '*', 'k', ARGV[6], 'p', ARGV[3], 'r', previous)
trimByAge(KEYS[1], ARGV[5])
redis.call('${command}', ARGV[1], ARGV[2] .. string.char(#id) .. id .. ARGV[3])
return id
`;
}

/**
 * KEYS[1] the topic's stream. ARGV: [1] since: '' for none (no entries, no gap), '-' for something
 * that is not an id (every kept entry, a gap), else the id; [2] maxAge in ms ('0': none). Returns
 * { last id, gap (1 or 0), the entries after since }.
 *
 * A replay from \`since\` is whole only when \`since\` is an id this very stream gave and still
 * accounts for: a kept entry's id, the id the oldest kept entry records as its predecessor (unless
 * '0-0', which a stream's first entry records when it was created by a publish: after FLUSHALL, a
 * restart without persistence, eviction or DEL), or the last generated id of an empty stream.
 * Anything else is an id from before a trim, from an older incarnation of the key, or never given:
 * a gap. Comparing ids would not do: a recreated stream's ids are all greater than the lost one's,
 * so an old \`since\` sorts before its first entry just as a trimmed one does.
 *
 * A missing stream is created here, empty, with an anchor: an entry added and deleted at once, so
 * that its id is the stream's last generated id (the \`last\` answered, never ''), and the first
 * entry published records it as its predecessor. A subscriber's point is then always an id of
 * this incarnation: a stream lost and recreated after it, even before anything was published, is
 * told from the same stream gone on (one whose first entry records '0-0' or another anchor).
 */
export const REPLAY_SCRIPT = `${LAST_ID}${TRIM_BY_AGE}
local since = ARGV[1]
if redis.call('EXISTS', KEYS[1]) == 0 then
  local anchor = redis.call('XADD', KEYS[1], '*', 'k', 'a')
  redis.call('XDEL', KEYS[1], anchor)
  if since == '' then return { anchor, 0, {} } end
  return { anchor, 1, {} }
end
trimByAge(KEYS[1], ARGV[2])
local last = lastId(KEYS[1])
if since == '' then return { last, 0, {} } end
if since == '-' then return { last, 1, redis.call('XRANGE', KEYS[1], '-', '+') } end
local entries = redis.call('XRANGE', KEYS[1], '(' .. since, '+')
if #redis.call('XRANGE', KEYS[1], since, since, 'COUNT', 1) > 0 then return { last, 0, entries } end
local oldest = redis.call('XRANGE', KEYS[1], '-', '+', 'COUNT', 1)
if #oldest == 0 then
  if since == last and since ~= '0-0' then return { last, 0, entries } end
  return { last, 1, entries }
end
local fields = oldest[1][2]
for i = 1, #fields, 2 do
  if fields[i] == 'r' and fields[i + 1] == since and since ~= '0-0' then return { last, 0, entries } end
end
return { last, 1, entries }
`;
