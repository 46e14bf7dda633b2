/**
 * How the web page's tests find a browser (test/web/browser.ts): the order of
 * the candidates on each platform, and the one-line errors when none starts.
 * The browser tests themselves (test/web/) launch the one it finds.
 */
import { describe, expect, it } from 'vitest';
import { findBrowser, systemCandidates, type Host } from './web/browser.js';

const linux = (env: NodeJS.ProcessEnv): Host => ({ platform: 'linux', arch: 'x64', env });

describe('the browser for the web tests', () => {
  it('looks where each platform installs Chrome, Chromium or Edge', () => {
    const onLinux = systemCandidates(linux({ PATH: '/opt/tools/bin:/usr/bin' }));
    expect(onLinux[0]).toBe('/opt/tools/bin/chromium'); // PATH first, in order
    expect(onLinux).toContain('/usr/bin/chromium');
    expect(onLinux).toContain('/usr/bin/google-chrome');
    expect(onLinux).toContain('/snap/bin/chromium');
    expect(new Set(onLinux).size).toBe(onLinux.length);

    const onMac = systemCandidates({ platform: 'darwin', arch: 'arm64', env: {} });
    expect(onMac[0]).toBe('/Applications/Google Chrome.app/Contents/MacOS/Google Chrome');
    expect(onMac).toContain('/Applications/Chromium.app/Contents/MacOS/Chromium');

    const onWindows = systemCandidates({
      platform: 'win32',
      arch: 'x64',
      env: { PROGRAMFILES: 'C:\\Program Files', LOCALAPPDATA: 'C:\\Users\\r\\AppData\\Local' },
    });
    expect(onWindows[0]).toBe('C:\\Program Files\\Google\\Chrome\\Application\\chrome.exe');
    expect(onWindows).toContain('C:\\Program Files\\Microsoft\\Edge\\Application\\msedge.exe');
    expect(onWindows).toContain('C:\\Users\\r\\AppData\\Local\\Google\\Chrome\\Application\\chrome.exe');
  });

  const oneLineError = async (host: Host) => {
    const error = await findBrowser(host).then(
      () => undefined,
      (e: unknown) => e as Error,
    );
    expect(error).toBeInstanceOf(Error);
    expect(error!.message).not.toContain('\n');
    expect(error!.stack).toBe(`Error: ${error!.message}`); // nothing but the line
    return error!.message;
  };

  it('uses CHROMIUM_PATH (else CHROME_PATH) alone and says so when it is wrong', async () => {
    expect(await oneLineError(linux({ CHROMIUM_PATH: '/nonexistent/chromium', CHROME_PATH: '/bin/sh' }))).toBe(
      'CHROMIUM_PATH=/nonexistent/chromium is not an executable file: point it at a Chrome or Chromium executable, or unset it',
    );
    expect(await oneLineError(linux({ CHROME_PATH: '/nonexistent/chrome' }))).toMatch(/^CHROME_PATH=\/nonexistent\/chrome is not an executable file/);
    // An executable that is not a browser: it does not start, and the line says which variable named it.
    expect(await oneLineError(linux({ CHROMIUM_PATH: '/bin/true' }))).toMatch(/^CHROMIUM_PATH=\/bin\/true did not start: /);
  });

  it('fails with what to install where the npm-provided Chromium does not run', async () => {
    expect(await oneLineError({ platform: 'darwin', arch: 'arm64', env: { MISALIGN_TEST_BROWSER: 'npm' } })).toBe(
      "no browser for the web page's tests with MISALIGN_TEST_BROWSER=npm: install Google Chrome or Chromium, or set CHROMIUM_PATH to its executable (the npm-provided @sparticuz/chromium runs on Linux x64 only)",
    );
    expect(await oneLineError(linux({ MISALIGN_TEST_BROWSER: 'firefox' }))).toBe('MISALIGN_TEST_BROWSER must be npm or system, not "firefox"');
  });
});
