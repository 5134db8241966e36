// Runs every graphql-http audit (the GraphQL-over-HTTP spec's MUST, SHOULD
// and MAY rules) against the server at the URL given; exits non-zero on an
// error or a warning. Notices (MAY) are printed too.
import { auditServer } from 'graphql-http';

const url = process.argv[2];
if (!url) {
  console.error('usage: node audit.mjs http://127.0.0.1:8080/graphql');
  process.exit(2);
}
const results = await auditServer({ url });
const count = (status) => results.filter((r) => r.status === status).length;
for (const result of results) {
  if (result.status !== 'ok') {
    console.log(`${result.status.toUpperCase()} ${result.id} ${result.name}\n    ${result.reason}`);
  }
}
console.log(
  `${results.length} audits: ${count('ok')} ok, ${count('warn')} warnings, ${count('error')} errors, ${count('notice')} notices`,
);
process.exit(count('error') + count('warn') > 0 ? 1 : 0);
