/**
 * Finds and launches the Chromium that drives the web page's tests, with no
 * system set-up required. In order:
 *
 *   1. an explicit executable: CHROMIUM_PATH, else CHROME_PATH (an error if it
 *      is not there or does not start: the user asked for that one);
 *   2. a system Chromium, Chrome or Edge (the usual Linux paths and PATH, the
 *      macOS applications, the Windows install folders);
 *   3. the headless Chromium that `npm ci` brought as a dev dependency,
 *      `@sparticuz/chromium` (Linux x64 only): its brotli-compressed binary,
 *      SwiftShader (WebGL on the CPU), NSS libraries and fonts are unpacked
 *      once into node_modules/.cache/, atomically (a temporary folder, then a
 *      rename), so a killed unpack is never mistaken for a finished one.
 *
 * MISALIGN_TEST_BROWSER=npm skips step 2 (CI sets it, so CI proves the path a
 * fresh machine takes); =system skips step 3. The first candidate that
 * launches wins; when none does, the error is one line that says what to
 * install or which variable to set.
 */
import { constants, createReadStream, createWriteStream, existsSync } from 'node:fs';
import { access, mkdir, readFile, rename, rm, stat, writeFile } from 'node:fs/promises';
import { createRequire } from 'node:module';
import { homedir } from 'node:os';
import { delimiter, dirname, join, resolve } from 'node:path';
import { pipeline } from 'node:stream/promises';
import { createBrotliDecompress } from 'node:zlib';
import { chromium, type Browser } from 'playwright-core';
import { extract } from 'tar-fs';

/** A browser the tests can launch: where it is, what it needs in its environment, and a label for the log. */
export interface BrowserChoice {
  executablePath: string;
  /** Extra environment variables for the browser process (the bundled Chromium's libraries and fonts). */
  env: Record<string, string>;
  source: 'variable' | 'system' | 'npm';
  label: string;
}

/**
 * Flags for every launch: root needs --no-sandbox. WebGL is drawn by SwiftShader
 * (on the CPU) on every machine, GPU or not; asked for by name, it is not a
 * "major performance caveat", so tfjs (which refuses such contexts) gets one.
 */
const ARGS = ['--no-sandbox', '--use-angle=swiftshader', '--enable-unsafe-swiftshader'];

const NPM_PACKAGE = '@sparticuz/chromium';

/** The machine the browser is looked for on (a parameter, so tests can ask about other platforms). */
export interface Host {
  platform: NodeJS.Platform;
  arch: string;
  env: NodeJS.ProcessEnv;
}
const THIS_HOST: Host = { platform: process.platform, arch: process.arch, env: process.env };

/** The npm-provided Chromium ships a Linux x64 binary only. */
const npmSupported = (host: Host) => host.platform === 'linux' && host.arch === 'x64';

/** What to do when nothing is found, in one line. */
function howToFix(host: Host): string {
  if (npmSupported(host) && host.env.MISALIGN_TEST_BROWSER !== 'system') {
    return `run \`npm ci\` (it brings ${NPM_PACKAGE}), or set CHROMIUM_PATH to a Chrome or Chromium executable`;
  }
  return `install Google Chrome or Chromium, or set CHROMIUM_PATH to its executable (the npm-provided ${NPM_PACKAGE} runs on Linux x64 only)`;
}

/** The executables a system install puts in the usual places, for this platform. */
export function systemCandidates(host: Host = THIS_HOST): string[] {
  const { platform, env } = host;
  if (platform === 'darwin') {
    const apps = ['Google Chrome.app/Contents/MacOS/Google Chrome', 'Chromium.app/Contents/MacOS/Chromium', 'Microsoft Edge.app/Contents/MacOS/Microsoft Edge'];
    return [...apps.map((a) => join('/Applications', a)), ...apps.map((a) => join(homedir(), 'Applications', a))];
  }
  if (platform === 'win32') {
    const roots = [env.PROGRAMFILES, env['PROGRAMFILES(X86)'], env.LOCALAPPDATA].filter((r): r is string => !!r);
    const exes = ['Google\\Chrome\\Application\\chrome.exe', 'Chromium\\Application\\chrome.exe', 'Microsoft\\Edge\\Application\\msedge.exe'];
    return roots.flatMap((r) => exes.map((e) => `${r}\\${e}`));
  }
  const names = ['chromium', 'chromium-browser', 'google-chrome', 'google-chrome-stable', 'chrome'];
  const dirs = [...(env.PATH ?? '').split(delimiter).filter(Boolean), '/usr/bin', '/usr/local/bin', '/snap/bin'];
  return [...new Set(dirs.flatMap((d) => names.map((n) => join(d, n))))];
}

async function isExecutable(path: string): Promise<boolean> {
  try {
    await access(path, constants.X_OK);
    return (await stat(path)).isFile();
  } catch {
    return false;
  }
}

/** The root folder of the npm-provided Chromium package, or undefined when it is not installed. */
function npmPackageRoot(): string | undefined {
  let entry: string;
  try {
    entry = createRequire(import.meta.url).resolve(NPM_PACKAGE);
  } catch {
    return undefined;
  }
  for (let dir = dirname(entry); dir !== dirname(dir); dir = dirname(dir)) {
    if (existsSync(join(dir, 'package.json')) && existsSync(join(dir, 'bin'))) return dir;
  }
  return undefined;
}

async function unpack(archive: string, into: string): Promise<void> {
  if (!existsSync(archive)) throw new Error(`${archive} is missing: reinstall with \`npm ci\``);
  await pipeline(createReadStream(archive), createBrotliDecompress(), archive.endsWith('.tar.br') ? extract(into) : createWriteStream(into, { mode: 0o755 }));
}

