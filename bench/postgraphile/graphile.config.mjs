// PostGraphile v5 over masterplan's PostgreSQL tables, as it comes out of the
// box (the Amber preset, its default inflection), for bench/side_by_side.py.
//
//   DATABASE_URL=postgres://… PORT=5678 STATS_PORT=5679 \
//     node_modules/.bin/node node_modules/postgraphile/dist/cli-run.js -C graphile.config.mjs
//
// The only addition is a count of the SQL statements its pool's clients send
// (every `client.query` call: the JIT setting once per connection, BEGIN and
// COMMIT when it opens a transaction, and each statement of a request),
// answered as plain text on http://127.0.0.1:STATS_PORT/.
import http from "node:http";

import pg from "pg";
import { PostGraphileAmberPreset } from "postgraphile/presets/amber";
import { makePgService } from "postgraphile/adaptors/pg";

let statements = 0;
const pool = new pg.Pool({
  connectionString: process.env.DATABASE_URL,
  // node-postgres' default, said aloud: masterplan's pool holds 16.
  max: Number(process.env.PG_POOL_MAX ?? 10),
});
pool.on("connect", (client) => {
  const query = client.query.bind(client);
  client.query = (...args) => {
    statements += 1;
    return query(...args);
  };
  client.on("error", (e) => console.error("pg client error", e));
});
pool.on("error", (e) => console.error("pg pool error", e));

if (process.env.STATS_PORT) {
  http
    .createServer((_req, res) => {
      res.setHeader("content-type", "text/plain");
      res.end(`${statements}\n`);
    })
    .listen(Number(process.env.STATS_PORT), "127.0.0.1");
}

/** @type {GraphileConfig.Preset} */
export default {
  extends: [PostGraphileAmberPreset],
  pgServices: [makePgService({ pool, schemas: ["public"], pubsub: false })],
  grafserv: {
    host: "127.0.0.1",
    port: Number(process.env.PORT ?? 5678),
    graphiql: false,
    watch: false,
  },
  grafast: { explain: false },
};
