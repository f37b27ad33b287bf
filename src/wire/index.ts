// The wire format of topics (docs/protocol.md): the envelope, message ids, resume points and the
// seam rule. Imports nothing, not even node: modules, so the server (src/topics), the Node client
// (src/client) and the self-contained browser bundle (src/browser) all read this one copy.
export { decodeBinary, envelopeText, parseEnvelope, parseEnvelopeJson, seamText, type EnvelopeMessage, type EnvelopeSeam } from './envelope.js';
export { compareIds, parseId } from './ids.js';
export { RESUME_PARAMETER, resumePoints, ResumePoints } from './resume-points.js';
export { seamMeansGap } from './seam.js';
export { PresenceList, presenceDiffText, presenceStateText, type EnvelopePresence, type PresenceChangeOf, type PresenceMembers, type PresenceMeta } from './presence.js';
export { delayAfterClose, RESTART_DELAY } from './restart-delay.js';
