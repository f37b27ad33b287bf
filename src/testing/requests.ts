import { IncomingMessage, type IncomingHttpHeaders } from 'node:http';
import { Socket } from 'node:net';

/** An IncomingMessage that is never read from: only its method, URL, status and headers matter. */
function message(): IncomingMessage {
  const request = new IncomingMessage(new Socket());
  request.httpVersion = '1.1';
  request.httpVersionMajor = 1;
  request.httpVersionMinor = 1;
  request.complete = true;
  return request;
}

/** @internal The upgrade request a `pair()` server connection reports as `connection.request`. */
export function upgradeRequest(url: string, headers: IncomingHttpHeaders, protocol: string): IncomingMessage {
  const request = message();
  request.method = 'GET';
  request.url = url;
  request.headers = {
    host: 'localhost',
    connection: 'Upgrade',
    upgrade: 'websocket',
    'sec-websocket-version': '13',
    ...(protocol === '' ? {} : { 'sec-websocket-protocol': protocol }),
    ...headers,
  };
  return request;
}

/** @internal The 101 response a `pair()` client connection reports as `connection.request`, as `connect()` does. */
export function switchingProtocolsResponse(protocol: string): IncomingMessage {
  const response = message();
  response.statusCode = 101;
  response.statusMessage = 'Switching Protocols';
  response.headers = {
    connection: 'Upgrade',
    upgrade: 'websocket',
    ...(protocol === '' ? {} : { 'sec-websocket-protocol': protocol }),
  };
  return response;
}
