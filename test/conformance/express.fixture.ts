import http from 'node:http';
import type expressModule from 'express';
import type { NextFunction, Request, Response } from 'express';
import { attach, open, websocket } from '../../src/adapters/express/index.js';
import { listen } from '../helpers/server.js';
import type { AdapterFixture, AppSpec } from './contract.js';

type Express = typeof expressModule;

/**
 * Express's idiom for middleware state: a property on `req` (as passport's `req.user`); optional,
 * as Express's own types would only accept it through a global augmentation.
 */
type AuthedRequest = Request<{ room: string }> & { user?: string };

export interface ExpressFixtureOptions {
  label: string;
  /**
   * Mount the route on an `express.Router()` and accept with the `websocket()` helper, with a second
   * handler on the same route for plain HTTP; otherwise `app.get` calls `open()` itself.
   */
  router?: boolean;
}

function authMiddleware(req: Request, res: Response, next: NextFunction): void {
  if (req.headers['x-auth'] === 'deny') {
    res.status(401).type('text/plain').send('denied by auth middleware');
    return;
  }
  (req as AuthedRequest).user = String(req.headers['x-user'] ?? 'anonymous');
  next();
}

function buildApp(express: Express, spec: AppSpec, router: boolean): ReturnType<Express> {
  const app = express();
  app.use(authMiddleware);
  const overHttp = (req: Request<{ room: string }>, res: Response): void => {
    res.send(`room ${req.params.room} over HTTP`);
  };
  if (router) {
    const rooms = express.Router();
    rooms.get(
      '/rooms/:room',
      websocket((connection, req: AuthedRequest) => spec.handler(connection, { room: req.params.room, user: String(req.user) }), spec.options),
      overHttp,
    );
    app.use(rooms);
  } else {
    app.get('/rooms/:room', (req, res) => {
      const user = String((req as AuthedRequest).user);
      if (open(req, (connection) => spec.handler(connection, { room: req.params.room, user }), spec.options)) return;
      overHttp(req, res);
    });
  }
  return app;
}

/** The standard app (contract.ts) in Express; takes the module so one fixture serves Express 4 and 5. */
export function expressFixture(express: Express, { label, router = false }: ExpressFixtureOptions): AdapterFixture {
  return {
    label,
    capabilities: { frameworkNotFoundPage: true, routePattern: '/rooms/:room' },
    async start(spec) {
      const server = http.createServer(buildApp(express, spec, router));
      return listen(server, attach(server, spec.attachOptions));
    },
  };
}
