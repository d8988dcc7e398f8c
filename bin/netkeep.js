#!/usr/bin/env node
// Entry point of the `netkeep` command. netkeep is TypeScript run by Node's type stripping,
// which needs Node.js 22.18 or newer.
const [major, minor] = process.versions.node.split('.').map(Number);
if (major < 22 || (major === 22 && minor < 18)) {
  process.stderr.write(`netkeep: needs Node.js 22.18 or newer, this is ${process.version}; install a current Node.js LTS (24) and run it again\n`);
  process.exit(1);
}
const { main } = await import('../src/cli/main.ts');
const code = await main(process.argv.slice(2));
// serve keeps the loop alive itself; one-shot commands end here even if a library left a timer
if (process.argv[2] !== 'serve') process.exit(code);
process.exitCode = code;
