// Builds the station's packages with the Tauri bundler: the desktop app as
// `pass-station` and the command-line tool as `passctl`, both the production
// build (no demo: `--no-default-features --features gui`, with the web front
// end built first) in the `shipped`
// profile (stripped, in target/shipped/, apart from target/release/).
//
// `npm run package` makes the .deb; other bundles are asked for as the Tauri
// CLI asks: `npm run package -- --bundles deb,appimage` (the AppImage step
// downloads its tools from GitHub, see README.md).
import { execFileSync } from 'node:child_process';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = join(dirname(fileURLToPath(import.meta.url)), '..', '..');
// The app embeds ui/dist: built first, so the package has the front end as it is.
execFileSync('npm', ['run', 'build'], { cwd: join(root, 'ui'), stdio: 'inherit' });
const metadata = JSON.parse(
  execFileSync('cargo', ['metadata', '--format-version', '1', '--no-deps', '--offline'], {
    cwd: root,
    maxBuffer: 64 << 20,
  }).toString(),
);
const passctl = join(metadata.target_directory, 'shipped', 'passctl');
// The bundler places the main binary itself; passctl goes in as a file of the .deb.
const config = { bundle: { linux: { deb: { files: { '/usr/bin/passctl': passctl } } } } };
const asked = process.argv.slice(2);
const bundles = asked.includes('--bundles') || asked.includes('-b') ? [] : ['--bundles', 'deb'];
const args = [
  'build',
  ...bundles,
  ...asked,
  '--features',
  'gui',
  '--config',
  JSON.stringify(config),
  '--',
  '--profile',
  'shipped',
  '--no-default-features',
  '--locked',
];
execFileSync(join(root, 'ui', 'node_modules', '.bin', 'tauri'), args, { cwd: root, stdio: 'inherit' });