/**
 * The npm-provided Chromium, unpacked into node_modules/.cache/ on first use.
 * Folder layout: chromium (the executable), SwiftShader's libraries beside it
 * (where Chromium looks for them), lib/ (NSS, NSPR, expat: so the binary needs
 * nothing but glibc from the system), fonts/ and fonts.conf.
 */
export async function npmChromium(host: Host = THIS_HOST): Promise<BrowserChoice | undefined> {
  if (!npmSupported(host)) return undefined;
  const root = npmPackageRoot();
  if (!root) return undefined;
  const { version } = JSON.parse(await readFile(join(root, 'package.json'), 'utf8')) as { version: string };
  const dir = resolve(root, '..', '..', '.cache', 'misalign-chromium', version);
  if (!existsSync(join(dir, 'chromium'))) {
    const tmp = `${dir}.tmp-${process.pid}`;
    await rm(tmp, { recursive: true, force: true });
    await mkdir(tmp, { recursive: true });
    const bin = join(root, 'bin');
    await Promise.all([
      unpack(join(bin, 'chromium.br'), join(tmp, 'chromium')),
      unpack(join(bin, 'swiftshader.tar.br'), tmp),
      unpack(join(bin, 'al2023.tar.br'), tmp),
      unpack(join(bin, 'fonts.tar.br'), tmp),
    ]);
    // The package's own fonts.conf names Lambda's folders; ours names this one's.
    await writeFile(
      join(tmp, 'fonts.conf'),
      `<?xml version="1.0"?>\n<!DOCTYPE fontconfig SYSTEM "fonts.dtd">\n<fontconfig>\n  <dir>${join(dir, 'fonts')}</dir>\n  <cachedir>${join(dir, 'fonts-cache')}</cachedir>\n</fontconfig>\n`,
    );
    try {
      await rename(tmp, dir);
    } catch (e) {
      // Another process finished first: keep its folder, drop ours.
      await rm(tmp, { recursive: true, force: true });
      if (!existsSync(join(dir, 'chromium'))) throw e;
    }
  }
  const env: Record<string, string> = { LD_LIBRARY_PATH: [join(dir, 'lib'), host.env.LD_LIBRARY_PATH].filter(Boolean).join(delimiter) };
  // With no fontconfig set-up on the system, text is drawn with the bundled fonts.
  if (!existsSync('/etc/fonts/fonts.conf') && !host.env.FONTCONFIG_FILE) env.FONTCONFIG_FILE = join(dir, 'fonts.conf');
  return { executablePath: join(dir, 'chromium'), env, source: 'npm', label: `${NPM_PACKAGE} ${version}` };
}

/** Every candidate in the order of the header, the explicit one alone when it is set. */
async function candidates(host: Host): Promise<BrowserChoice[] | { explicit: string; name: string }> {
  for (const name of ['CHROMIUM_PATH', 'CHROME_PATH']) {
    const path = host.env[name];
    if (path) return { explicit: path, name };
  }
  const only = host.env.MISALIGN_TEST_BROWSER;
  if (only !== undefined && only !== 'npm' && only !== 'system') throw oneLine(`MISALIGN_TEST_BROWSER must be npm or system, not ${JSON.stringify(only)}`);
  const found: BrowserChoice[] = [];
  if (only !== 'npm') {
    for (const path of systemCandidates(host)) if (await isExecutable(path)) found.push({ executablePath: path, env: {}, source: 'system', label: path });
  }
  if (only !== 'system') {
    const npm = await npmChromium(host);
    if (npm) found.push(npm);
  }
  return found;
}

/** An error whose whole report is its one-line message (no stack to scroll past). */
function oneLine(message: string): Error {
  const e = new Error(message);
  e.stack = `Error: ${message}`;
  return e;
}

/** Launches one choice (with any extra flags); the browser's version goes into the label. */
export async function launch(choice: BrowserChoice, extraArgs: string[] = []): Promise<Browser> {
  const browser = await chromium.launch({
    executablePath: choice.executablePath,
    headless: true,
    args: [...ARGS, ...extraArgs],
    env: { ...process.env, ...choice.env },
  });
  choice.label = `Chromium ${browser.version()} (${choice.label})`;
  return browser;
}

/** The first candidate that launches, already launched; one line of error when none does. */
export async function findBrowser(host: Host = THIS_HOST): Promise<{ choice: BrowserChoice; browser: Browser }> {
  const found = await candidates(host);
  if ('explicit' in found) {
    const choice: BrowserChoice = { executablePath: found.explicit, env: {}, source: 'variable', label: `${found.name}=${found.explicit}` };
    if (!(await isExecutable(found.explicit)))
      throw oneLine(`${found.name}=${found.explicit} is not an executable file: point it at a Chrome or Chromium executable, or unset it`);
    try {
      return { choice, browser: await launch(choice) };
    } catch (e) {
      throw oneLine(`${found.name}=${found.explicit} did not start: ${firstLine(e)}`);
    }
  }
  const failures: string[] = [];
  for (const choice of found) {
    try {
      return { choice, browser: await launch(choice) };
    } catch (e) {
      failures.push(`${choice.label}: ${firstLine(e)}`);
    }
  }
  const tried = failures.length ? ` (tried ${failures.join('; ')})` : '';
  const only = host.env.MISALIGN_TEST_BROWSER ? ` with MISALIGN_TEST_BROWSER=${host.env.MISALIGN_TEST_BROWSER}` : '';
  throw oneLine(`no browser for the web page's tests${only}${tried}: ${howToFix(host)}`);
}

function firstLine(e: unknown): string {
  return (
    (e instanceof Error ? e.message : String(e))
      .split('\n')
      .find((l) => l.trim())
      ?.trim() ?? 'unknown error'
  );
}
