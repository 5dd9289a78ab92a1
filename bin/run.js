#!/usr/bin/env -S node --
// `node --` stops Node 20 from reading options after the script name: it would take `run --env-file`
// as its own flag (nodejs/node#54232) and load that file into runvoy's environment.
// `runvoy --version` is answered without loading the bundle: it is what scripts and shells call most.
// (Its output needs nothing but package.json; the fast path below needs dist/fast-path.cjs.)
const argv = process.argv.slice(2);
await refuseEnvFileReadByNode(argv);
if (argv.length === 1 && (argv[0] === '--version' || argv[0] === '-v')) {
  const { readFileSync } = await import('node:fs');
  const { version } = JSON.parse(readFileSync(new URL('../package.json', import.meta.url), 'utf8'));
  process.stdout.write(`runvoy/${version} ${process.platform}-${process.arch} node-${process.version}\n`);
} else {
  // `config path` and help seen before are answered without the bundle (src/bundle/fast-path.ts).
  const { createRequire } = await import('node:module');
  const fastPath = createRequire(import.meta.url)('../dist/fast-path.cjs');
  if (!fastPath.answer(argv)) {
    const { fileURLToPath } = await import('node:url');
    const { loadBundle } = await import('./load-bundle.js');
    const root = fileURLToPath(new URL('..', import.meta.url));
    fastPath.record(argv);
    await loadBundle(root, argv).main(argv, root);
  }
}

/**
 * Node 20 takes every `--env-file F` on its command line up to a `--` as its own option, even after the
 * script name (nodejs/node#54232). Started as `node bin/run.js run --env-file F` (no `--`), Node has read F
 * before this file runs, and has applied a NODE_OPTIONS line in it to this process (`--require x.js` has
 * already run x.js, with the user's AWS credentials at hand). Nothing here can undo that, so runvoy stops
 * and says how to start it safely. Only Linux shows whether Node got a `--` (/proc/self/cmdline); the
 * installed `runvoy` command always passes one (the shebang, npm's shims); `npx -- runvoy` keeps npx's own
 * Node from reading the file.
 */
async function refuseEnvFileReadByNode(args) {
  const firstEnvFile = args.findIndex((a) => a === '--' || a === '--env-file' || a.startsWith('--env-file='));
  if (firstEnvFile === -1 || args[firstEnvFile] === '--' || process.platform !== 'linux') return;
  const { readFileSync } = await import('node:fs');
  const { basename } = await import('node:path');
  let cmdline;
  try {
    cmdline = readFileSync('/proc/self/cmdline', 'utf8').split('\0').slice(0, -1);
  } catch {
    return;
  }
  const script = cmdline.length - args.length - 1;
  // [node, ...node options, script, ...args]; anything else (a single-file executable) is not this case.
  if (script < 1 || basename(cmdline[script] ?? '') !== basename(process.argv[1] ?? '')) return;
  if (cmdline.slice(1, script).includes('--')) return;
  const arg = args[firstEnvFile] ?? '';
  const file = arg.includes('=') ? arg.slice(arg.indexOf('=') + 1) : (args[firstEnvFile + 1] ?? '');
  process.stderr.write(
    [
      `Error: Node.js itself read --env-file ${file} before runvoy started.`,
      '  Why: started as `node <script> ... --env-file FILE` without `--`, Node 20 reads FILE as its own option',
      '       (nodejs/node#54232) and applies any NODE_OPTIONS line in it to this process.',
      '  Fix: run the installed command (`runvoy run ...` or `npx -- runvoy run ...`), or start the script with',
      '       `node -- <script> run ...`. Nothing was sent to AWS.',
      '',
    ].join('\n'),
  );
  process.exit(2);
}
