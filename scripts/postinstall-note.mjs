// After `npm install`/`npm ci`: npm itself runs on the machine's Node (20 is enough), and warns
// EBADENGINE for the few dependencies that declare Node >= 22 (libp2p's p-retry, fastify's cookie,
// @sparticuz/chromium). They never run on the machine's Node: every `npm run` script and `npx`
// command uses Node 22 from the `node` devDependency. Say that once, after the warnings.
const agent = process.env.npm_config_user_agent ?? "";
const m = /node\/v(\d+)/.exec(agent);
if (m && Number(m[1]) < 22) {
  console.log(
    `\naegis: npm ran on Node ${m[1]}, so it warned EBADENGINE for packages that need Node >= 22. That is expected and harmless:\n` +
      `every \`npm run …\` script (devnet, test, bench) and \`npx aegis\` run on Node ${process.versions.node} from the \`node\` devDependency.\n`,
  );
}
