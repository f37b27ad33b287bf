// The older majors are installed under aliases (package.json: express4, koa2) so both majors are
// tested side by side. They are typed with the newer majors' types: the fixtures use only the API
// both majors share.
declare module 'express4' {
  import express = require('express');
  export = express;
}

declare module 'koa2' {
  import Koa = require('koa');
  export = Koa;
}
