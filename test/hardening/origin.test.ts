// Cross-site WebSocket hijacking: a page on another site opens a socket to the app with the
// user's cookies. Browsers always send Origin on WebSocket handshakes and a page cannot forge it,
// so the server must refuse origins it does not recognise, before the 101.
import { describe, expect, it } from 'vitest';
import type { OpenOptions } from '../../src/index.js';
import { expectRefusal, TestClient } from '../helpers/ws-client.js';
import { startTarget } from './target.js';

type Headers = Record<string, string>;

/** Connects to a fresh target with `headers`, and reports 'opened' or the refusal's status. */
async function attempt(headers: Headers, options?: OpenOptions): Promise<'opened' | number> {
  const target = await startTarget(options);
  const url = `${target.wsUrl}/rooms/echo`;
  const answer = await expectRefusal(url, { headers }).catch((error: Error) => error);
  if (!(answer instanceof Error)) {
    expect(answer.body).toBe(`Origin ${headers.Origin} is not allowed\n`);
    expect(answer.headers.connection).toBe('close');
    expect(target.upsocket.connections.size).toBe(0);
    await target.assertStillServing();
    return answer.status;
  }
  expect(answer.message).toMatch(/the (server answered 101|WebSocket opened)/);
  // It opened: prove it by talking over it.
  const client = await TestClient.connect(url, undefined, { headers });
  client.ws.send('hello');
  expect(await client.nextText()).toBe('hello');
  return 'opened';
}

describe('origin check, default policy (no origins listed)', () => {
  it('accepts a client that sends no Origin (not a browser)', async () => {
    expect(await attempt({})).toBe('opened');
  });

  it('accepts the same origin, with default ports compared as equal', async () => {
    expect(await attempt({ Host: 'app.example', Origin: 'http://app.example' })).toBe('opened');
    expect(await attempt({ Host: 'app.example:443', Origin: 'https://app.example' })).toBe('opened');
    expect(await attempt({ Host: 'APP.example', Origin: 'https://app.example' })).toBe('opened');
  });

  it('refuses a cross-site Origin with 403', async () => {
    expect(await attempt({ Host: 'app.example', Origin: 'https://evil.example' })).toBe(403);
  });

  it('refuses the same host on another port, and a look-alike host', async () => {
    expect(await attempt({ Host: 'app.example:8080', Origin: 'http://app.example:8081' })).toBe(403);
    expect(await attempt({ Host: 'app.example', Origin: 'https://app.example.evil.example' })).toBe(403);
  });

  it('refuses Origin: null (sandboxed iframes, file: pages, some redirects)', async () => {
    expect(await attempt({ Host: 'app.example', Origin: 'null' })).toBe(403);
  });

  it('refuses an Origin that is not a URL', async () => {
    expect(await attempt({ Host: 'app.example', Origin: 'app.example' })).toBe(403);
  });
});

describe('origin check with listed origins', () => {
  const origins = ['https://partner.example/', /^https:\/\/[a-z]+\.trusted\.example$/, (origin: string) => origin === 'https://fn.example'];

  it('accepts each kind of rule: exact (trailing slash, any case), RegExp, predicate', async () => {
    expect(await attempt({ Host: 'app.example', Origin: 'https://partner.example' }, { origins })).toBe('opened');
    expect(await attempt({ Host: 'app.example', Origin: 'HTTPS://PARTNER.EXAMPLE' }, { origins })).toBe('opened');
    expect(await attempt({ Host: 'app.example', Origin: 'https://eu.trusted.example' }, { origins })).toBe('opened');
    expect(await attempt({ Host: 'app.example', Origin: 'https://fn.example' }, { origins })).toBe('opened');
  });

  it('still refuses what the rules do not name', async () => {
    expect(await attempt({ Host: 'app.example', Origin: 'http://partner.example' }, { origins })).toBe(403);
    expect(await attempt({ Host: 'app.example', Origin: 'https://partner.example.evil.example' }, { origins })).toBe(403);
    expect(await attempt({ Host: 'app.example', Origin: 'https://eu.trusted.example.evil.example' }, { origins })).toBe(403);
    expect(await attempt({ Host: 'app.example', Origin: 'null' }, { origins })).toBe(403);
  });

  it("accepts Origin: null only when listed as 'null'", async () => {
    expect(await attempt({ Host: 'app.example', Origin: 'null' }, { origins: ['null'] })).toBe('opened');
  });
});

describe('origin check behind a reverse proxy', () => {
  // The proxy reaches the app at an internal address; the browser addressed app.example.
  const internal = { Host: '10.0.0.5:3000' };

  it('ignores X-Forwarded-Host and Forwarded unless trustProxy is set', async () => {
    expect(await attempt({ ...internal, 'X-Forwarded-Host': 'app.example', Origin: 'https://app.example' })).toBe(403);
    expect(await attempt({ ...internal, Forwarded: 'for=192.0.2.1;host=app.example;proto=https', Origin: 'https://app.example' })).toBe(403);
  });

  it('believes them with trustProxy: true', async () => {
    const options = { trustProxy: true };
    expect(await attempt({ ...internal, 'X-Forwarded-Host': 'app.example', Origin: 'https://app.example' }, options)).toBe('opened');
    expect(await attempt({ ...internal, Forwarded: 'for=192.0.2.1;host=app.example;proto=https', Origin: 'https://app.example' }, options)).toBe('opened');
    expect(await attempt({ ...internal, Forwarded: 'host="app.example:8443";proto=https', Origin: 'https://app.example:8443' }, options)).toBe('opened');
    // The first (client-most) value of a list is the one the browser addressed.
    expect(await attempt({ ...internal, 'X-Forwarded-Host': 'app.example, 10.0.0.5:3000', Origin: 'https://app.example' }, options)).toBe('opened');
  });

  it('a forged X-Forwarded-Host / Forwarded does not make a cross-site origin same-origin without trustProxy', async () => {
    const forged = { Host: 'app.example', Origin: 'https://evil.example' };
    expect(await attempt({ ...forged, 'X-Forwarded-Host': 'evil.example' })).toBe(403);
    expect(await attempt({ ...forged, Forwarded: 'host=evil.example' })).toBe(403);
  });

  it('with trustProxy, still refuses an Origin that differs from the forwarded host', async () => {
    const options = { trustProxy: true };
    expect(await attempt({ ...internal, 'X-Forwarded-Host': 'app.example', Origin: 'https://evil.example' }, options)).toBe(403);
    expect(await attempt({ ...internal, Forwarded: 'host=app.example', Origin: 'null' }, options)).toBe(403);
  });
});
