import { readFileSync } from 'node:fs';

/**
 * The chat page every example serves at `/`. It opens its WebSocket at `/chat` on the page's own
 * host, and asks `/me` who is logged in (see the comment at the top of chat.html).
 */
export const chatPage: string = readFileSync(new URL('./chat.html', import.meta.url), 'utf8');
